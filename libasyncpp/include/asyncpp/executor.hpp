// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_EXECUTOR_HPP
#define ASYNCPP_EXECUTOR_HPP

#include <asyncpp/detail/resumer.hpp>
#include <asyncpp/detail/task_state.hpp>
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

namespace detail {

/// What one run_in_executor call shares between the worker thread and the loop. The worker
/// writes value/error, then posts to the loop; everything else is touched on the loop only.
template <class R>
struct executor_job {
  explicit executor_job(boost::asio::io_context::executor_type l) : loop(l) {}
  boost::asio::io_context::executor_type loop;
  std::optional<value_or_monostate<R>> value;
  std::exception_ptr error;
  resumer waiter; // empty once the awaiter was resumed (or left by cancellation)
};

/// The step posted back to the loop when the function returned. If the loop's context is
/// destroyed before it runs, the suspended awaiter is destroyed with it (no cycle).
template <class R>
struct executor_job_return {
  std::shared_ptr<executor_job<R>> job;
  executor_job_return(std::shared_ptr<executor_job<R>> j) : job(std::move(j)) {}
  executor_job_return(executor_job_return&&) noexcept = default;
  executor_job_return& operator=(executor_job_return&&) = delete;
  ~executor_job_return()
  {
    if (job)
      job->waiter.reset();
  }
  void operator()()
  {
    auto j = std::move(job);
    if (j->waiter)
      j->waiter.resume_here(j->loop);
  }
};

template <class R>
struct job_cancel {
  executor_job<R>* job;
  void operator()(boost::asio::cancellation_type_t) const
  {
    // Prompt: the awaiter leaves now; the function runs on to its end on its thread.
    if (job->waiter)
      job->waiter.resume(false, true, false, job->loop);
  }
};

template <class R>
struct initiate_job {
  template <class Handler, class Executor, class Fn>
  void operator()(Handler&& handler, std::shared_ptr<executor_job<R>> job, Executor ex, event_loop* loop, Fn fn) const
  {
    job->waiter = resumer(std::forward<Handler>(handler));
    if (job->waiter.slot().is_connected())
      job->waiter.slot().template emplace<job_cancel<R>>(job_cancel<R>{job.get()});
    auto jobs = loop->executor_jobs();
    jobs->started();
    boost::asio::post(ex, [job, fn = std::move(fn), back = loop->get_executor(), jobs = std::move(jobs)]() mutable {
      try {
        if constexpr (std::is_void_v<R>)
          fn();
        else
          job->value.emplace(fn());
      } catch (...) {
        job->error = std::current_exception();
      }
      boost::asio::post(back, executor_job_return<R>(std::move(job)));
      jobs->finished();
    });
  }
};

/// Which executor a run_in_executor call targets, resolved when the call starts.
template <class Executor>
auto resolve_executor(Executor& ex, event_loop& loop)
{
  if constexpr (std::is_same_v<Executor, std::nullptr_t>)
    return loop.default_executor().get_executor();
  else if constexpr (std::is_same_v<Executor, boost::asio::thread_pool*>)
    return ex->get_executor();
  else
    return ex;
}

/// The lazy body shared by run_in_executor and to_thread (`loop` null: the running loop).
template <class R, class Executor, class Fn>
awaitable<R> run_in_executor_impl(event_loop* loop, Executor ex, Fn fn)
{
  namespace asio = boost::asio;
  if (!loop)
    loop = &get_running_loop();
  auto target = resolve_executor(ex, *loop);
  auto job = std::make_shared<executor_job<R>>(loop->get_executor());
  auto op = asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      initiate_job<R>{}, asio::use_awaitable, job, std::move(target), loop, std::move(fn));
  co_await std::move(op); // cancelled_error if the awaiter was cancelled
  if (job->error)
    std::rethrow_exception(job->error);
  if constexpr (!std::is_void_v<R>)
    co_return std::move(*job->value);
}

/// The executor argument kept by value: a thread_pool& becomes a pointer to it.
template <class Executor>
auto keep_executor(Executor&& ex)
{
  if constexpr (std::is_same_v<std::decay_t<Executor>, boost::asio::thread_pool>)
    return &ex;
  else
    return std::decay_t<Executor>(std::forward<Executor>(ex));
}

/// f(args...) bound by value, as std::thread binds its arguments.
template <class F, class... Args>
auto bind_call(F&& f, Args&&... args)
{
  // Returns by value (a reference result is copied), as Python hands back a value.
  return [f = std::forward<F>(f), ... args = std::forward<Args>(args)]() mutable { return std::invoke(f, args...); };
}

template <class F, class... Args>
using call_result_t = std::remove_cvref_t<std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>>;

} // namespace detail

template <class Executor, class F, class... Args>
auto event_loop::run_in_executor(Executor&& ex, F&& f, Args&&... args)
{
  using R = detail::call_result_t<F, Args...>;
  return detail::run_in_executor_impl<R>(this, detail::keep_executor(std::forward<Executor>(ex)),
                                         detail::bind_call(std::forward<F>(f), std::forward<Args>(args)...));
}

/// Runs f(args...) on the running loop's default thread pool: run_in_executor(nullptr, ...).
/// Lazy: the function is submitted when the returned awaitable is first awaited.
template <class F, class... Args>
[[nodiscard]] auto to_thread(F&& f, Args&&... args)
{
  using R = detail::call_result_t<F, Args...>;
  return detail::run_in_executor_impl<R>(nullptr, nullptr,
                                         detail::bind_call(std::forward<F>(f), std::forward<Args>(args)...));
}

} // namespace asyncpp

#endif
