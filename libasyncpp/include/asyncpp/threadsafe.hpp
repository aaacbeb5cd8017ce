// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_THREADSAFE_HPP
#define ASYNCPP_THREADSAFE_HPP

#include <asyncpp/event_loop.hpp>
#include <asyncpp/task.hpp>

#include <future>
#include <memory>
#include <type_traits>

namespace asyncpp {

namespace detail {
template <class T>
awaitable<void> fulfil(awaitable<T> coro, std::shared_ptr<std::promise<T>> promise)
{
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(coro);
      promise->set_value();
    } else {
      promise->set_value(co_await std::move(coro));
    }
  } catch (...) {
    promise->set_exception(std::current_exception()); // cancelled_error included
  }
}
} // namespace detail

/// asyncio.run_coroutine_threadsafe: schedules `coro` as a task on `loop` from any thread;
/// the future gets its value or exception (a loop that closes first breaks the promise).
/// Thread safety: any thread, any moment; std::runtime_error once the loop is closed.
/// Cancellation: a cancelled task sets cancelled_error on the future.
template <class T>
std::future<T> run_coroutine_threadsafe(awaitable<T> coro, event_loop& loop)
{
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  // std::function needs a copyable callable; the coroutine is move-only.
  auto body = std::make_shared<awaitable<T>>(std::move(coro));
  loop.call_soon_threadsafe([&loop, promise, body] { loop.create_task(detail::fulfil(std::move(*body), promise)); });
  return future;
}

} // namespace asyncpp

#endif
