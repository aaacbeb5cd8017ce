// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_ASIO_INTERNALS_HPP
#define ASYNCPP_DETAIL_ASIO_INTERNALS_HPP

// The one header of the library that names anything from boost::asio::detail. Asio
// changes those names without notice, and a compiler may reject what an older one took
// (g++ 15 did), so each use has a twin built on Asio's documented interface only, and
// ASYNCPP_ASIO_INTERNALS (config.hpp) chooses: 1 where the build's configure-time probe
// (libasyncpp/probe/asio_internals.cpp, CMake try_compile, b2 check-target-builds)
// compiled this header's fast path with this compiler and this Boost, 0 everywhere else
// and when the build option ASYNCPP_ASIO_INTERNALS is off.
//
// The names, and what each saves (asyncpp-bench):
//   - awaitable_frame<T, Executor>: the promise type of every awaitable. Deriving from it
//     with our own operator new/delete puts the frames of asyncpp's once-per-call
//     coroutines (a task's and a gather child's bottom frame, sleep, run_in_executor)
//     in the block cache instead of Asio's two-frame-per-thread recycler.
//   - awaitable_thread<Executor> (its constructor, launch(), entry_point()) and
//     awaitable_thread_entry_point: starting a coroutine thread without co_spawn, whose
//     entry frame (528 bytes, two work guards), dispatch at the start and post at the end
//     were most of what spawning a task cost over hand-written Asio (spawn_gather,
//     200k children: 0.21 s -> 0.05 s). entry_point() also names the coroutine a use_awaitable
//     handler resumes, which tells a task's own waits from those of coroutines spawned
//     on its executor (without it they count as the task's).
// Tested (scripts/check-toolchains.sh; README, "Toolchains") with Boost 1.81 (Asio 1.26)
// and g++ 12; Boost 1.83 and 1.88 (Asio 1.34.2) with g++ 14 and clang 19; Boost 1.90 and
// 1.92 (Asio 1.38.2) with g++ 15, g++ 16 and clang 22, libstdc++ and (1.92) libc++.

#include <asyncpp/config.hpp>
#include <asyncpp/detail/block_cache.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/version.hpp>

#include <coroutine>
#include <cstddef>
#include <type_traits>
#include <utility>

#if BOOST_ASIO_VERSION < 102600
#  error "asyncpp needs Asio 1.26 or later (Boost 1.81)"
#endif

