// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_TASK_STATE_HPP
#define ASYNCPP_DETAIL_TASK_STATE_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/detail/introspect.hpp>
#include <asyncpp/detail/intrusive_list.hpp>
#include <asyncpp/detail/loop_core.hpp>
#include <asyncpp/detail/loop_task.hpp>
#include <asyncpp/errors.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace asyncpp {

class event_loop;

namespace detail {

class task_state_base;

/// `R` of the API: what a task<T> yields as a value (std::monostate for void).
template <class T>
using value_or_monostate = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

/// The part of a task's shared state that does not depend on T: outcome, cancellation,
/// callbacks and name, on top of what its loop keeps of it (loop_task: the registry's
/// links, the reference count, the waiters).
class ASYNCPP_DECL task_state_base : public loop_task {
public:
  explicit task_state_base(event_loop& loop);

  void add_handle() noexcept
  {
    ++handles_;
    add_ref();
  }
  /// Drops a user handle; the last one reports an exception nobody retrieved.
  void drop_handle() noexcept;

  bool cancelled() const noexcept { return done() && cancelled_; }
  /// cancel() was called and the task has not finished yet.
  bool cancelling() const noexcept { return cancel_called_ && !done(); }
  bool cancel(std::string message) override;

  /// task::exception(): invalid_state_error if not done, cancelled_error if cancelled,
  /// else the exception (null on success), marked retrieved.
  std::exception_ptr exception();
  /// What result() does before reading the value: the same checks, then rethrows.
  void rethrow_if_failed();
  /// For combinators that own the outcome of a finished task: null on success, else the
  /// exception (a cancelled_error when cancelled), marked retrieved; never throws.
  std::exception_ptr failure() noexcept;
  /// Marks the exception retrieved (it is being passed on or reported elsewhere).
  void mark_retrieved() noexcept { retrieved_ = true; }
  /// True for a task that finished with an exception other than a cancellation (does
  /// not mark it retrieved).
  bool failed() const noexcept { return done() && error_ && !cancelled_; }
  /// True for a finished task whose exception nobody retrieved.
  bool has_unretrieved_exception() const noexcept { return done() && error_ && !cancelled_ && !retrieved_; }

  const std::string& name() const;
  void set_name(std::string name) { name_ = std::move(name); }
  /// The N of "Task-N": the task's id in the task table.
  std::uint64_t number() const noexcept { return number_; }

  /// What the task's own coroutine is suspended in (introspect.hpp reads it).
  wait_record& waits() noexcept { return waits_; }
  const wait_record& waits() const noexcept { return waits_; }
  /// Where create_task was called.
  const std::source_location& created_at() const noexcept { return created_at_; }
  void set_created_at(const std::source_location& where) noexcept { created_at_ = where; }
  /// False until the task's first step has run.
  bool started() const noexcept { return started_; }
  /// The anchor its executor names, taken by the first step and given back when the task
  /// ends (task_anchor.hpp); throws std::bad_alloc.
  task_anchor& take_anchor()
  {
    anchor_ = &core_->anchors().acquire(*core_, this);
    return *anchor_;
  }

  /// Schedules `cb` with call_soon when the task is done (now, if it already is).
  void add_done_callback(std::function<void()> cb);

  /// Called by the posted start step: false (and the task finished as cancelled) when
  /// cancel() came before the coroutine ever ran.
  bool begin() noexcept;
  /// The coroutine ended: with `e`, or with a value already stored by the derived state.
  void finish(std::exception_ptr e) noexcept;

  /// True once if cancel() was requested but not yet delivered through the cancellation
  /// slot: a wait that completed while that request was in flight turns into the
  /// cancellation (Python's rule that a cancelled task sees CancelledError on resumption).
  bool take_pending_cancel() noexcept
  {
    return std::exchange(cancel_pending_, false);
  }
  const std::string& cancel_message() const noexcept { return cancel_message_; }
  /// The cancelled_error this task ends with when cancelled; never fails.
  std::exception_ptr cancellation() const noexcept;

  boost::asio::cancellation_slot cancellation_slot() noexcept { return signal_.slot(); }
  boost::asio::io_context::executor_type executor() const noexcept { return core_->io_executor(); }
  /// What the task's steps go through (kept by the task beyond its loop's life).
  loop_core& core() const noexcept { return *core_; }

  void report_unretrieved_at_shutdown() noexcept override;
  void detach_from_loop() noexcept override;

protected:
  ~task_state_base() override;

private:
  void report_unretrieved() noexcept;
  /// `message`, naming where the task was created in debug mode (Python's source traceback).
  std::string debug_suffixed(const char* message) const;
  /// Done callbacks that will never run (the loop closed first) are reported, then dropped.
  void report_dropped_callbacks() noexcept;
  void post_emit() noexcept;

