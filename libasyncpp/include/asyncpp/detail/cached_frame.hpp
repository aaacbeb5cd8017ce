// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_CACHED_FRAME_HPP
#define ASYNCPP_DETAIL_CACHED_FRAME_HPP

#include <asyncpp/detail/block_cache.hpp>

#include <boost/asio/awaitable.hpp>

#include <coroutine>
#include <cstddef>

// Asio allocates every awaitable frame from its recycling allocator, which keeps two
// frames a thread: asyncpp's coroutines that run once per task, gather child or
// run_in_executor call take theirs from the block cache instead, through a promise type
// of their own chosen by a tag parameter (std::coroutine_traits is specialised for it).

namespace asyncpp::detail {

/// A coroutine whose first parameter is this tag has its frame from the block cache
/// (see the coroutine_traits below): asyncpp's own coroutines that run once per task,
/// gather child or run_in_executor call.
struct cached_frame_t {
  explicit cached_frame_t() = default;
};
inline constexpr cached_frame_t cached_frame{};

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
      inner.await_suspend(boost::asio::detail::coroutine_handle<asio_frame>::from_address(h.address()));
    }
    U await_resume() { return inner.await_resume(); }
  };

  using asio_frame::await_transform;
  template <class U>
  awaiting<U> await_transform(boost::asio::awaitable<U, Executor> a) const
  {
    return awaiting<U>{asio_frame::await_transform(std::move(a))};
  }
};

} // namespace asyncpp::detail

template <class T, class Executor, class... Args>
struct std::coroutine_traits<boost::asio::awaitable<T, Executor>, asyncpp::detail::cached_frame_t, Args...> {
  using promise_type = asyncpp::detail::cached_awaitable_frame<T, Executor>;
  static_assert(sizeof(promise_type) == sizeof(boost::asio::detail::awaitable_frame<T, Executor>) &&
                alignof(promise_type) == alignof(boost::asio::detail::awaitable_frame<T, Executor>));
};

#endif
