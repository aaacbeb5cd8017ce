// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_LOOP_CORE_HPP
#define ASYNCPP_DETAIL_LOOP_CORE_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/detail/intrusive_list.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace asyncpp {

class event_loop;
/// The loop running on this thread (see event_loop.hpp).
ASYNCPP_DECL event_loop& get_running_loop();

namespace detail {

class loop_core;

/// How the library's own parts reach what a loop keeps private (defined in event_loop.hpp
/// and src/): the headers above the loop's layer use it without including event_loop.hpp.
struct loop_access {
  static const std::shared_ptr<loop_core>& core(const event_loop& loop) noexcept;
  static void run_callback(event_loop& loop, const std::function<void()>& cb) noexcept;
  /// The executor of the loop's default thread pool (created on first use).
  ASYNCPP_DECL static boost::asio::io_context::executor_type default_executor(event_loop& loop);
  /// The loop's unfinished tasks, oldest first (a template: event_loop is complete only
  /// where it is called).
  template <class Loop>
  static auto unfinished_tasks(const Loop& loop)
  {
    return loop.unfinished_tasks();
  }
};

struct executor_job_tag {};

/// A run_in_executor call between its submission and its return to the loop. The loop
/// keeps it (and so the coroutine awaiting it) until it returns, so close() can destroy
/// the awaiting frames of functions that never ran, which the job and the frame would
/// otherwise keep alive for each other.
class executor_submission : public list_hook<executor_job_tag> {
public:
  /// Hands the function to its executor.
  virtual void submit() = 0;
  /// The loop closes: destroys the awaiting coroutine without resuming it.
  virtual void discard() noexcept = 0;

protected:
  executor_submission() = default;
  ~executor_submission() = default;

private:
  friend class loop_core;
  std::shared_ptr<executor_submission> registered_; // set while the loop keeps it
};

/// What every step of a loop goes through, shared (std::shared_ptr) by the loop with the
/// tasks, timers, callbacks and executor jobs that may outlive it: where the loop's work
/// runs (the io_context, or a strand of it), whether the loop is still open, and the check
/// that a plain loop's work never runs on two threads at once.
///
/// Thread safety: closed(), post_threadsafe() and close() may be called from any thread;
/// the rest belongs to the loop's own steps.
class ASYNCPP_DECL loop_core : public std::enable_shared_from_this<loop_core> {
public:
  using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

  loop_core(event_loop& loop, boost::asio::io_context& ctx, std::optional<strand_type> strand)
      : loop_(&loop), ctx_(&ctx), strand_(std::move(strand))
  {
  }
  loop_core(const loop_core&) = delete;
  loop_core& operator=(const loop_core&) = delete;

  /// The loop object, or null once it has been destroyed.
  event_loop* loop() const noexcept { return loop_; }
  void forget_loop() noexcept { loop_ = nullptr; }
  boost::asio::io_context::executor_type io_executor() const noexcept { return ctx_->get_executor(); }
  /// The strand every step of the loop runs on, or null for a plain loop.
  const strand_type* strand() const noexcept { return strand_ ? &*strand_ : nullptr; }

  /// True once the loop has closed: from then on, nothing it queued runs.
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  /// Marks the loop closed; a post_threadsafe() running now finishes first, later ones fail.
  void close() noexcept
  {
    std::lock_guard<std::mutex> guard(threadsafe_mutex_);
    closed_.store(true, std::memory_order_release);
  }

  /// True while a step of this loop runs on the calling thread (the strand's or the
  /// io_context's notion of it).
  bool running_in_this_thread() const noexcept
  {
    return strand_ ? strand_->running_in_this_thread() : ctx_->get_executor().running_in_this_thread();
  }

  /// Runs `f()` later as a step of the loop (on its strand), unless the loop has closed
  /// by then. The caller keeps this object alive until the step has run or been dropped
  /// (a task's step holds its task state, which holds the core).
  template <class F>
  void post(F&& f)
  {
    if (strand_)
      boost::asio::post(*strand_, step<std::decay_t<F>>{this, std::forward<F>(f)});
    else
      boost::asio::post(ctx_->get_executor(), step<std::decay_t<F>>{this, std::forward<F>(f)});
  }
  /// post() that also keeps the core alive itself: for the loop's own callbacks, which may
  /// sit in an adopted io_context after the loop is gone.
  template <class F>
  static void post_owned(const std::shared_ptr<loop_core>& core, F&& f)
  {
    core->post([keep = core, f = std::forward<F>(f)]() mutable { f(); });
  }
  /// post() from any thread: false (and `f` dropped) when the loop has closed. Serialised
  /// with close(), so an owned io_context is never posted to while it is being destroyed.
  template <class F>
  static bool post_threadsafe(const std::shared_ptr<loop_core>& core, F&& f)
  {
    std::lock_guard<std::mutex> guard(core->threadsafe_mutex_);
    if (core->closed())
      return false;
    post_owned(core, std::forward<F>(f));
    return true;
  }

