// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_LOOP_CORE_HPP
#define ASYNCPP_DETAIL_LOOP_CORE_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/detail/block_cache.hpp>
#include <asyncpp/detail/introspect.hpp>
#include <asyncpp/detail/intrusive_list.hpp>
#include <asyncpp/detail/task_anchor.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
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

struct ready_tag {};

/// Which task a step runs, and the record of the wait it resumes from (null: a first
/// step, or not a task's): what debug mode's slow-step report names.
struct step_origin {
  const loop_task* task = nullptr;
  const wait_record* waits = nullptr;
};

/// Work waiting in a loop's ready queue for a later step: a woken coroutine, a callback, a
/// task's start. Linked, never allocated by the queue: whatever is queued was allocated
/// when it came to exist (the wait, the call_soon), so waking a coroutine or finishing a
/// task, which must not fail, only links.
class ready_item : public list_hook<ready_tag> {
public:
  /// Runs the work, once, in a step of the loop; the item disposes of itself.
  virtual void run() = 0;
  /// The loop closed first: disposes of the item (and what it would have resumed) unrun.
  virtual void drop() noexcept = 0;
  /// The task this item resumes, if any (asked in debug mode only).
  virtual step_origin origin() const noexcept { return {}; }

protected:
  ready_item() = default;
  ~ready_item() = default;
};

/// A run_in_executor call between its submission and its return to the loop. The loop
/// keeps it (and so the coroutine awaiting it) until it returns, so close() can destroy
/// the awaiting frames of functions that never ran, which the job and the frame would
/// otherwise keep alive for each other. It is also its own return: the worker hands it to
/// the loop's inbox (a ready_item), where one post brings a whole batch of returns in,
/// instead of a post (and a block) per call (asyncpp-bench `executor`).
class executor_submission : public list_hook<executor_job_tag>, public ready_item {
public:
  /// Hands the functions of `run` to their executor: this job's and those of the jobs
  /// after it, which all have the same one (same_target()).
  virtual void submit_run(std::span<executor_submission* const> run) = 0;
  /// Whether `other`'s function goes to an executor equal to this one's.
  virtual bool same_target(const executor_submission& other) const noexcept = 0;
  /// Identifies the type of the executor: same_target() compares executors of one type.
  virtual const void* target_kind() const noexcept = 0;
  /// On the executor: calls the function and hands the job back to its loop. `self` is
  /// a reference to this job, which the call lets go of before the job reaches the loop.
  virtual void call(std::shared_ptr<executor_submission> self) noexcept = 0;
  /// The loop closes: destroys the awaiting coroutine without resuming it.
  virtual void discard() noexcept = 0;
  /// The loop closed before the return ran: the coroutine goes, stop_jobs() lets go of the job.
  void drop() noexcept override { discard(); }
  /// The loop's reference, while it keeps the job.
  const std::shared_ptr<executor_submission>& registration() const noexcept { return registered_; }

protected:
  executor_submission() = default;
  ~executor_submission() = default;

private:
  friend class loop_core;
  std::shared_ptr<executor_submission> registered_; // set while the loop keeps it
};

/// A wait in its loop's timer heap (a sleep): queued in the ready queue once its deadline
/// has come. One io_context timer serves the whole heap, as Python's `_scheduled` heap is
/// served by one selector timeout: a sleep costs a heap insertion instead of an Asio timer
/// of its own (its construction, a service lookup, a queue of its own).
class timer_entry : public ready_item {
public:
  using clock = std::chrono::steady_clock;

protected:
  timer_entry() = default;
  ~timer_entry() = default;

private:
  friend class loop_core;
  static constexpr std::size_t not_queued = static_cast<std::size_t>(-1);
  std::size_t heap_index_ = not_queued; // its slot in the heap (the slot holds its deadline)
};

struct resource_tag {};

/// Something that holds I/O objects of a loop's io_context (a connection's socket, a
/// server's acceptors): the loop closes it before the io_context it owns is destroyed, so
/// a handle that outlives the loop never touches a destroyed context.
class loop_resource : public list_hook<resource_tag> {
public:
  /// Closes and destroys the I/O objects now (the loop's thread, inside close()).
  virtual void release_io() noexcept = 0;

protected:
  loop_resource() = default;
  ~loop_resource() { unlink(); }
};

