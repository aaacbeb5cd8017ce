// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_EXECUTOR_JOB_HPP
#define ASYNCPP_DETAIL_EXECUTOR_JOB_HPP

#include <asyncpp/detail/asio_internals.hpp>
#include <asyncpp/detail/loop_core.hpp>
#include <asyncpp/detail/resumption.hpp>
#include <asyncpp/detail/task_state.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

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

/// The functions of a run of jobs with the same executor, handed to it as one queue: a
/// step posted to the executor takes the next function, and the one after it, until none
/// is left. A step that starts while functions still wait posts one more step first, so
/// that the executor's free threads take the queue up one by one (as many as it has,
/// while one more step always waits): as parallel as one post per function, with about
/// as many posts (and threads woken) per run as the executor has threads. A post per
/// function woke a sleeping thread for each, whose context switch cost more than the
/// call (asyncpp-bench executor: 21 k context switches per 100 k calls, pinned; perf).
template <class Executor>
class job_drain {
public:
  job_drain(const Executor& target, std::span<executor_submission* const> run) : target_(target), count_(run.size())
  {
    jobs_.reserve(run.size());
    for (executor_submission* job : run)
      jobs_.push_back(job->registration()); // the loop keeps each job while it is submitted
  }

  static void start(std::shared_ptr<job_drain> drain)
  {
    const Executor target = drain->target_;
    boost::asio::post(target, step{std::move(drain)});
  }

private:
  struct step {
    std::shared_ptr<job_drain> drain;
    void operator()()
    {
      job_drain& d = *drain;
      if (d.next_.load(std::memory_order_relaxed) < d.count_) {
        try {
          start(drain);
        } catch (...) {
          // No step to take the rest up in parallel: this one still calls them all.
        }
      }
      for (std::size_t i; (i = d.next_.fetch_add(1, std::memory_order_relaxed)) < d.count_;) {
        std::shared_ptr<executor_submission> job = std::move(d.jobs_[i]);
        // The last job taken frees the queue's memory at once: the drain itself lives on
        // until its last waiting step has run (RSS: up to 7 batches' queues at once).
        if (d.taken_.fetch_add(1, std::memory_order_acq_rel) + 1 == d.count_)
          decltype(d.jobs_)().swap(d.jobs_);
        executor_submission& callee = *job;
        callee.call(std::move(job));
      }
    }
  };

  Executor target_;
  // Not from the block cache, as the drain and its queue are freed on the executor's
  // threads: a worker's cache would keep them, as nobody allocates there.
  std::vector<std::shared_ptr<executor_submission>> jobs_;
  const std::size_t count_;
  std::atomic<std::size_t> next_{0};  // the next job to call; each index is taken once
  std::atomic<std::size_t> taken_{0}; // jobs moved out of jobs_
};

/// A job's executor, and submission of runs of jobs to it.
template <class Executor>
class targeted_submission : public executor_submission {
public:
  bool same_target(const executor_submission& other) const noexcept override
  {
    return other.target_kind() == &kind && static_cast<const targeted_submission&>(other).target_ == target_;
  }
  const void* target_kind() const noexcept override { return &kind; }
  void submit_run(std::span<executor_submission* const> run) override
  {
    job_drain<Executor>::start(std::make_shared<job_drain<Executor>>(target_, run));
  }

protected:
  explicit targeted_submission(Executor target) : target_(std::move(target)) {}
  ~targeted_submission() = default;

private:
  static constexpr char kind = 0; // one address per executor type
  Executor target_;
};

/// One run_in_executor call: the function, where it runs, and its result.
template <class R, class Executor, class Fn>
class executor_job final : public targeted_submission<Executor>, public executor_result<R> {
public:
  executor_job(event_loop& loop, Executor target, Fn fn)
      : targeted_submission<Executor>(std::move(target)), executor_result<R>(loop_access::core(loop)),
        fn_(std::move(fn))
  {
  }

  void discard() noexcept override { this->waiter.reset(); }
  /// The return, in a step of the loop: the loop lets go of the job, the awaiter resumes.
  void run() override
  {
    const auto keep = this->core->job_returned(*this);
    if (this->waiter)
      this->waiter.resume_here();
  }

  void call(std::shared_ptr<executor_submission> self) noexcept override
  {
    // Kept here: the loop may close as soon as the job is handed back.
    const std::shared_ptr<loop_core> core = this->core;
    if (!core->try_start_job())
      return; // the loop is closing: nobody awaits the result any more
    try {
      if constexpr (std::is_void_v<R>)
        fn_();
      else
        this->value.emplace(fn_());
    } catch (...) {
      this->error = std::current_exception();
    }
    // The loop keeps the job until its return runs (or until close() drops it): the
    // worker lets go first, so that the job dies on the loop's thread.
    self.reset();
    core->schedule_from_worker(*this);
    core->finish_job(); // the last touch of the loop: close() may go on after it
  }

private:
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

/// The lazy body shared by run_in_executor and to_thread (`loop` null: the loop of the
/// awaiting coroutine, loop_of_coroutine()).
template <class R, class Executor, class Fn>
awaitable<R> run_in_executor_impl(cached_frame_t, event_loop* loop, Executor ex, Fn fn, wait_frame frame)
{
  namespace asio = boost::asio;
  if (!loop)
    loop = &loop_of_coroutine(co_await asio::this_coro::executor);
  using job_type = executor_job<R, decltype(resolve_executor(ex, *loop)), Fn>;
  auto job = std::allocate_shared<job_type>(cached_allocator<job_type>(), *loop, resolve_executor(ex, *loop), std::move(fn));
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
