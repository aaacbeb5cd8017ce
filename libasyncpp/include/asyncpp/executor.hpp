// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_EXECUTOR_HPP
#define ASYNCPP_EXECUTOR_HPP

#include <asyncpp/detail/executor_job.hpp>
#include <asyncpp/event_loop.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace asyncpp {


/// Runs f(args...) on the running loop's default thread pool: run_in_executor(nullptr, ...).
/// Lazy: the function is submitted when the returned awaitable is first awaited.
/// Cancellation: the awaiter throws cancelled_error at once; the function runs to its end
/// on its thread (the loop's close() waits for it).
template <class F, class... Args>
[[nodiscard]] auto to_thread(F&& f, Args&&... args)
{
  using R = detail::call_result_t<F, Args...>;
  return detail::run_in_executor_impl<R>(nullptr, nullptr,
                                         detail::bind_call(std::forward<F>(f), std::forward<Args>(args)...));
}

} // namespace asyncpp

#endif