/// Class-specific new/delete from the thread's block cache: an item allocated per step
/// costs less than the post it replaces.
struct recycled_allocation {
  static void* operator new(std::size_t size) { return block_cache::allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { block_cache::deallocate(p, size); }
};

/// A function queued as a step of a loop.
template <class F>
class posted_step final : public ready_item, public recycled_allocation {
public:
  explicit posted_step(F f) : f_(std::move(f)) {}
  void run() override { run_(this); }
  void drop() noexcept override { delete this; }
  step_origin origin() const noexcept override
  {
    if constexpr (requires(const F& f) { f.origin(); })
      return f_.origin();
    else
      return {};
  }

private:
  static void run_and_delete(ready_item* item)
  {
    std::unique_ptr<posted_step> self(static_cast<posted_step*>(item));
    self->f_();
  }
  // Through a pointer taken here, so `f` is instantiated from the caller's context and not
  // from the vtable's: otherwise g++ 12 warns (-Wsubobject-linkage, on by default) about
  // the frame of a task whose result type is in the user's anonymous namespace.
  void (*run_)(ready_item*) = &run_and_delete;
  F f_;
};

/// What every step of a loop goes through, shared (std::shared_ptr) by the loop with the
/// tasks, timers, callbacks and executor jobs that may outlive it: where the loop's work
/// runs (the io_context, or a strand of it), whether the loop is still open, the check
/// that a plain loop's work never runs on two threads at once, and the ready queue.
///
/// The ready queue is Python's `_ready`: what the loop itself schedules (callbacks, task
/// starts, resumptions of asyncpp waits) is linked into it and run in FIFO order by one
/// io_context handler per batch, posted at the end of the step that queued work. Steps
/// that Asio schedules (completions of timers, sockets, co_spawn) stay io_context handlers
/// and interleave with the batches, as I/O callbacks do with Python's ready callbacks.
///
/// Thread safety: closed(), queue_threadsafe() and close() may be called from any thread;
/// the rest belongs to the loop's own steps.
class ASYNCPP_DECL loop_core : public std::enable_shared_from_this<loop_core> {
public:
  using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

  loop_core(event_loop& loop, boost::asio::io_context& ctx, std::optional<strand_type> strand);
  /// A loop's core, kept as long as `ctx` lives (an Asio service of the context holds
  /// it): executors of the loop's tasks, copied anywhere, name its anchors, and Asio may
  /// use them (a timer firing, a handler destroyed by the context's shutdown) until the
  /// context is gone. A loop that adopts a context the application keeps leaves its core
  /// (without its queues and timers, emptied by close()) until then.
  static std::shared_ptr<loop_core> create(event_loop& loop, boost::asio::io_context& ctx,
                                           std::optional<strand_type> strand);
  loop_core(const loop_core&) = delete;
  loop_core& operator=(const loop_core&) = delete;
  ~loop_core();

  /// The loop object, or null once it has been destroyed.
  event_loop* loop() const noexcept { return loop_; }

  /// Debug mode (event_loop::set_debug): steps are timed and slow ones reported. Off, it
  /// costs one well-predicted branch per step and no clock read.
  bool debug() const noexcept { return debug_; }
  void set_debug(bool on) noexcept { debug_ = on; }
  std::chrono::steady_clock::duration slow_step_duration() const noexcept { return slow_step_; }
  void set_slow_step_duration(std::chrono::steady_clock::duration d) noexcept { slow_step_ = d; }
  /// Runs `f`, a step of `origin`, timed: one slower than slow_step_duration() goes to the
  /// loop's exception handler, naming the task and where it resumed.
  template <class F>
  void run_timed(const step_origin& origin, F&& f)
  {
    const wait_frame* current = origin.waits ? origin.waits->current() : nullptr;
    const wait_frame resumed_from = current ? *current : wait_frame{}; // the step clears the record
    const auto start = std::chrono::steady_clock::now();
    std::forward<F>(f)();
    const auto took = std::chrono::steady_clock::now() - start;
    if (took > slow_step_)
      report_slow_step(origin.task, resumed_from, took);
  }
  void forget_loop() noexcept { loop_ = nullptr; }
  boost::asio::io_context::executor_type io_executor() const noexcept { return ctx_->get_executor(); }
  /// The strand every step of the loop runs on, or null for a plain loop.
  const strand_type* strand() const noexcept { return strand_ ? &*strand_ : nullptr; }

