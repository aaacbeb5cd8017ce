// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// What crosses threads in a loop: the check that a plain loop runs on one thread at a
// time, the bookkeeping of run_in_executor jobs, and the default thread pool.

#include <asyncpp/detail/default_pool.hpp>
#include <asyncpp/detail/loop_core.hpp>
#include <asyncpp/detail/task_executor.hpp>
#include <asyncpp/event_loop.hpp>

#include <boost/asio/basic_waitable_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>

namespace asyncpp::detail {

namespace {

/// The io_context's service that keeps the cores of the loops made on it (see
/// loop_core::create). It lets them go only when destroyed, after the context's shutdown
/// has destroyed every handler, whose executors may still name the cores' anchors.
class core_keeper final : public boost::asio::execution_context::service {
public:
  using key_type = core_keeper;
  static inline boost::asio::execution_context::id id;

  explicit core_keeper(boost::asio::execution_context& ctx) : service(ctx) {}

  void keep(const std::shared_ptr<loop_core>& core)
  {
    std::lock_guard<std::mutex> guard(mutex_);
    // A closed loop whose core only this service still holds has nothing left but its
    // anchors: they stay, as executors may name them.
    cores_.push_back(core);
  }
  /// The one open loop of the context whose strand is `strand` (null: a plain loop).
  loop_core* open_loop(const loop_core::strand_type* strand) noexcept
  {
    std::lock_guard<std::mutex> guard(mutex_);
    loop_core* found = nullptr;
    for (const auto& core : cores_) {
      if (core->closed() || !core->loop())
        continue;
      const bool match = strand ? core->strand() && *core->strand() == *strand : !core->strand();
      if (!match)
        continue;
      if (found)
        return nullptr; // several: which one is meant cannot be told
      found = core.get();
    }
    return found;
  }

private:
  void shutdown() override {} // the cores stay until destroy(): handlers go first

