// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// A group of coroutines that a wait runs inside the waiting task, under its name, and
// waits for: gather's awaitable children, wait_for's inner work. No task per child.
#ifndef ASYNCPP_DETAIL_CHILD_GROUP_HPP
#define ASYNCPP_DETAIL_CHILD_GROUP_HPP

#include <asyncpp/detail/coroutine_thread.hpp>
#include <asyncpp/detail/inline_slot.hpp>
#include <asyncpp/detail/resumption.hpp>
#include <asyncpp/detail/task_executor.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <utility>

namespace asyncpp::detail {

/// The type-independent bookkeeping of a group of coroutines that a wait runs inside the
/// waiting task and waits for (gather's children, wait_for's inner work; src/gather.cpp):
/// counts the children down, fails fast (unless told to return exceptions), turns an
/// outside cancellation into cancelling every child, and resumes the waiting coroutine
/// once every child has finished.
class ASYNCPP_DECL child_group : public wait_branches {
public:
  child_group(std::size_t children, bool return_exceptions) noexcept
      : pending_(children), return_exceptions_(return_exceptions)
  {
  }
  child_group(const child_group&) = delete;
  child_group& operator=(const child_group&) = delete;

  /// Suspends the waiting coroutine (`handler`), then starts the children.
  template <class Handler>
  void start(Handler&& handler, const wait_frame& frame)
  {
    const resume_point rp = resumer_.begin(std::forward<Handler>(handler), frame);
    loop_ = rp.io_executor_or_running_loop();
    parent_ = rp.task;
    if (resumer_.slot().is_connected())
      resumer_.slot().emplace<outside_cancel>(this);
    starting_ = true;
    start_children();
    starting_ = false;
    if (first_error_)
      cancel_children(); // a child failed while starting: every child has started now
  }

  /// A child ended; `failure` is null on success (a cancelled child: cancelled_error).
  void child_finished(const std::exception_ptr& failure) noexcept;
  /// A child's frame was destroyed unfinished (its loop closed): once every pending child
  /// has gone, the waiting coroutine is destroyed too (and this object with it).
  void child_discarded() noexcept;

  const std::exception_ptr& first_error() const noexcept { return first_error_; }
  const boost::asio::io_context::executor_type& loop_executor() const noexcept { return *loop_; }
  /// Children run under the waiting task's name (current_task() names it).
  task_state_base* parent_task() const noexcept { return parent_; }
  /// The executor of child `index`: the waiting task's loop, under the task's name through
  /// the group's anchor (taken by the first child that asks; throws std::bad_alloc), or the
  /// loop's own for a coroutine that is no task's.
  boost::asio::any_io_executor child_executor(std::uint32_t index)
  {
    if (!parent_)
      return *loop_;
    if (!anchor_)
      anchor_ = &parent_->core().anchors().acquire(parent_->core(), parent_, this);
    return task_executor(*loop_, *anchor_, index);
  }

protected:
  /// The children's executors may be used after they (and this) are gone: from here on
  /// they run their work as the loop's own.
  ~child_group()
  {
    if (anchor_)
      anchor_table::release(*anchor_);
  }
  virtual void start_children() = 0;
  virtual void cancel_children() noexcept = 0;

private:
  struct outside_cancel {
    child_group* core;
    void operator()(boost::asio::cancellation_type_t) const { core->cancel_from_outside(); }
  };
  void cancel_from_outside() noexcept;
  void settle() noexcept;

  std::size_t pending_;
  bool return_exceptions_;
  bool discarded_ = false;
  bool outside_cancel_ = false;    // an outside cancellation came before any failure
  bool outside_signalled_ = false; // an outside cancellation reached this gather
  bool starting_ = false;          // start_children() runs: a failure cancels no sibling yet
  std::exception_ptr first_error_;
  std::optional<boost::asio::io_context::executor_type> loop_;
  task_state_base* parent_ = nullptr;
  task_anchor* anchor_ = nullptr; // named by the children's executors
  resumer resumer_;
};

/// A child that is an awaitable: a coroutine thread of its own (not co_spawn's,
/// see coroutine_thread.hpp) run to its end by run_to_end(), its outcome kept here.
/// No task state, registry entry or post of its own: one record per child, all in one
/// allocation.
template <class T>
class light_child {
public:
  using gathered_type = T;
  using value_type = value_or_monostate<T>;
  explicit light_child(awaitable<T> body) : body_(std::move(body)) {}
  light_child(const light_child&) = delete;
  light_child& operator=(const light_child&) = delete;

