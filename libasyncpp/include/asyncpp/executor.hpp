// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_EXECUTOR_HPP
#define ASYNCPP_EXECUTOR_HPP

#include <asyncpp/detail/executor_job.hpp>
#include <asyncpp/event_loop.hpp>

#include <source_location>
#include <utility>

namespace asyncpp {

/// Runs f(args...) on the running loop's default thread pool: run_in_executor(nullptr, ...).
/// Lazy: the function is submitted when the returned awaitable is first awaited.
/// Cancellation: the awaiter throws cancelled_error at once; the function runs to its end
/// on its thread (the loop's close() waits for it).
///
/// A class only so that it can record where it was called (a defaulted
/// std::source_location cannot follow a parameter pack in a function): it *is* the
/// awaitable<R> that to_thread returns, which it derives from.
template <class F, class... Args>
class [[nodiscard]] to_thread : public awaitable<detail::call_result_t<F, Args...>> {
  using result_type = detail::call_result_t<F, Args...>;

public:
  to_thread(F&& f, Args&&... args, std::source_location where = std::source_location::current())
      : awaitable<result_type>(detail::run_in_executor_impl<result_type>(
            detail::cached_frame, nullptr, nullptr, detail::bind_call(std::forward<F>(f), std::forward<Args>(args)...),
            detail::wait_frame::named("to_thread()", where)))
  {
  }
};
template <class F, class... Args>
to_thread(F&&, Args&&...) -> to_thread<F, Args...>;

} // namespace asyncpp

#endif