  /// True once the loop has closed: from then on, nothing it queued runs.
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  /// Marks the loop closed; a queue_threadsafe() running now finishes first, later ones fail.
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

  /// Queues `item` to run in a later step of the loop; never fails. From a thread that is
  /// not running the loop's work (another loop's, a thread pool's, before run()), the item
  /// is handed over through a post, which allocates: if that fails, the item is dropped
  /// with a line on stderr. A closed loop drops the item at once.
  void schedule(ready_item& item) noexcept;
  /// Drops everything queued (close()).
  void drop_ready() noexcept;
  /// Puts `entry` in the timer heap: schedule()d when `deadline` has come. Throws (and
  /// leaves nothing changed) when out of memory.
  void add_timer(timer_entry& entry, timer_entry::clock::time_point deadline);
  /// Takes `entry` out of the heap: false when it is not there (already due, or dropped).
  bool remove_timer(timer_entry& entry) noexcept;
  /// Drops every entry of the heap, and the io_context timer (close()).
  void drop_timers() noexcept;

  /// The slots that task executors name (task_anchor.hpp).
  anchor_table& anchors() noexcept { return anchors_; }

  /// Keeps `r` until it goes or the loop closes (see loop_resource).
  void add_resource(loop_resource& r) noexcept { resources_.push_back(r); }
  /// close(): every resource releases its I/O objects.
  void release_resources() noexcept
  {
    while (loop_resource* r = resources_.pop_front())
      r->release_io();
  }

  /// Runs `f()` later as a step of the loop, unless the loop has closed by then.
  template <class F>
  void post(F&& f)
  {
    schedule(*new posted_step<std::decay_t<F>>(std::forward<F>(f)));
  }
  /// Queues `item` from any thread, at any moment, through the loop's inbox: false (the
  /// item untouched) when the loop has closed. Serialised with close(), so an owned
  /// io_context is never posted to while it is being destroyed. Throws, the item
  /// untouched, when the post that brings the inbox in could not be made.
  bool queue_threadsafe(ready_item& item);
  /// Queues `item` from a thread that is not the loop's, like schedule(), except that a
  /// closed loop leaves the item to its owner (false) instead of dropping it here: for a
  /// run_in_executor job returning, whose awaiter the loop thread destroys (stop_jobs()).
  bool schedule_from_worker(ready_item& item) noexcept;

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
  /// ASYNCPP_CHECK_LOOP_THREADS is defined to 0 (see config.hpp).
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
  /// The job's return step runs: the loop lets go of it (handed to the caller).
  std::shared_ptr<executor_submission> job_returned(executor_submission& job) noexcept;
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
  /// The io_context handler that takes in what other threads handed over and runs it
  /// (nothing once the loop has closed: close() dropped the inbox).
  struct inbox_arrival {
    std::shared_ptr<loop_core> core;
    void operator()() const;
  };
  /// The io_context handler that runs one batch of the ready queue.
  struct drain_ready {
    std::shared_ptr<loop_core> core;
    void operator()() const { core->run_ready(); }
  };

  template <class F>
  void post_to_context(F&& f)
  {
    if (strand_)
      boost::asio::post(*strand_, std::forward<F>(f));
    else
      boost::asio::post(ctx_->get_executor(), std::forward<F>(f));
  }
  struct timer_wakeup;
  /// The io_context timer's completion: a step that queues the entries that are due.
  struct timers_due {
    std::shared_ptr<loop_core> core;
    std::uint64_t generation;
    void operator()(const boost::system::error_code& ec) const;
  };
  /// Arms the io_context timer for the heap's earliest deadline, unless it is already
  /// armed for that deadline or an earlier one.
  void arm_timer();
  void on_timers_due(std::uint64_t generation, bool aborted);
  /// A heap slot carries the entry's key, so that ordering the heap reads one contiguous
  /// array instead of every entry it compares: with 100k sleeps, the pointer chasing was
  /// 20% of the timers workload (perf, asyncpp-bench).
  struct timer_slot {
    timer_entry::clock::time_point deadline;
    std::uint64_t sequence; // equal deadlines come due in the order they were added
    timer_entry* entry;
    bool before(const timer_slot& o) const noexcept
    {
      return deadline < o.deadline || (deadline == o.deadline && sequence < o.sequence);
    }
  };
  void place_timer(std::size_t index, const timer_slot& slot) noexcept;
  void sift_timer_up(std::size_t index) noexcept;
  void sift_timer_down(std::size_t index) noexcept;
  /// Posts the handler that drains the ready queue, unless one is on its way.
  void post_drain();
  /// Runs what was queued when the batch began (later items wait for the next batch, so
  /// the io_context's other handlers are never starved).
  void run_ready();
  void run_ready_batch();
  /// Moves what other threads handed over into the ready queue (the loop's thread).
  void take_inbox() noexcept;

