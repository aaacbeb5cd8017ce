// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The event loop: running, stopping and closing the io_context, callbacks and timers, the
// registry of unfinished tasks, the default executor and the exception handler.

#include <asyncpp/detail/default_pool.hpp>
#include <asyncpp/event_loop.hpp>
#include <asyncpp/run.hpp> // declares sigint_is_default and finish_run (exported)
#include <asyncpp/task.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>

namespace asyncpp {

namespace detail {

struct signal_state {
  explicit signal_state(boost::asio::io_context& ctx) : set(ctx) {}
  boost::asio::signal_set set;
  std::map<int, std::function<void()>> handlers;
  bool waiting = false;
};

struct handle_state {
  std::atomic<bool> cancelled{false};
  std::weak_ptr<boost::asio::steady_timer> timer; // call_later/call_at only
};

} // namespace detail

namespace {

thread_local event_loop* running_loop_ = nullptr;
thread_local event_loop* current_loop_ = nullptr;

// Loops that get_event_loop() created for this thread; destroyed at thread exit.
struct thread_loops {
  std::deque<std::unique_ptr<event_loop>> loops;
  ~thread_loops()
  {
    while (!loops.empty())
      loops.pop_back();
  }
};
thread_local thread_loops owned_loops_;

std::string describe(const std::exception_ptr& e)
{
  if (!e)
    return {};
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (const cancelled_error& ex) {
    return std::string("cancelled_error: ") + ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

// Marks a loop as running on this thread for the duration of one run.
class running_scope {
public:
  running_scope(event_loop& loop, bool& running) : running_(running), saved_(running_loop_)
  {
    running_ = true;
    running_loop_ = &loop;
  }
  running_scope(const running_scope&) = delete;
  running_scope& operator=(const running_scope&) = delete;
  ~running_scope()
  {
    running_ = false;
    running_loop_ = saved_;
  }

private:
  bool& running_;
  event_loop* saved_;
};

// Stops the io_context when the task(s) it waits for are done.
class stop_when_done final : public detail::done_waiter {
public:
  stop_when_done(boost::asio::io_context& ctx, std::size_t count) : ctx_(ctx), remaining_(count) {}
  void on_done(detail::task_state_base&) noexcept override
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

namespace detail {
event_loop* running_loop() noexcept
{
  return running_loop_;
}
} // namespace detail

void handle::cancel()
{
  if (!state_)
    return;
  state_->cancelled = true;
  if (auto timer = state_->timer.lock())
    timer->cancel();
}

bool handle::cancelled() const
{
  return state_ && state_->cancelled;
}

event_loop::event_loop() : owned_ctx_(std::make_unique<boost::asio::io_context>(1)), ctx_(owned_ctx_.get())
{
  core_ = std::make_shared<detail::loop_core>(*this, *ctx_, std::nullopt);
}

event_loop::event_loop(boost::asio::io_context& ctx) : ctx_(&ctx)
{
  core_ = std::make_shared<detail::loop_core>(*this, *ctx_, std::nullopt);
}

event_loop::event_loop(boost::asio::strand<boost::asio::io_context::executor_type> strand)
    : ctx_(&boost::asio::query(strand.get_inner_executor(), boost::asio::execution::context))
{
  core_ = std::make_shared<detail::loop_core>(*this, *ctx_, std::move(strand));
}

event_loop::~event_loop()
{
  if (!running_)
    close();
  if (current_loop_ == this)
    current_loop_ = nullptr;
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
  if (running_loop_)
    throw std::runtime_error(std::string("asyncpp: ") + what +
                             ": cannot run an event loop while another loop is running on this thread");
}

void event_loop::register_task(detail::task_state_base& t) noexcept
{
  t.add_ref();
  tasks_.push_back(t);
}

void event_loop::unregister_task(detail::task_state_base& t) noexcept
{
  tasks_.remove(t);
  t.release();
}

std::vector<detail::state_ptr<detail::task_state_base>> event_loop::unfinished_tasks() const
{
  std::vector<detail::state_ptr<detail::task_state_base>> out;
  out.reserve(tasks_.size());
  tasks_.for_each([&](detail::task_state_base& t) { out.emplace_back(&t); });
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

void event_loop::run_until_done(detail::task_state_base& t)
{
  check_can_run("run_until_complete");
  detail::state_ptr<detail::task_state_base> keep(&t);
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
    void on_done(detail::task_state_base& t) noexcept override { target->on_done(t); }
    void discard() noexcept override {}
  };
  std::deque<forward> waiters;
  for (auto& t : pending)
    t->add_waiter(waiters.emplace_back(&stopper));
  while (!stopper.finished()) {
    stop_requested_ = false;
    run_context();
  }
  for (auto& t : pending) {
    if (t->has_unretrieved_exception()) {
      t->mark_retrieved();
      call_exception_handler({"Unhandled exception during asyncpp::run() shutdown", t->failure(), t->name()});
    }
  }
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
  std::vector<detail::state_ptr<detail::task_state_base>> pending;
  while (auto* t = tasks_.front()) {
    pending.emplace_back(t);
    unregister_task(*t);
  }
  for (auto& t : pending)
    t->detach_from_loop();
  signals_.reset(); // its signal_set must go before the io_context
  if (owned_ctx_) {
    owned_ctx_.reset();
    // A fresh, empty context keeps context() valid for the rest of the loop's life.
    owned_ctx_ = std::make_unique<boost::asio::io_context>(1);
    ctx_ = owned_ctx_.get();
  }
  pending.clear();
}

void event_loop::run_callback(const std::function<void()>& cb) noexcept
{
  try {
    cb();
  } catch (...) {
    call_exception_handler({"Exception in callback", std::current_exception(), {}});
  }
}

namespace {

/// A call_soon callback as the step that runs it (on the loop, its strand, while open).
struct callback_step {
  std::shared_ptr<detail::handle_state> state;
  std::function<void()> cb;
  detail::loop_core* core;
  void operator()() const
  {
    if (!state->cancelled)
      detail::loop_access::run_callback(*core->loop(), cb);
  }
};

} // namespace

handle event_loop::call_soon(std::function<void()> cb)
{
  check_usable("call_soon");
  auto state = std::make_shared<detail::handle_state>();
  detail::loop_core::post_owned(core_, callback_step{state, std::move(cb), core_.get()});
  return handle(state);
}

handle event_loop::call_soon_threadsafe(std::function<void()> cb)
{
  // Touches only the core, which serialises this with close(): never a closed context.
  auto state = std::make_shared<detail::handle_state>();
  if (!detail::loop_core::post_threadsafe(core_, callback_step{state, std::move(cb), core_.get()}))
    throw std::runtime_error("asyncpp: call_soon_threadsafe: the event loop is closed");
  return handle(state);
}

handle event_loop::schedule_timer(clock::time_point when, std::function<void()> cb)
{
  check_usable("call_later");
  auto state = std::make_shared<detail::handle_state>();
  auto timer = std::make_shared<boost::asio::steady_timer>(*ctx_, when);
  state->timer = timer;
  // The handler owns the timer; the handle only observes it, so a handle that outlives
  // the loop never touches a destroyed io_context.
  core_->start_on_loop([&](auto handler) { timer->async_wait(std::move(handler)); },
                       [core = core_, state, timer, cb = std::move(cb)](const boost::system::error_code& ec) {
                         if (ec || state->cancelled || core->closed())
                           return;
                         detail::loop_step_scope scope(*core);
                         core->loop()->run_callback(cb);
                       });
  return handle(state);
}

handle event_loop::call_later(clock::duration delay, std::function<void()> cb)
{
  return schedule_timer(clock::now() + delay, std::move(cb));
}

handle event_loop::call_at(clock::time_point when, std::function<void()> cb)
{
  return schedule_timer(when, std::move(cb));
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

void event_loop::add_signal_handler(int signum, std::function<void()> cb)
{
  check_usable("add_signal_handler");
  if (!signals_)
    signals_ = std::make_unique<detail::signal_state>(*ctx_);
  if (!signals_->handlers.count(signum))
    signals_->set.add(signum); // system_error for a signal that cannot be caught
  signals_->handlers[signum] = std::move(cb);
  if (std::exchange(signals_->waiting, true))
    return;
  arm_signal_wait();
}

void event_loop::arm_signal_wait()
{
  // One wait at a time, re-armed after each signal, for all the handled signals.
  core_->start_on_loop([this](auto handler) { signals_->set.async_wait(std::move(handler)); },
                       [core = core_](const boost::system::error_code& ec, int signum) {
                         event_loop* loop = core->loop();
                         if (ec || core->closed() || !loop || !loop->signals_)
                           return;
                         detail::loop_step_scope scope(*core);
                         loop->signals_->waiting = false;
                         const auto it = loop->signals_->handlers.find(signum);
                         if (it != loop->signals_->handlers.end()) {
                           auto cb = it->second; // the handler may remove itself
                           loop->run_callback(cb);
                         }
                         if (loop->signals_ && !loop->signals_->handlers.empty() &&
                             !std::exchange(loop->signals_->waiting, true))
                           loop->arm_signal_wait();
                       });
}

bool event_loop::remove_signal_handler(int signum)
{
  if (!signals_ || !signals_->handlers.erase(signum))
    return false;
  signals_->set.remove(signum);
  if (signals_->handlers.empty()) {
    signals_->set.cancel();
    signals_->waiting = false;
  }
  return true;
}

void event_loop::set_exception_handler(exception_handler h)
{
  handler_ = std::move(h);
}

void event_loop::default_exception_handler(const exception_context& context) noexcept
{
  std::string line = "asyncpp: " + context.message;
  if (!context.task_name.empty())
    line += " (task '" + context.task_name + "')";
  if (context.exception)
    line += ": " + describe(context.exception);
  std::fprintf(stderr, "%s\n", line.c_str());
}

void event_loop::call_exception_handler(const exception_context& context) noexcept
{
  if (!handler_) {
    default_exception_handler(context);
    return;
  }
  try {
    handler_(*this, context);
  } catch (...) {
    default_exception_handler({"Unhandled error in the exception handler", std::current_exception(), {}});
    default_exception_handler(context);
  }
}

event_loop& get_event_loop()
{
  if (running_loop_)
    return *running_loop_;
  if (auto* t = detail::current_task_state(); t && t->loop())
    return *t->loop();
  if (current_loop_)
    return *current_loop_;
  auto& loops = owned_loops_.loops;
  if (loops.empty() || loops.back()->is_closed())
    loops.push_back(std::make_unique<event_loop>());
  current_loop_ = loops.back().get();
  return *current_loop_;
}

event_loop& get_running_loop()
{
  if (running_loop_)
    return *running_loop_;
  // A task resumed by someone else's ctx.run() on an adopted io_context: its loop is the
  // one running it, as Python's get_running_loop() names the loop of the current task.
  if (auto* t = detail::current_task_state(); t && t->loop())
    return *t->loop();
  throw std::runtime_error("asyncpp: no running event loop");
}

void set_event_loop(event_loop* loop)
{
  current_loop_ = loop;
}

namespace detail {

event_loop* current_loop() noexcept
{
  return current_loop_;
}

bool sigint_is_default() noexcept
{
  struct sigaction current {};
  return ::sigaction(SIGINT, nullptr, &current) == 0 && current.sa_handler == SIG_DFL;
}

void finish_run(event_loop& loop)
{
  loop.cancel_all_and_wait();
  loop.shutdown_default_executor();
  loop.close();
}

} // namespace detail
} // namespace asyncpp