  void start(child_group& core, std::uint32_t index)
  {
    if (cancel_requested_) { // a sibling failed before this one started
      done_ = true;
      error_ = std::make_exception_ptr(cancelled_error());
      core.child_finished(error_);
      return;
    }
    started_ = true;
    // The coroutine's cancellation state lives in signal_, without a block of its own. Its
    // parent slot stays unconnected: a reset after a caught cancellation leaves the child
    // uncancellable, which is all it can be, as cancel() emits once.
    try {
      // First: the frame below must not be made when this fails.
      const boost::asio::any_io_executor ex = core.child_executor(index);
      launch_coroutine_thread(run_to_end<T>::run(cached_frame, outcome_notice(this, &core)), ex, signal_.slot(),
                              boost::asio::cancellation_slot(), waits_, core.parent_task(), true);
    } catch (...) {
      // Its frame could not be allocated, or an operation its first step began threw out
      // of its coroutine thread, whose frames Asio destroys in a later step: the child
      // failed with it, and that frame's notice is disarmed.
      if (done_)
        throw;
      if (notice_)
        std::exchange(notice_, nullptr)->core = nullptr;
      done_ = true;
      error_ = std::current_exception();
      core.child_finished(error_);
    }
  }
  void cancel() noexcept
  {
    if (!done_ && !cancel_requested_) {
      cancel_requested_ = true;
      signal_.emit(boost::asio::cancellation_type::terminal);
    }
  }
  std::exception_ptr failure() const noexcept { return error_; }
  value_type take()
  {
    if (error_)
      std::rethrow_exception(error_);
    return std::move(*value_);
  }
  /// What the child waits on while it runs inside the task that awaits the gather.
  const wait_record* waits() const noexcept { return started_ && !done_ ? &waits_ : nullptr; }

private:
  // run_to_end()'s outcome: keeps the child's, and tells the gather exactly once: finished,
  // or (its frame destroyed unfinished, as when the loop closes) discarded.
  // It is armed once moved into the coroutine's frame (where it registers with the child):
  // the argument itself, destroyed when the frame cannot be allocated, reports nothing.
  struct outcome_notice {
    light_child* child;
    child_group* core;
    outcome_notice(light_child* c, child_group* g) noexcept : child(c), core(g) {}
    outcome_notice(outcome_notice&& o) noexcept : child(o.child), core(std::exchange(o.core, nullptr))
    {
      child->notice_ = this;
    }
    outcome_notice& operator=(outcome_notice&&) = delete;
    ~outcome_notice()
    {
      if (core && child->notice_ == this)
        core->child_discarded();
    }
    awaitable<T>&& body() noexcept { return std::move(child->body_); }
    template <class... V>
    void set_value(V&&... v)
    {
      child->value_.emplace(std::forward<V>(v)...);
    }
    void finished(std::exception_ptr e) noexcept
    {
      child->done_ = true;
      classify_end(e, child->cancel_requested_, {});
      child->error_ = e;
      std::exchange(core, nullptr)->child_finished(child->error_);
    }
  };

  awaitable<T> body_;
  std::optional<value_type> value_;
  std::exception_ptr error_;
  inline_cancellation_signal<thread_cancellation_capacity> signal_; // holds the coroutine's cancellation state
  wait_record waits_; // what this child waits on, under the task that awaits the gather
  outcome_notice* notice_ = nullptr; // the armed one, in the coroutine's frame
  bool started_ = false;
  bool done_ = false;
  bool cancel_requested_ = false;
};

/// Suspends until every child of `op` has finished; rethrows the first failure, or
/// cancelled_error when an outside cancellation came first. A deferred operation, awaited
/// by the waiting coroutine: no coroutine frame of its own, as use_awaitable makes.
template <class Op>
auto wait_children(Op& op, const wait_frame& frame)
{
  // The frame goes as an argument, kept in the operation, which lives in the awaiting
  // coroutine's frame until the gather resumes.
  return boost::asio::async_initiate<const boost::asio::deferred_t&, void(std::exception_ptr)>(
      [&op](auto handler, const wait_frame& kept) { op.start(std::move(handler), kept); }, boost::asio::deferred,
      frame.over(&op));
}

} // namespace asyncpp::detail

#endif
