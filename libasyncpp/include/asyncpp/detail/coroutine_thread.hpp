// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_COROUTINE_THREAD_HPP
#define ASYNCPP_DETAIL_COROUTINE_THREAD_HPP

#include <asyncpp/detail/cached_frame.hpp>
#include <asyncpp/detail/loop_task.hpp>
#include <asyncpp/detail/wait_record.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/version.hpp>

#include <exception>
#include <type_traits>
#include <utility>

// Starting a coroutine without co_spawn, for tasks and gather's children. co_spawn wraps
// the coroutine in an entry frame of its own (528 bytes: two work guards, the handler),
// dispatches once at the start and posts once at the end (three more blocks) before its
// handler runs; per task that was most of what spawning cost over hand-written Asio
// (asyncpp-bench spawn_gather: 0.21 s -> 0.05 s for 200k children; perf, dhat). Our own
// bottom frame awaits the coroutine and records its outcome in its last step instead.
// This is the one place that uses Asio's internals for it: awaitable_thread and its entry
// point, which co_spawn itself uses the same way (boost/asio/impl/co_spawn.hpp, Asio 1.26).

#if BOOST_ASIO_VERSION < 102600
#error "asyncpp needs Asio 1.26 or later (Boost 1.81)"
#endif

namespace asyncpp::detail {

/// The bottom frame of a coroutine thread: a coroutine returning this is what
/// launch_coroutine_thread() runs.
using thread_entry =
    boost::asio::awaitable<boost::asio::detail::awaitable_thread_entry_point, boost::asio::any_io_executor>;

/// Runs `entry` on `ex` now, inline up to its first suspension (as co_spawn does from a
/// step of the executor's own thread). `state` is the coroutine's cancellation state;
/// `parent` the slot a reset of that state (a caught cancellation) installs a new one in.
/// The entry frame must handle every exception itself: one that escapes it is rethrown
/// from the step that resumed it.
/// `record` learns the thread's identity (coroutine_thread_of) before it runs. With a
/// `task`, its first part runs as a step of `task` resuming that coroutine (`borrowed`:
/// a gather child under the task's name); without, in the caller's step as it is.
inline void launch_coroutine_thread(thread_entry entry, const boost::asio::any_io_executor& ex,
                                    boost::asio::cancellation_slot parent, boost::asio::cancellation_state state,
                                    wait_record& record, loop_task* task = nullptr, bool borrowed = false)
{
  boost::asio::detail::awaitable_thread<boost::asio::any_io_executor> thread(std::move(entry), ex, parent, state);
  record.set_thread(thread.entry_point());
  if (!task) {
    thread.launch();
    return;
  }
  current_task_scope scope(task, &record, borrowed);
  thread.launch();
}

/// Which coroutine thread a wait's handler resumes (its bottom frame), or null when that
/// cannot be told: a task's executor is also the executor of whatever the task spawned
/// on it (`co_spawn(co_await this_coro::executor, ...)`), and only this tells the task's
/// own waits from theirs. Asio's use_awaitable handlers are its awaitable_thread, whose
/// entry_point() names the bottom frame (tested with Asio 1.26, Boost 1.81); for any
/// other handler, or an Asio without it, null, and the wait counts as the task's.
template <class Handler>
const void* coroutine_thread_of(const Handler& h) noexcept
{
  if constexpr (requires(Handler& x) { x.entry_point(); })
    return const_cast<Handler&>(h).entry_point();
  else
    return nullptr;
}

/// The bottom frame of a coroutine thread that runs one coroutine of result T to its end
/// (a task's, a gather child's): awaits `outcome.body()`, hands its value to
/// `outcome.set_value(...)` (no argument for void) and its end to
/// `outcome.finished(failure)`, all in the coroutine's own last step. The outcome is the
/// frame's only parameter; destroyed before finished() (the frame destroyed unfinished, as
/// when the loop closes), it reports that itself. A static member rather than a function
/// template: g++ 12 warns (-Wsubobject-linkage) about the frame of a namespace-scope
/// coroutine template instantiated with a type from an anonymous namespace.
template <class T>
struct run_to_end {
  // Never inlined: g++ 12 at -O3, inlining this coroutine's ramp into a gather's
  // start_children(), put its destroy function in that function's COMDAT group while a
  // table outside the group pointed at it, and the linker then discarded the group in one
  // object file and failed ("defined in discarded section", b2's release build).
  template <class Outcome>
  [[gnu::noinline]] static thread_entry run(cached_frame_t, Outcome outcome)
  {
    std::exception_ptr failure;
    try {
      if constexpr (std::is_void_v<T>) {
        co_await outcome.body();
        outcome.set_value();
      } else {
        outcome.set_value(co_await outcome.body());
      }
    } catch (...) {
      failure = std::current_exception();
    }
    outcome.finished(std::move(failure));
  }
};

} // namespace asyncpp::detail

#endif