  std::mutex mutex_;
  std::vector<std::shared_ptr<loop_core>> cores_;
};

} // namespace

std::shared_ptr<loop_core> loop_core::create(event_loop& loop, boost::asio::io_context& ctx,
                                             std::optional<strand_type> strand)
{
  auto core = std::make_shared<loop_core>(loop, ctx, std::move(strand));
  boost::asio::use_service<core_keeper>(ctx).keep(core);
  return core;
}

boost::asio::io_context::executor_type loop_executor_of(const boost::asio::any_io_executor& ex)
{
  return loop_of_coroutine(ex).get_executor();
}

event_loop& loop_of_coroutine(const boost::asio::any_io_executor& ex)
{
  if (const auto* te = ex.target<task_executor>(); te && te->core().loop() && !te->core().closed())
    return *te->core().loop();
  if (event_loop* running = running_loop())
    return *running;
  loop_core* core = nullptr;
  if (const auto* io = ex.target<boost::asio::io_context::executor_type>())
    core = boost::asio::use_service<core_keeper>(io->context()).open_loop(nullptr);
  else if (const auto* strand = ex.target<loop_core::strand_type>())
    core = boost::asio::use_service<core_keeper>(strand->get_inner_executor().context()).open_loop(strand);
  if (core && core->loop())
    return *core->loop();
  throw std::runtime_error(
      "asyncpp: no event loop runs this coroutine: run it as a task of a loop (loop.create_task), or make an "
      "asyncpp::event_loop on the io_context it runs on (asyncpp::event_loop loop(ctx))");
}

void loop_core::report_concurrent_run() noexcept
{
  std::fprintf(stderr,
               "asyncpp: two threads ran the work of one event_loop at the same time. An io_context run by "
               "several threads needs the strand constructor: "
               "asyncpp::event_loop loop(boost::asio::make_strand(ctx));\n");
  std::abort();
}

/// The heap's io_context timer: the concrete executor (posts through any_io_executor cost
/// twice as much), and which of its waits is the current one.
struct loop_core::timer_wakeup {
  explicit timer_wakeup(const boost::asio::io_context::executor_type& ex) : timer(ex) {}
  boost::asio::basic_waitable_timer<timer_entry::clock, boost::asio::wait_traits<timer_entry::clock>,
                                    boost::asio::io_context::executor_type>
      timer;
  timer_entry::clock::time_point armed_for{};
  std::uint64_t generation = 0; // of the wait in flight; a replaced wait completes aborted
  bool armed = false;
};

loop_core::loop_core(event_loop& loop, boost::asio::io_context& ctx, std::optional<strand_type> strand)
    : loop_(&loop), ctx_(&ctx), strand_(std::move(strand))
{
  // Python's PYTHONASYNCIODEBUG: any value but empty or "0" turns debug mode on.
  const char* env = std::getenv("ASYNCPP_DEBUG");
  debug_ = env && *env && std::string_view(env) != "0";
}

loop_core::~loop_core()
{
  drop_ready();
  drop_timers();
}

void loop_core::place_timer(std::size_t index, const timer_slot& slot) noexcept
{
  timer_heap_[index] = slot;
  slot.entry->heap_index_ = index;
}

// Both sifts move a hole instead of swapping: each slot passed over is written once.
void loop_core::sift_timer_up(std::size_t index) noexcept
{
  const timer_slot moving = timer_heap_[index];
  while (index > 0) {
    const std::size_t parent = (index - 1) / 2;
    if (!moving.before(timer_heap_[parent]))
      break;
    place_timer(index, timer_heap_[parent]);
    index = parent;
  }
  place_timer(index, moving);
}

void loop_core::sift_timer_down(std::size_t index) noexcept
{
  const timer_slot moving = timer_heap_[index];
  const std::size_t size = timer_heap_.size();
  for (;;) {
    const std::size_t left = 2 * index + 1;
    if (left >= size)
      break;
    const std::size_t right = left + 1;
    const std::size_t first = right < size && timer_heap_[right].before(timer_heap_[left]) ? right : left;
    if (!timer_heap_[first].before(moving))
      break;
    place_timer(index, timer_heap_[first]);
    index = first;
  }
  place_timer(index, moving);
}

void loop_core::add_timer(timer_entry& entry, timer_entry::clock::time_point deadline)
{
  if (timer_heap_.size() == timer_heap_.capacity()) // what can fail comes before any change
    timer_heap_.reserve(std::max<std::size_t>(64, 2 * timer_heap_.capacity()));
  if (!wakeup_)
    wakeup_ = std::make_unique<timer_wakeup>(io_executor());
  timer_heap_.push_back(timer_slot{deadline, timer_sequence_++, &entry});
  entry.heap_index_ = timer_heap_.size() - 1;
  sift_timer_up(entry.heap_index_);
  if (timer_heap_.front().entry == &entry) {
    try {
      arm_timer();
    } catch (...) {
      remove_timer(entry);
      throw;
    }
  }
}

bool loop_core::remove_timer(timer_entry& entry) noexcept
{
  const std::size_t index = entry.heap_index_;
  if (index == timer_entry::not_queued)
    return false;
  entry.heap_index_ = timer_entry::not_queued;
  const timer_slot last = timer_heap_.back();
  timer_heap_.pop_back();
  if (last.entry != &entry) {
    place_timer(index, last);
    sift_timer_up(index);
    sift_timer_down(last.entry->heap_index_);
  }
  // The io_context timer may stay armed for the removed deadline: it then finds nothing
  // due and re-arms for the next one.
  return true;
}

void loop_core::drop_timers() noexcept
{
  auto heap = std::move(timer_heap_);
  timer_heap_.clear();
  // All out first: a frame destroyed below may cancel another sleep, which must then
  // find it gone from the heap.
  for (const timer_slot& slot : heap)
    slot.entry->heap_index_ = timer_entry::not_queued;
  for (const timer_slot& slot : heap)
    slot.entry->drop();
  wakeup_.reset();
}

void loop_core::arm_timer()
{
  timer_wakeup& w = *wakeup_;
  const auto due = timer_heap_.front().deadline;
  if (w.armed && w.armed_for <= due)
    return;
  w.armed = false;
  w.timer.expires_at(due); // the wait in flight, if any, completes aborted and is ignored
  const std::uint64_t generation = ++w.generation;
  start_on_loop(
      this, [&](auto handler) { w.timer.async_wait(std::move(handler)); }, timers_due{shared_from_this(), generation});
  w.armed = true;
  w.armed_for = due;
}

void loop_core::timers_due::operator()(const boost::system::error_code& ec) const
{
  core->run_as_step([&] { core->on_timers_due(generation, ec == boost::asio::error::operation_aborted); });
}

void loop_core::on_timers_due(std::uint64_t generation, bool aborted)
{
  if (!wakeup_)
    return;
  if (generation == wakeup_->generation)
    wakeup_->armed = false;
  else if (aborted)
    return; // replaced by a wait for an earlier deadline
  // Everything due now goes to the ready queue, in deadline order; entries added while
  // those run wait for the next wake-up (Python's _run_once does the same).
  const auto now = timer_entry::clock::now();
  while (!timer_heap_.empty() && timer_heap_.front().deadline <= now) {
    timer_entry* due = timer_heap_.front().entry;
    remove_timer(*due);
    schedule(*due);
  }
  if (!timer_heap_.empty())
    arm_timer();
}

void loop_core::schedule(ready_item& item) noexcept
{
  if (closed()) {
    item.drop();
    return;
  }
  if (!running_in_this_thread()) {
    // Another thread (a loop awaiting a task of this one, a worker), or this one outside
    // run(): handed over through the inbox, serialised with close() like
    // call_soon_threadsafe.
    bool queued = false;
    try {
      queued = queue_threadsafe(item);
    } catch (...) {
      std::fputs("asyncpp: out of memory while waking a coroutine of another thread's loop: it was destroyed\n",
                 stderr);
    }
    if (!queued)
      item.drop();
    return;
  }
  ready_.push_back(item);
  if (step_depth_ == 0 && !drain_posted_) { // queued from outside a step (a plain handler)
    try {
      post_drain();
    } catch (...) { // stays queued: the next step that ends posts the batch
    }
  }
}

bool loop_core::schedule_from_worker(ready_item& item) noexcept
{
  try {
    return queue_threadsafe(item);
  } catch (...) {
    std::fputs("asyncpp: out of memory while returning a run_in_executor result: its awaiter waits until the "
               "loop closes\n",
               stderr);
    return false;
  }
}

bool loop_core::queue_threadsafe(ready_item& item)
{
  std::lock_guard<std::mutex> guard(threadsafe_mutex_);
  if (closed())
    return false;
  if (!inbox_posted_) {
    post_to_context(inbox_arrival{shared_from_this()}); // the inbox is empty: nothing lost if it throws
    inbox_posted_ = true;
  }
  inbox_.push_back(item);
  return true;
}

void loop_core::take_inbox() noexcept
{
  std::lock_guard<std::mutex> guard(threadsafe_mutex_);
  inbox_posted_ = false;
  while (ready_item* item = inbox_.pop_front())
    ready_.push_back(*item);
}

void loop_core::inbox_arrival::operator()() const
{
  if (core->closed())
    return;
  core->take_inbox();
  if (!core->drain_posted_)
    core->run_ready_batch(); // a drain on its way would run them: this step does instead
}

void loop_core::drop_ready() noexcept
{
  take_inbox();
  while (ready_item* item = ready_.pop_front())
    item->drop();
}

void loop_core::post_drain()
{
  drain_posted_ = true;
  try {
    post_to_context(drain_ready{shared_from_this()});
  } catch (...) {
    drain_posted_ = false;
    throw;
  }
}

void loop_core::run_ready()
{
  drain_posted_ = false;
  run_ready_batch();
}

void loop_core::run_ready_batch()
{
  run_as_step([this] {
    for (std::size_t batch = ready_.size(); batch > 0; --batch) {
      ready_item* item = ready_.pop_front();
      if (!item)
        break;
      if (debug_) [[unlikely]]
        run_timed(item->origin(), [item] { item->run(); });
      else
        item->run();
    }
  });
}

void loop_core::submit_job(std::shared_ptr<executor_submission> job)
{
  // The only step here that can fail, before anything changes; grown geometrically, as
  // reserve(size() + 1) reallocated on every call (quadratic in the batch).
  if (job_batch_.size() == job_batch_.capacity())
    job_batch_.reserve(std::max<std::size_t>(64, 2 * job_batch_.capacity()));
  executor_submission& submission = *job;
  if (!std::exchange(job_flush_posted_, true)) {
    try {
      post([this] {
        job_flush_posted_ = false;
        std::vector<executor_submission*> batch;
        batch.swap(job_batch_);
        // Runs of jobs for the same executor go as one (see executor_job.hpp's job_drain).
        for (std::size_t first = 0; first < batch.size();) {
          std::size_t end = first + 1;
          while (end < batch.size() && batch[first]->same_target(*batch[end]))
            ++end;
          batch[first]->submit_run(std::span<executor_submission* const>(batch.data() + first, end - first));
          first = end;
        }
        // The next batch reuses the vector: growing it anew each time was several large
        // allocations per batch.
        batch.clear();
        if (job_batch_.empty())
          job_batch_.swap(batch);
      });
    } catch (...) {
      job_flush_posted_ = false;
      throw;
    }
  }
  submission.registered_ = std::move(job);
  outstanding_jobs_.push_back(submission);
  job_batch_.push_back(&submission);
}

std::shared_ptr<executor_submission> loop_core::job_returned(executor_submission& job) noexcept
{
  job.list_hook<executor_job_tag>::unlink();
  return std::move(job.registered_);
}

void loop_core::stop_jobs() noexcept
{
  accepting_jobs_.store(false, std::memory_order_seq_cst);
  // A worker's last touch is the decrement itself (the loop may be gone right after), so
  // this polls instead of being notified; a mutex or a shared count per call measured too
  // slow. Functions that never start (a stopped pool dropped them) are not counted.
  for (int spins = 0; running_jobs_.load(std::memory_order_seq_cst) != 0; ++spins) {
    if (spins < 100)
      std::this_thread::yield();
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  job_batch_.clear();
  take_inbox(); // returns that came meanwhile: into the ready queue, which they now leave
  while (executor_submission* job = outstanding_jobs_.pop_front()) {
    job->list_hook<ready_tag>::unlink();
    auto keep = std::move(job->registered_);
    job->discard();
  }
}

default_thread_pool::default_thread_pool(std::size_t threads) : ctx_(static_cast<int>(threads)), work_(ctx_.get_executor())
{
  try {
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i)
      threads_.emplace_back([this] { ctx_.run(); });
  } catch (...) {
    ctx_.stop(); // the threads started so far return at once
    for (auto& t : threads_)
      t.join();
    throw;
  }
}

void default_thread_pool::join() noexcept
{
  work_.reset();
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
}

} // namespace asyncpp::detail
