// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_EXECUTOR_JOB_HPP
#define ASYNCPP_DETAIL_EXECUTOR_JOB_HPP

#include <asyncpp/detail/loop_core.hpp>
#include <asyncpp/detail/resumer.hpp>
#include <asyncpp/detail/task_state.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

// The machinery of run_in_executor: one job per call, shared by the awaiting coroutine and
// the thread that runs the function, and the loop's bookkeeping of it (see loop_core).

namespace asyncpp {
namespace detail {

/// The awaiter's side of one run_in_executor call, shared with the worker thread. The
/// worker writes value/error, then hands the job to the loop's inbox; the rest is loop-only.
template <class R>
struct executor_result {
  explicit executor_result(std::shared_ptr<loop_core> c) : core(std::move(c)) {}
  std::shared_ptr<loop_core> core; // kept: the function may return after the loop is gone
  std::optional<value_or_monostate<R>> value;
  std::exception_ptr error;
  resumer waiter; // empty once the awaiter was resumed (or left by cancellation)
};

/// One run_in_executor call: the function, where it runs, and its result.
template <class R, class Executor, class Fn>
class executor_job final : public executor_submission, public executor_result<R> {
public:
  executor_job(event_loop& loop, Executor target, Fn fn)
      : executor_result<R>(loop_access::core(loop)), target_(std::move(target)), fn_(std::move(fn))
  {
  }

  void submit() override
  {
    // Called by the loop, which keeps the job while it is submitted.
    boost::asio::post(target_, [self = std::static_pointer_cast<executor_job>(registration())]() mutable {
      call(std::move(self));
    });
  }
  void discard() noexcept override { this->waiter.reset(); }
  /// The return, in a step of the loop: the loop lets go of the job, the awaiter resumes.
  void run() override
  {
    const auto keep = this->core->job_returned(*this);
    if (this->waiter)
      this->waiter.resume_here();
  }

private:
  static void call(std::shared_ptr<executor_job> self)
  {
    // Kept here: the loop may close as soon as the job is handed back.
    const std::shared_ptr<loop_core> core = self->core;
    if (!core->try_start_job())
      return; // the loop is closing: nobody awaits the result any more
    try {
      if constexpr (std::is_void_v<R>)
        self->fn_();
      else
        self->value.emplace(self->fn_());
    } catch (...) {
      self->error = std::current_exception();
    }
    // The loop keeps the job until its return runs (or until close() drops it): the
    // worker lets go first, so that the job dies on the loop's thread.
    executor_job& job = *self;
    self.reset();
    core->schedule_from_worker(job);
    core->finish_job(); // the last touch of the loop: close() may go on after it
  }

  Executor target_;
  Fn fn_;
};

template <class Job>
struct job_cancel {
  Job* job;
  void operator()(boost::asio::cancellation_type_t) const
  {
    // Prompt: the awaiter leaves now; the function runs on to its end on its thread.
    if (job->waiter)
      job->waiter.resume(resumer::slot_action::keep, wait_end::cancelled);
  }
};

struct initiate_job {
  // Arguments by reference: they live in the awaiting coroutine's frame (see run_in_executor_impl).
  template <class Handler, class Job>
  void operator()(Handler&& handler, std::reference_wrapper<const std::shared_ptr<Job>> job_ref, event_loop* loop,
                  const wait_frame& frame) const
  {
    const std::shared_ptr<Job>& job = job_ref.get();
    job->waiter.begin(std::forward<Handler>(handler), frame);
    if (job->waiter.slot().is_connected())
      job->waiter.slot().template emplace<job_cancel<Job>>(job_cancel<Job>{job.get()});
    loop_access::core(*loop)->submit_job(job);
  }
};

/// Which executor a run_in_executor call targets, resolved when the call starts.
template <class Executor>
auto resolve_executor(Executor& ex, event_loop& loop)
{
  if constexpr (std::is_same_v<Executor, std::nullptr_t>)
    return loop_access::default_executor(loop);
  else if constexpr (std::is_same_v<Executor, boost::asio::thread_pool*>)
    return ex->get_executor();
  else
    return ex;
}

/// The lazy body shared by run_in_executor and to_thread (`loop` null: the running loop).
template <class R, class Executor, class Fn>
awaitable<R> run_in_executor_impl(event_loop* loop, Executor ex, Fn fn, wait_frame frame)
{
  namespace asio = boost::asio;
  if (!loop)
    loop = &get_running_loop();
  using job_type = executor_job<R, decltype(resolve_executor(ex, *loop)), Fn>;
  auto job = std::make_shared<job_type>(*loop, resolve_executor(ex, *loop), std::move(fn));
  // deferred, awaited here: no coroutine frame of its own, as use_awaitable would make,
  // and its arguments by reference to this frame's (1000 jobs in flight: 32 KiB less).
  auto op = asio::async_initiate<const asio::deferred_t&, void(std::exception_ptr)>(
      initiate_job{}, asio::deferred, std::cref(job), loop, std::cref(frame));
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
} // namespace asyncpp

#endif