  /// Calls `initiate(handler)` with `handler` made to complete on `core`'s strand when
  /// the loop has one (a plain loop's completions already run on its only thread; a null
  /// `core`, a coroutine that is no task's, keeps the handler as it is). For timers and
  /// signal waits whose completion runs the loop's work.
  template <class Initiate, class Handler>
  static void start_on_loop(const loop_core* core, Initiate&& initiate, Handler&& handler)
  {
    if (core && core->strand_)
      initiate(boost::asio::bind_executor(*core->strand_, std::forward<Handler>(handler)));
    else
      initiate(std::forward<Handler>(handler));
  }
  /// Runs `f()` now as a step of the loop: not at all once the loop has closed (what it
  /// queued does nothing then), else inside enter()/leave(). Every completion that runs
  /// the loop's work goes through here (posted steps, timers, signals, sleeps).
  template <class F>
  void run_as_step(F&& f);

  /// Marks the calling thread as running a step of this loop until leave(). For a plain
  /// loop, a second thread entering while the first is inside is the programming error of
  /// running one loop's io_context on several threads: it aborts with a message naming
  /// the strand constructor, instead of letting the loop's state be corrupted silently.
  /// An atomic exchange sees every overlap; the check is compiled in unless
  /// ASYNCPP_CHECK_LOOP_THREADS is 0 (the default with NDEBUG, see config.hpp).
  const void* enter() noexcept
  {
#if ASYNCPP_CHECK_LOOP_THREADS
    if (strand_)
      return nullptr;
    const void* self = this_thread_token();
    const void* previous = active_thread_.exchange(self, std::memory_order_acq_rel);
    if (previous && previous != self)
      report_concurrent_run();
    return previous;
#else
    return nullptr;
#endif
  }
  void leave([[maybe_unused]] const void* previous) noexcept
  {
#if ASYNCPP_CHECK_LOOP_THREADS
    if (!strand_)
      active_thread_.store(previous, std::memory_order_release);
#endif
  }

  /// Keeps `job` until job_returned() and hands it to its executor in the next step of
  /// the loop, together with every other job queued in this one. Submitting each one as it
  /// came let the pool drain faster than the loop fed it, so every submission woke a
  /// sleeping thread (a context switch per call; asyncpp-bench `executor`, perf).
  void submit_job(std::shared_ptr<executor_submission> job);
  /// The job's return step runs: the loop lets go of it.
  void job_returned(executor_submission& job) noexcept;
  /// A worker is about to call a submitted function: false once the loop has started
  /// closing (the function is then skipped, and nobody awaits it any more).
  bool try_start_job() noexcept
  {
    running_jobs_.fetch_add(1, std::memory_order_seq_cst);
    if (accepting_jobs_.load(std::memory_order_seq_cst))
      return true;
    finish_job();
    return false;
  }
  /// The worker's last touch of the loop: after it, close() may go on.
  void finish_job() noexcept { running_jobs_.fetch_sub(1, std::memory_order_release); }
  /// For close(): no submitted function starts from now on; waits until those running
  /// have returned, then destroys the coroutines still awaiting jobs.
  void stop_jobs() noexcept;

private:
  /// A posted step: dropped when the loop has closed, else run inside enter()/leave().
  template <class F>
  struct step {
    loop_core* core;
    F f;
    void operator()();
  };

  static const void* this_thread_token() noexcept
  {
    static thread_local const char token = 0;
    return &token;
  }
  [[noreturn]] static void report_concurrent_run() noexcept;

  event_loop* loop_;
  boost::asio::io_context* ctx_;
  std::optional<strand_type> strand_;
  std::atomic<bool> closed_{false};
  std::mutex threadsafe_mutex_;
  std::atomic<const void*> active_thread_{nullptr};
  // run_in_executor bookkeeping: the lists are the loop's own, the counters cross threads.
  intrusive_list<executor_submission, executor_job_tag> outstanding_jobs_;
  std::vector<executor_submission*> job_batch_;
  bool job_flush_posted_ = false;
  std::atomic<std::size_t> running_jobs_{0};
  std::atomic<bool> accepting_jobs_{true};
};

/// enter()/leave() for the duration of a scope.
class loop_step_scope {
public:
  explicit loop_step_scope(loop_core& core) noexcept : core_(core), previous_(core.enter()) {}
  loop_step_scope(const loop_step_scope&) = delete;
  loop_step_scope& operator=(const loop_step_scope&) = delete;
  ~loop_step_scope() { core_.leave(previous_); }

private:
  loop_core& core_;
  const void* previous_;
};

template <class F>
void loop_core::run_as_step(F&& f)
{
  if (closed())
    return;
  loop_step_scope scope(*this);
  std::forward<F>(f)();
}

template <class F>
void loop_core::step<F>::operator()()
{
  core->run_as_step(f);
}

} // namespace detail
} // namespace asyncpp

#endif
