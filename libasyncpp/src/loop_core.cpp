// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// What crosses threads in a loop: the check that a plain loop runs on one thread at a
// time, the bookkeeping of run_in_executor jobs, and the default thread pool.

#include <asyncpp/detail/default_pool.hpp>
#include <asyncpp/detail/loop_core.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace asyncpp::detail {

void loop_core::report_concurrent_run() noexcept
{
  std::fprintf(stderr,
               "asyncpp: two threads ran the work of one event_loop at the same time. An io_context run by "
               "several threads needs the strand constructor: "
               "asyncpp::event_loop loop(boost::asio::make_strand(ctx));\n");
  std::abort();
}

void loop_core::schedule(ready_item& item) noexcept
{
  if (closed()) {
    item.drop();
    return;
  }
  if (!running_in_this_thread()) {
    // Another thread (a loop awaiting a task of this one, a worker), or this one outside
    // run(): handed over through the io_context, serialised with close() like
    // call_soon_threadsafe.
    try {
      std::lock_guard<std::mutex> guard(threadsafe_mutex_);
      if (closed())
        item.drop();
      else
        post_to_context(handover{shared_from_this(), &item});
    } catch (...) { // the handover dropped the item
      std::fputs("asyncpp: out of memory while waking a coroutine of another thread's loop: it was destroyed\n",
                 stderr);
    }
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

void loop_core::drop_ready() noexcept
{
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
  run_as_step([this] {
    for (std::size_t batch = ready_.size(); batch > 0; --batch) {
      ready_item* item = ready_.pop_front();
      if (!item)
        break;
      item->run();
    }
  });
}

void loop_core::submit_job(std::shared_ptr<executor_submission> job)
{
  job_batch_.reserve(job_batch_.size() + 1); // the only step here that can fail: before anything changes
  executor_submission& submission = *job;
  if (!std::exchange(job_flush_posted_, true)) {
    try {
      post([this] {
        job_flush_posted_ = false;
        auto batch = std::move(job_batch_);
        job_batch_.clear();
        for (auto* j : batch)
          j->submit();
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

void loop_core::job_returned(executor_submission& job) noexcept
{
  job.unlink();
  auto keep = std::move(job.registered_); // the caller holds the job too
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
  while (executor_submission* job = outstanding_jobs_.pop_front()) {
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