  static const void* this_thread_token() noexcept
  {
    static thread_local const char token = 0;
    return &token;
  }
  [[noreturn]] static void report_concurrent_run() noexcept;
  void report_slow_step(const loop_task* task, const wait_frame& resumed_from,
                        std::chrono::steady_clock::duration took) noexcept;

  event_loop* loop_;
  bool debug_ = false;
  std::chrono::steady_clock::duration slow_step_ = std::chrono::milliseconds(100);
  boost::asio::io_context* ctx_;
  std::optional<strand_type> strand_;
  std::atomic<bool> closed_{false};
  std::mutex threadsafe_mutex_;
  // Items other threads queued (returning jobs, wake-ups of coroutines of this loop): one
  // post per batch instead of one per item, taken into ready_ by inbox_arrival. Guarded
  // by threadsafe_mutex_.
  intrusive_list<ready_item, ready_tag> inbox_;
  bool inbox_posted_ = false;
  std::atomic<const void*> active_thread_{nullptr};
  intrusive_list<ready_item, ready_tag> ready_;
  intrusive_list<loop_resource, resource_tag> resources_;
  std::vector<timer_slot> timer_heap_; // a binary heap on (deadline, sequence)
  std::uint64_t timer_sequence_ = 0;
  std::unique_ptr<timer_wakeup> wakeup_; // made on the first sleep
  bool drain_posted_ = false;
  int step_depth_ = 0; // nested steps (a dispatch runs inline) on the thread in a step
  // run_in_executor bookkeeping: the lists are the loop's own, the counters cross threads.
  intrusive_list<executor_submission, executor_job_tag> outstanding_jobs_;
  std::vector<executor_submission*> job_batch_;
  bool job_flush_posted_ = false;
  std::atomic<std::size_t> running_jobs_{0};
  std::atomic<bool> accepting_jobs_{true};
  anchor_table anchors_;
};

/// The loop of a coroutine running on `ex`, for the waits that need one (wait_for,
/// to_thread, ...): a task's loop; else the loop running on this thread; else the one
/// open loop whose steps run on `ex` (a plain co_spawn on a context that the application
/// runs with its own ctx.run()). Throws std::runtime_error saying what to do when there
/// is none.
ASYNCPP_DECL event_loop& loop_of_coroutine(const boost::asio::any_io_executor& ex);

struct handle_state;

/// A callback queued on a loop: call_soon's (with the handle that may cancel it), or a
/// task's done callback, allocated when it was added so that finishing the task only links.
class ASYNCPP_DECL callback_item final : public ready_item {
public:
  callback_item(loop_core& core, std::function<void()> fn, std::shared_ptr<handle_state> handle = {}) noexcept
      : core_(core), fn_(std::move(fn)), handle_(std::move(handle))
  {
  }
  void run() override;
  void drop() noexcept override { delete this; }

private:
  loop_core& core_; // outlives every item it queues (it drops them when the loop closes)
  std::function<void()> fn_;
  std::shared_ptr<handle_state> handle_;
};

template <class F>
void loop_core::run_as_step(F&& f)
{
  if (closed())
    return;
  struct scope {
    loop_core& core;
    const void* previous = core.enter();
    explicit scope(loop_core& c) noexcept : core(c) { ++core.step_depth_; }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope()
    {
      --core.step_depth_;
      core.leave(previous);
    }
  } in_step(*this);
  std::forward<F>(f)();
  // What the step queued runs in the next batch: posted here, outside the noexcept paths
  // (finish, wake-ups) that queued it. A failure leaves it queued for the next step.
  if (step_depth_ == 1 && !ready_.empty() && !drain_posted_)
    post_drain();
}

} // namespace detail
} // namespace asyncpp

#endif
