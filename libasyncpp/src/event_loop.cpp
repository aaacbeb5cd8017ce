// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The event loop itself: construction, running, stopping and closing the io_context, the
// registry of unfinished tasks and the default executor. Callbacks and timers, signals,
// the exception handler and the thread's current loop have files of their own.

#include <asyncpp/detail/default_pool.hpp>
#include <asyncpp/event_loop.hpp>

#include "signal_state.hpp"

#include <boost/asio/executor_work_guard.hpp>

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <thread>

namespace asyncpp {

namespace {

// Marks a loop as running on this thread for the duration of one run.
class running_scope {
public:
  running_scope(event_loop& loop, bool& running) : running_(running), saved_(detail::set_running_loop(&loop))
  {
    running_ = true;
  }
  running_scope(const running_scope&) = delete;
  running_scope& operator=(const running_scope&) = delete;
  ~running_scope()
  {
    running_ = false;
    detail::set_running_loop(saved_);
  }

private:
  bool& running_;
  event_loop* saved_;
};

// Stops the io_context when the task(s) it waits for are done.
class stop_when_done final : public detail::done_waiter {
public:
  stop_when_done(boost::asio::io_context& ctx, std::size_t count) : ctx_(ctx), remaining_(count) {}
  void on_done(detail::loop_task&) noexcept override
  {
    if (--remaining_ == 0)
      ctx_.stop();
  }
  void discard() noexcept override {}
  bool finished() const noexcept { return remaining_ == 0; }

private:
  boost::asio::io_context& ctx_;
  std::size_t remaining_;
};

} // namespace

event_loop::event_loop() : owned_ctx_(std::make_unique<boost::asio::io_context>(1)), ctx_(owned_ctx_.get())
{
  core_ = detail::loop_core::create(*this, *ctx_, std::nullopt);
}

event_loop::event_loop(boost::asio::io_context& ctx) : ctx_(&ctx)
{
  core_ = detail::loop_core::create(*this, *ctx_, std::nullopt);
}

event_loop::event_loop(boost::asio::strand<boost::asio::io_context::executor_type> strand)
    : ctx_(&boost::asio::query(strand.get_inner_executor(), boost::asio::execution::context))
{
  core_ = detail::loop_core::create(*this, *ctx_, std::move(strand));
}

event_loop::~event_loop()
{
  if (!running_)
    close();
  detail::forget_current_loop(this);
  // What this loop queued in an adopted io_context, and tasks that outlive it by their
  // handles, see the loop gone through the core they share.
  core_->forget_loop();
}

void event_loop::check_usable(const char* what) const
{
  if (is_closed())
    throw std::runtime_error(std::string("asyncpp: ") + what + ": the event loop is closed");
}

void event_loop::check_can_run(const char* what) const
{
  check_usable(what);
  if (running_)
    throw std::runtime_error(std::string("asyncpp: ") + what + ": the event loop is already running");
  if (detail::running_loop())
    throw std::runtime_error(std::string("asyncpp: ") + what +
                             ": cannot run an event loop while another loop is running on this thread");
}

void event_loop::register_task(detail::loop_task& t) noexcept
{
  t.add_ref();
  tasks_.push_back(t);
}

void event_loop::unregister_task(detail::loop_task& t) noexcept
{
  tasks_.remove(t);
  t.release();
}

void detail::loop_task::join_registry() noexcept
{
  loop_->register_task(*this);
}

void detail::loop_task::leave_registry() noexcept
{
  if (loop_ && linked())
    loop_->unregister_task(*this);
}

std::vector<detail::state_ptr<detail::loop_task>> event_loop::unfinished_tasks() const
{
  std::vector<detail::state_ptr<detail::loop_task>> out;
  out.reserve(tasks_.size());
  tasks_.for_each([&](detail::loop_task& t) { out.emplace_back(&t); });
  return out;
}

void event_loop::run_context()
{
  running_scope scope(*this, running_);
  if (ctx_->stopped())
    ctx_->restart();
  if (std::exchange(stop_requested_, false)) {
    // stop() before run: one pass over what is ready, as in Python.
    ctx_->poll();
    return;
  }
  auto work = boost::asio::make_work_guard(*ctx_);
  ctx_->run();
}

void event_loop::run_until_done(detail::loop_task& t)
{
  check_can_run("run_until_complete");
  detail::state_ptr<detail::loop_task> keep(&t);
  stop_when_done stopper(*ctx_, 1);
  t.add_waiter(stopper);
  try {
    if (!stopper.finished())
      run_context();
  } catch (...) {
    stopper.unlink();
    throw;
  }
  stopper.unlink();
  if (!t.done())
    throw std::runtime_error("asyncpp: run_until_complete: the event loop stopped before the task completed");
}

void event_loop::run_forever()
{
  check_can_run("run_forever");
  run_context();
}

void event_loop::stop()
{
  if (running_)
    ctx_->stop();
  else
    stop_requested_ = true;
}

void event_loop::cancel_all_and_wait()
{
  auto pending = unfinished_tasks();
  if (pending.empty() || is_closed())
    return;
  for (auto& t : pending)
    t->cancel({});
  stop_when_done stopper(*ctx_, pending.size());
  // One waiter per task, all counting down the same stopper.
  struct forward final : detail::done_waiter {
    stop_when_done* target;
    explicit forward(stop_when_done* t) : target(t) {}
    void on_done(detail::loop_task& t) noexcept override { target->on_done(t); }
    void discard() noexcept override {}
  };
  std::deque<forward> waiters;
  for (auto& t : pending)
    t->add_waiter(waiters.emplace_back(&stopper));
  while (!stopper.finished()) {
    stop_requested_ = false;
    run_context();
  }
  for (auto& t : pending)
    t->report_unretrieved_at_shutdown();
}

void event_loop::close()
{
  if (running_)
    throw std::runtime_error("asyncpp: close(): cannot close a running event loop");
  if (closed_.exchange(true, std::memory_order_acq_rel))
    return;
  shutdown_default_executor();
  // Functions still running on other executors return first (their results are posted
  // to the context, which is still there); coroutines awaiting any that never ran go.
  core_->stop_jobs();
  // From here on nothing the loop queued runs, and other threads can no longer post.
  core_->close();
  // Pending tasks: first the frames suspended on asyncpp waits (linked into task states,
  // which the registry keeps alive), then everything queued in an owned io_context. The
  // registry's references go last, so no state dies while its waiters are being dropped.
  std::vector<detail::state_ptr<detail::loop_task>> pending;
  while (auto* t = tasks_.front()) {
    pending.emplace_back(t);
    unregister_task(*t);
  }
  for (auto& t : pending)
    t->detach_from_loop();
  core_->drop_timers(); // sleeping coroutines: destroyed, not resumed
  core_->drop_ready(); // woken coroutines, callbacks and task starts that never ran
  core_->release_resources(); // sockets and acceptors go before the io_context
  signals_.reset(); // its signal_set must go before the io_context
  if (owned_ctx_) {
    owned_ctx_.reset();
    // A fresh, empty context keeps context() valid for the rest of the loop's life.
    owned_ctx_ = std::make_unique<boost::asio::io_context>(1);
    ctx_ = owned_ctx_.get();
  }
  pending.clear();
}

detail::default_thread_pool& event_loop::default_executor()
{
  check_usable("run_in_executor");
  if (default_pool_shut_down_)
    throw std::runtime_error("asyncpp: run_in_executor: the default executor was shut down");
  if (!default_pool_) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    default_pool_ = std::make_unique<detail::default_thread_pool>(std::min(32u, cores + 4));
  }
  return *default_pool_;
}

boost::asio::io_context::executor_type detail::loop_access::default_executor(event_loop& loop)
{
  return loop.default_executor().get_executor();
}

void event_loop::shutdown_default_executor()
{
  default_pool_shut_down_ = true;
  if (default_pool_) {
    default_pool_->join();
    default_pool_.reset();
  }
}

namespace detail {

void finish_run(event_loop& loop)
{
  loop.cancel_all_and_wait();
  loop.shutdown_default_executor();
  loop.close();
}

} // namespace detail
} // namespace asyncpp