namespace asyncpp::detail {

/// A coroutine whose first parameter is this tag has its frame from the block cache
/// where the fast path is on (see the coroutine_traits below); elsewhere the tag changes
/// nothing. asyncpp's own coroutines that run once per task, gather child or
/// run_in_executor call carry it.
struct cached_frame_t {
  explicit cached_frame_t() = default;
};
inline constexpr cached_frame_t cached_frame{};

// The two paths differ in what they instantiate: an inline namespace of each keeps a
// program that mixes them (a consumer compiled with a different setting than the
// library) from merging two different definitions under one name.
#if ASYNCPP_ASIO_INTERNALS
inline namespace asio_fast_path {

/// What launch_thread() emplaces in a slot: the coroutine's cancellation state.
inline constexpr std::size_t thread_cancellation_capacity = 32;

/// A coroutine thread's identity: its bottom frame; null when not known.
using coroutine_id = const void*;

template <class T>
inline constexpr bool is_asio_awaitable = false;
template <class T, class Executor>
inline constexpr bool is_asio_awaitable<boost::asio::awaitable<T, Executor>> = true;

/// Asio's frame with the block cache's new and delete: nothing else differs, so Asio
/// handles it as the awaitable_frame it is (same layout and alignment).
template <class T, class Executor>
struct cached_awaitable_frame : boost::asio::detail::awaitable_frame<T, Executor> {
  using asio_frame = boost::asio::detail::awaitable_frame<T, Executor>;

  static void* operator new(std::size_t size) { return block_cache::allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { block_cache::deallocate(p, size); }

  /// Awaiting another awaitable: Asio's awaitable suspends only a coroutine whose handle
  /// names Asio's own frame type, which this frame is, at the same address.
  template <class U>
  struct awaiting {
    boost::asio::awaitable<U, Executor> inner;
    bool await_ready() const noexcept { return inner.await_ready(); }
    void await_suspend(std::coroutine_handle<> h)
    {
      inner.await_suspend(std::coroutine_handle<asio_frame>::from_address(h.address()));
    }
    U await_resume() { return inner.await_resume(); }
  };

  template <class U>
  awaiting<U> await_transform(boost::asio::awaitable<U, Executor> a) const
  {
    return awaiting<U>{asio_frame::await_transform(std::move(a))};
  }
  // Everything else as Asio transforms it. Not a using-declaration: g++ 15 no longer lets
  // the template above hide Asio's awaitable overload (their return types differ), and
  // the call is then ambiguous.
  template <class A>
    requires(!is_asio_awaitable<std::remove_cvref_t<A>>)
  decltype(auto) await_transform(A&& a)
  {
    return asio_frame::await_transform(std::forward<A>(a));
  }
};

/// The bottom frame of a coroutine thread: a coroutine returning this is what
/// launch_thread() runs.
using thread_entry =
    boost::asio::awaitable<boost::asio::detail::awaitable_thread_entry_point, boost::asio::any_io_executor>;

/// Runs `entry` on `ex` now, inline up to its first suspension (as co_spawn does from a
/// step of the executor's own thread). Its cancellation state is emplaced in `slot` (any
/// slot type asio::cancellation_state takes); a reset of that state (a caught
/// cancellation) makes the new one in `parent`. `on_start` receives the thread's identity
/// (coroutine_id) before the thread runs. An exception that escapes the entry
/// frame is rethrown from the step that resumed it.
template <class Slot, class OnStart>
void launch_thread(thread_entry entry, const boost::asio::any_io_executor& ex, Slot slot,
                   boost::asio::cancellation_slot parent, OnStart&& on_start)
{
  boost::asio::detail::awaitable_thread<boost::asio::any_io_executor> thread(std::move(entry), ex, parent,
                                                                            boost::asio::cancellation_state(slot));
  std::forward<OnStart>(on_start)(coroutine_id(thread.entry_point()));
  thread.launch();
}

/// Which coroutine thread a wait's handler resumes (its bottom frame), or null when that
/// cannot be told. Asio's use_awaitable handlers are its awaitable_thread, whose
/// entry_point() names the bottom frame; any other handler: null.
template <class Handler>
coroutine_id coroutine_thread_of(const Handler& h) noexcept
{
  if constexpr (requires(Handler& x) { x.entry_point(); })
    return const_cast<Handler&>(h).entry_point();
  else
    return nullptr;
}

} // namespace asio_fast_path
#else
inline namespace asio_documented_path {

/// What launch_thread() emplaces in a slot: co_spawn's proxy handler, which holds a signal
/// and the executor (64 bytes in Asio 1.26; room for a larger one in later versions).
inline constexpr std::size_t thread_cancellation_capacity = 128;

/// A coroutine thread's identity: the cancellation slot its handlers are associated with
/// (one per thread: its cancellation state's). Every thread launch_thread() starts has a
/// connected one; a coroutine co_spawned without a slot has none, and is then known to be
/// none of ours: its identity is true (known) but equal to no other, itself included.
/// Default: not known (false).
class coroutine_id {
public:
  coroutine_id() = default;
  explicit coroutine_id(boost::asio::cancellation_slot slot) noexcept : slot_(slot), known_(true) {}
  explicit operator bool() const noexcept { return known_; }
  friend bool operator==(const coroutine_id& a, const coroutine_id& b) noexcept
  {
    return a.known_ && b.known_ && a.slot_.is_connected() && a.slot_ == b.slot_;
  }

private:
  boost::asio::cancellation_slot slot_;
  bool known_ = false;
};

using thread_entry = boost::asio::awaitable<void, boost::asio::any_io_executor>;

/// The bottom frame of a thread that launch_thread() starts: it learns its identity
/// (which exists only once the thread runs) and hands it to `on_start` before `entry`
/// runs. One frame more per thread than the fast path.
template <class OnStart>
thread_entry identified(thread_entry entry, OnStart on_start)
{
  const boost::asio::cancellation_state state = co_await boost::asio::this_coro::cancellation_state;
  on_start(coroutine_id(state.slot()));
  co_await std::move(entry);
}

/// As the fast path's, through co_spawn: its entry dispatches on `ex`, which runs inline
/// from a step of the executor's own thread; co_spawn connects `slot` through a proxy
/// signal that a reset stays connected to, so `parent` is not needed.
template <class Slot, class OnStart>
void launch_thread(thread_entry entry, const boost::asio::any_io_executor& ex, Slot slot,
                   boost::asio::cancellation_slot /*parent*/, OnStart on_start)
{
  boost::asio::co_spawn(ex, identified(std::move(entry), std::move(on_start)),
                        boost::asio::bind_cancellation_slot(slot, boost::asio::detached));
}

template <class Handler>
coroutine_id coroutine_thread_of(const Handler& h) noexcept
{
  return coroutine_id(boost::asio::get_associated_cancellation_slot(h));
}

} // namespace asio_documented_path
#endif

// A program whose parts compiled different paths (a consumer built without the library's
// build_config.hpp, or with another ASYNCPP_ASIO_INTERNALS) would run with two layouts of
// the types that hold a coroutine_id; instead it fails to link, naming this variable,
// which the library defines for its own path only (src/task.cpp).
#if ASYNCPP_ASIO_INTERNALS
inline namespace asio_fast_path {
#else
inline namespace asio_documented_path {
#endif
ASYNCPP_DECL extern const bool library_built_with_this_asio_path;
namespace {
[[maybe_unused, gnu::used]] const bool* const requires_library_built_with_this_asio_path =
    &library_built_with_this_asio_path;
} // namespace
} // the path's inline namespace

} // namespace asyncpp::detail

#if ASYNCPP_ASIO_INTERNALS
template <class T, class Executor, class... Args>
struct std::coroutine_traits<boost::asio::awaitable<T, Executor>, asyncpp::detail::cached_frame_t, Args...> {
  using promise_type = asyncpp::detail::cached_awaitable_frame<T, Executor>;
  static_assert(sizeof(promise_type) == sizeof(boost::asio::detail::awaitable_frame<T, Executor>) &&
                alignof(promise_type) == alignof(boost::asio::detail::awaitable_frame<T, Executor>));
};
#endif

#endif