  /// The step that delivers a cancel() request through the cancellation slot: part of the
  /// state, so requesting a cancellation (also from noexcept paths: gather, task_group)
  /// allocates nothing.
  struct emit_step final : ready_item {
    task_state_base* task;
    explicit emit_step(task_state_base* t) noexcept : task(t) {}
    void run() override;
    void drop() noexcept override;
  };

  /// Gives the anchor back: executors naming it run their work as the loop's own.
  void release_anchor() noexcept
  {
    if (task_anchor* a = std::exchange(anchor_, nullptr))
      anchor_table::release(*a);
  }

  std::size_t handles_ = 0;
  std::shared_ptr<loop_core> core_;
  task_anchor* anchor_ = nullptr;
  std::uint64_t number_;
  mutable std::string name_;
  wait_record waits_;
  std::source_location created_at_;
  std::string cancel_message_;
  std::exception_ptr cancellation_; // cancelled_error(cancel_message_), once there is a message
  std::exception_ptr error_;
  boost::asio::cancellation_signal signal_;
  intrusive_list<ready_item, ready_tag> callbacks_; // callback_items, queued when done
  emit_step emit_step_{this};
  bool started_ = false;
  bool cancelled_ = false;
  bool cancel_called_ = false;
  bool cancel_pending_ = false;
  bool emit_posted_ = false;
  bool retrieved_ = false;
  bool reported_ = false;
};

/// The full shared state of a task<T>: the base plus the value.
template <class T>
class task_state final : public task_state_base {
public:
  using task_state_base::task_state_base;
  using value_type = value_or_monostate<T>;

  void set_value(value_type&& v) { value_.emplace(std::move(v)); }
  /// result(): rethrows a failure, else a copy of the value.
  value_type get()
  {
    rethrow_if_failed();
    check_not_taken();
    if constexpr (std::is_void_v<T>)
      return {}; // a void task keeps no value (task_end)
    else
      return *value_;
  }
  /// The value moved out, once: for the only reader (run_until_complete of an awaitable)
  /// and for move-only results, whose later reads throw instead of seeing a moved-from value.
  value_type take()
  {
    rethrow_if_failed();
    check_not_taken();
    taken_ = true;
    if constexpr (std::is_void_v<T>)
      return {};
    else
      return std::move(*value_);
  }
  /// What an awaiter of the task receives: a copy, or the value moved out when it cannot
  /// be copied (then only the first read gets it; later ones throw invalid_state_error).
  value_type read()
  {
    if constexpr (std::is_copy_constructible_v<value_type>)
      return get();
    else
      return take();
  }

private:
  void check_not_taken() const
  {
    if (taken_)
      throw invalid_state_error("asyncpp: the task's result was already taken (a move-only result is read once)");
  }

  std::optional<value_type> value_;
  bool taken_ = false;
};

/// How a user's task handle holds a state (the last one decides when an unretrieved
/// exception is reported).
struct count_handle {
  static void acquire(task_state_base* s) noexcept { s->add_handle(); }
  static void release(task_state_base* s) noexcept { s->drop_handle(); }
};

/// What a user's task handle holds.
template <class State>
using handle_ref = counted_ptr<State, count_handle>;

/// Throws invalid_state_error: a default-constructed handle was used.
[[noreturn]] ASYNCPP_DECL void throw_empty_handle();

/// `state`, or invalid_state_error for a default-constructed handle.
template <class State>
State* checked_state(State* state)
{
  if (!state)
    throw_empty_handle();
  return state;
}

/// How a coroutine that ended with `e` reads: true (cancelled) for cancelled_error, and
/// for Asio's operation_aborted when its cancellation was requested (`e` then becomes
/// `cancellation`, or a cancelled_error without message when that is null); false for a
/// value or any other exception.
ASYNCPP_DECL bool classify_end(std::exception_ptr& e, bool cancel_requested,
                               const std::exception_ptr& cancellation) noexcept;

/// The task whose coroutine is executing on this thread right now (null outside tasks).
inline task_state_base* current_task_state() noexcept
{
  return static_cast<task_state_base*>(current_loop_task()); // every loop_task is one
}

/// The cancelled_error a wait of `waiting_task` throws (with the message given to cancel()).
inline cancelled_error cancellation_of(task_state_base* waiting_task)
{
  return waiting_task ? cancelled_error(waiting_task->cancel_message()) : cancelled_error();
}
/// The same, as what a wait's handler is called with; never fails.
inline std::exception_ptr cancellation_ptr_of(task_state_base* waiting_task) noexcept
{
  return waiting_task ? waiting_task->cancellation() : std::make_exception_ptr(cancelled_error());
}

} // namespace detail
} // namespace asyncpp

#endif
