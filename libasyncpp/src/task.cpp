// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The non-template half of a task: outcome, cancellation, waiters, reporting.

#include <asyncpp/event_loop.hpp>
#include <asyncpp/task.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <cstdio>

namespace asyncpp {

namespace detail {
#if ASYNCPP_ASIO_INTERNALS
inline namespace asio_fast_path {
#else
inline namespace asio_documented_path {
#endif
ASYNCPP_DECL const bool library_built_with_this_asio_path = true;
}
} // namespace detail

namespace {

bool is_cancelled_error(const std::exception_ptr& e) noexcept
{
  try {
    std::rethrow_exception(e);
  } catch (const cancelled_error&) {
    return true;
  } catch (...) {
    return false;
  }
}

bool is_operation_aborted(const std::exception_ptr& e) noexcept
{
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& se) {
    return se.code() == boost::asio::error::operation_aborted;
  } catch (...) {
    return false;
  }
}

/// `error` as an exception_ptr. Not thrown and caught: the first throw in a process makes
/// the unwinder read its tables, 0.22 MiB of peak RSS (smaps, asyncpp-bench executor). The
/// copy std::make_exception_ptr makes shares the message: it cannot fail.
std::exception_ptr captured(cancelled_error error)
{
  return std::make_exception_ptr(std::move(error));
}

std::uint64_t next_task_number() noexcept
{
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

} // namespace

bool is_cancellation(std::exception_ptr e) noexcept
{
  return e && (is_cancelled_error(e) || is_operation_aborted(e));
}

namespace detail {

void throw_empty_handle()
{
  throw invalid_state_error("asyncpp: use of an empty task handle");
}

namespace {

/// The error of a task whose frame was destroyed unfinished, made once, before any task
/// exists (the task's constructor asks for it), so finishing such a task allocates nothing.
const std::exception_ptr& frame_destroyed_error()
{
  static const std::exception_ptr error = captured(cancelled_error("the task's coroutine frame was destroyed"));
  return error;
}

} // namespace

task_state_base::task_state_base(event_loop& loop)
    : loop_task(loop), core_(loop_access::core(loop)), number_(next_task_number())
{
  frame_destroyed_error();
  join_registry(); // last: nothing can fail once the loop holds the task
}

task_state_base::~task_state_base()
{
  release_anchor();
  while (ready_item* cb = callbacks_.pop_front())
    cb->drop();
}

void task_state_base::drop_handle() noexcept
{
  --handles_;
  if (handles_ == 0 && has_unretrieved_exception())
    report_unretrieved();
  release();
}

bool task_state_base::cancel(std::string message)
{
  if (done())
    return false;
  cancel_called_ = true;
  cancel_pending_ = true;
  if (!message.empty()) {
    cancel_message_ = std::move(message);
    // Made here, where failing may throw: finish() and begin() must not allocate.
    cancellation_ = captured(cancelled_error(cancel_message_));
  }
  // Before the first step, begin() sees the pending request and the body never runs.
  if (started_)
    post_emit();
  return true;
}

void task_state_base::post_emit() noexcept
{
  // Queued, not emitted here: cancel() only requests (nothing of the task may run inside
  // it), and a task that cancels itself must get the request at its next suspension.
  if (emit_posted_ || !loop() || loop()->is_closed())
    return;
  emit_posted_ = true;
  add_ref(); // released by the step
  core_->schedule(emit_step_);
}

void task_state_base::emit_step::run()
{
  state_ptr<task_state_base> self(task);
  task->release(); // the queue's reference
  task->emit_posted_ = false;
  if (!task->done() && task->take_pending_cancel())
    task->signal_.emit(boost::asio::cancellation_type::terminal);
}

void task_state_base::emit_step::drop() noexcept
{
  task->emit_posted_ = false;
  task->release();
}

std::exception_ptr task_state_base::exception()
{
  if (!done())
    throw invalid_state_error("asyncpp: exception() of a task that is not done");
  retrieved_ = true;
  if (cancelled_)
    std::rethrow_exception(error_);
  return error_;
}

void task_state_base::rethrow_if_failed()
{
  if (!done())
    throw invalid_state_error("asyncpp: result() of a task that is not done");
  retrieved_ = true;
  if (error_)
    std::rethrow_exception(error_);
}

std::exception_ptr task_state_base::failure() noexcept
{
  retrieved_ = true;
  return error_;
}

const std::string& task_state_base::name() const
{
  if (name_.empty())
    name_ = "Task-" + std::to_string(number_);
  return name_;
}

void task_state_base::add_done_callback(std::function<void()> cb)
{
  if (!done()) {
    callbacks_.push_back(*new callback_item(*core_, std::move(cb)));
    return;
  }
  if (!loop() || !core_->loop())
    throw std::runtime_error("asyncpp: add_done_callback: the task's event loop is gone");
  loop()->call_soon(std::move(cb));
}

bool task_state_base::begin() noexcept
{
  started_ = true;
  if (!take_pending_cancel())
    return true;
  finish(cancellation());
  return false;
}

std::exception_ptr task_state_base::cancellation() const noexcept
{
  // Without a message, cancelled_error holds an empty string: making it allocates nothing
  // through operator new (the exception object comes from the C++ runtime's own pool).
  return cancellation_ ? cancellation_ : std::make_exception_ptr(cancelled_error());
}

bool classify_end(std::exception_ptr& e, bool cancel_requested, const std::exception_ptr& cancellation) noexcept
{
  if (!e)
    return false;
  if (is_cancelled_error(e))
    return true;
  if (cancel_requested && is_operation_aborted(e)) {
    e = cancellation ? cancellation : std::make_exception_ptr(cancelled_error());
    return true;
  }
  return false;
}

void task_state_base::finish(std::exception_ptr e) noexcept
{
  cancelled_ = classify_end(e, cancel_called_, cancellation_);
  error_ = std::move(e);
  cancel_pending_ = false;
  release_anchor();
  state_ptr<task_state_base> keep_alive(this); // the registry's reference goes first
  leave_registry();
  // Waiters first, in the order they came (each only queues its resumption), then the
  // callbacks: an exception a waiter takes is retrieved before it could be reported.
  notify_done();
  if (loop() && !loop()->is_closed()) {
    while (ready_item* cb = callbacks_.pop_front())
      core_->schedule(*cb);
  }
  report_dropped_callbacks(); // a closed loop runs no callback
  if (handles_ == 0 && has_unretrieved_exception())
    report_unretrieved();
}

void frame_destroyed(task_state_base& state) noexcept
{
  // A closing loop detached its tasks first (loop() is null): those stay not done.
  if (!state.done() && state.loop() && !state.loop()->is_closed())
    state.finish(frame_destroyed_error());
}

void task_state_base::detach_from_loop() noexcept
{
  report_dropped_callbacks();
  forget_loop();
}

void task_state_base::report_unretrieved_at_shutdown() noexcept
{
  if (!has_unretrieved_exception() || !loop())
    return;
  mark_retrieved();
  try {
    loop()->call_exception_handler({debug_suffixed("Unhandled exception during asyncpp::run() shutdown"), error_, name()});
  } catch (...) { // no memory for the task's name
    std::fputs("asyncpp: Unhandled exception during asyncpp::run() shutdown (no memory to say more)\n", stderr);
  }
}

void task_state_base::report_dropped_callbacks() noexcept
{
  if (callbacks_.empty())
    return;
  // Python warns "Task was destroyed but it is pending!"; here callbacks that someone
  // counts on never run, so the exception handler is told: never a silent drop.
  try {
    const exception_context context{"Task was destroyed but it is pending: its done callbacks never run", nullptr,
                                    name()};
    if (loop() && core_->loop())
      loop()->call_exception_handler(context);
    else
      event_loop::default_exception_handler(context);
  } catch (...) { // no memory for the message itself
    std::fputs("asyncpp: a task's done callbacks never run: its loop closed while it was pending\n", stderr);
  }
  while (ready_item* cb = callbacks_.pop_front())
    cb->drop();
}

std::string task_state_base::debug_suffixed(const char* message) const
{
  if (!core_->debug())
    return message;
  return std::string(message) + " (task created at " + format_where(created_at_) + ")";
}

void task_state_base::report_unretrieved() noexcept
{
  if (reported_)
    return;
  reported_ = true;
  try {
    const exception_context context{debug_suffixed("Task exception was never retrieved"), error_, name()};
    if (loop() && core_->loop())
      loop()->call_exception_handler(context);
    else
      event_loop::default_exception_handler(context);
  } catch (...) { // no memory for the task's name
    std::fputs("asyncpp: Task exception was never retrieved (no memory to say more)\n", stderr);
  }
}

} // namespace detail
} // namespace asyncpp
