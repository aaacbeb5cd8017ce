// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The machinery of wait_for, shield, wait and as_completed.
#ifndef ASYNCPP_DETAIL_WAIT_HPP
#define ASYNCPP_DETAIL_WAIT_HPP

#include <asyncpp/detail/task.hpp>
#include <asyncpp/detail/child_group.hpp>
#include <asyncpp/detail/resumption.hpp>
#include <asyncpp/event_loop.hpp>
#include <asyncpp/task.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncpp {

enum class return_when; // <asyncpp/wait.hpp>

namespace detail {

template <class A>
struct awaited;
template <class T>
struct awaited<awaitable<T>> {
  using value = T;
};
template <class T>
struct awaited<task<T>> {
  using value = T;
};

/// The value of a finished task for whoever awaited it (see task_state::read).
template <class T>
T finished_value(const task<T>& t)
{
  if constexpr (std::is_void_v<T>)
    task_access::state(t)->read();
  else
    return task_access::state(t)->read();
}

/// Resumes a task wait and records whether a cancellation of the waiter went on to the task.
struct record_forwarded {
  static constexpr bool reads_outcome = false;
  bool* forwarded;
  template <class Handler>
  void operator()(Handler& h, task_state_base&, task_state_base* waiting, bool passed_on) const
  {
    *forwarded = passed_on;
    resume_wait(h, waiting, passed_on ? wait_end::passed_on : wait_end::completed);
  }
};

/// Waits until `t` is done (see await_task_op); true if a cancellation of the waiter was
/// passed on to it.
template <class T>
awaitable<bool> wait_done(const task<T>& t, wait_frame frame)
{
  bool forwarded = false;
  state_ptr<task_state_base> awaited(task_access::state(t));
  auto done = boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      initiate_await_task<record_forwarded>{}, boost::asio::use_awaitable, awaited, record_forwarded{&forwarded},
      frame);
  co_await std::move(done);
  co_return forwarded;
}

/// wait_for over an awaitable: it runs as a child coroutine inside the waiting task, under
/// its name (no task of its own, which cost a task state, a registry entry and a post per
/// call), shown in the task table under the wait_for at the caller's line; a timer of the
/// loop's heap cancels it when the timeout passes.
template <class T>
class wait_for_op final : public child_group, public timer_entry {
public:
  wait_for_op(awaitable<T> aw, loop_core& core, std::chrono::steady_clock::duration timeout)
      : child_group(1, true), child(std::move(aw)), core_(core), timeout_(timeout)
  {
  }
  /// The timer goes out of the heap and out of the ready queue (it may have come due in
  /// the step that finished the child).
  ~wait_for_op()
  {
    if (!core_.remove_timer(*this) && list_hook<ready_tag>::linked())
      list_hook<ready_tag>::unlink();
  }
  light_child<T> child;

  /// Arms the timer; throws std::bad_alloc before anything has started.
  void arm() { core_.add_timer(*this, clock::now() + timeout_); }
  bool expired() const noexcept { return expired_; }

  std::size_t branch_count() const noexcept override { return 1; }
  const wait_record* branch(std::size_t) const noexcept override { return child.waits(); }
  std::string detail() const override { return format_seconds(std::chrono::duration<double>(timeout_).count()); }

  void run() override // the timeout passed
  {
    expired_ = true;
    child.cancel();
  }
  void drop() noexcept override {} // the loop closed: this lives in the waiting frame

private:
  void start_children() override { child.start(*this, 0); }
  void cancel_children() noexcept override { child.cancel(); }

  loop_core& core_; // outlives the waiting frame (core_keeper)
  std::chrono::steady_clock::duration timeout_;
  bool expired_ = false;
};

template <class T>
awaitable<T> wait_for_impl(awaitable<T> aw, std::chrono::steady_clock::duration timeout, std::source_location where)
{
  loop_core& core = *loop_access::core(loop_of_coroutine(co_await boost::asio::this_coro::executor));
  wait_for_op<T> op(std::move(aw), core, timeout);
  op.arm();
  // Cancelling the awaiter cancels the inner work; either way it is waited for, and then
  // this throws cancelled_error.
  auto finished = wait_children(op, wait_frame::timed("wait_for", timeout, where));
  co_await std::move(finished);
  // A child that ended by its cancellation holds a cancelled_error (classify_end).
  if (op.expired() && op.child.failure() && is_cancellation(op.child.failure()))
    throw timeout_error();
  if constexpr (std::is_void_v<T>)
    op.child.take(); // rethrows its exception
  else
    co_return op.child.take();
}

template <class T>
awaitable<T> wait_for_impl(task<T> aw, std::chrono::steady_clock::duration timeout, std::source_location where)
{
  event_loop& loop = loop_of_coroutine(co_await boost::asio::this_coro::executor);
  task<T> t = std::move(aw);
  bool expired = false;
  handle timer;
  if (!t.done()) // an inner that already finished returns its result, whatever the timeout
    timer = loop.call_later(timeout, [&expired, t]() mutable {
      expired = true;
      t.cancel();
    });
  struct cancel_timer {
    handle& h;
    ~cancel_timer() { h.cancel(); }
  } guard{timer};
  // Cancelling the awaiter cancels the inner work; either way it is waited for.
  const bool forwarded = co_await wait_done(t, wait_frame::timed("wait_for", timeout, where));
  if (forwarded)
    throw cancellation_of(current_task_state());
  if (expired && t.cancelled())
    throw timeout_error();
  co_return finished_value(t);
}

/// Waits for a task without letting the waiter's cancellation reach it.
template <class Handler>
class shield_op final : public done_waiter, public queued_resumption<shield_op<Handler>>, public recycled_allocation {
public:
  explicit shield_op(Handler&& h) : handler_(std::move(h)) {}
  void start(task_state_base& shielded, const wait_frame& frame)
  {
    set_awaiting_task(this->begin_wait(frame).task);
    auto slot = boost::asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected())
      slot.template emplace<leave>(leave{this});
    shielded.add_waiter(*this);
  }
  void on_done(loop_task&) noexcept override { finish(false); }
  void discard() noexcept override { delete this; }

private:
  struct leave {
    shield_op* op;
    void operator()(boost::asio::cancellation_type_t) const
    {
      // Its place among the task's done-waiters (the ready queue has a hook too).
      if (op->done_waiter::linked()) { // the awaiter leaves; the task runs on
        op->done_waiter::unlink();
        op->finish(true);
      }
    }
  };
  void finish(bool cancelled) noexcept
  {
    cancelled_ = cancelled;
    this->resume_later();
  }

public:
  Handler& handler() noexcept { return handler_; }
  void complete(task_state_base* task) { resume_wait(handler_, task, cancelled_ ? wait_end::cancelled : wait_end::completed); }

private:
  Handler handler_;
  bool cancelled_ = false;
};

struct initiate_shield {
  template <class Handler>
  void operator()(Handler&& h, state_ptr<task_state_base> shielded, const wait_frame& frame) const
  {
    auto* op = new shield_op<std::decay_t<Handler>>(std::forward<Handler>(h));
    op->start(*shielded, frame);
  }
};

/// Waits (without raising or cancelling anything) until `when` is met, `timeout` passed,
/// or the waiter is cancelled (then cancelled_error).
ASYNCPP_DECL awaitable<void> wait_states(std::vector<state_ptr<task_state_base>> states, return_when when,
                                        std::optional<std::chrono::steady_clock::duration> timeout,
                                        wait_frame frame);
/// wait_states(..., return_when::first_completed, ...).
ASYNCPP_DECL awaitable<void> wait_first_state(std::vector<state_ptr<task_state_base>> states,
                                             std::optional<std::chrono::steady_clock::duration> timeout,
                                             wait_frame frame);

template <class T>
std::vector<state_ptr<task_state_base>> states_of(const std::vector<task<T>>& ts)
{
  std::vector<state_ptr<task_state_base>> out;
  out.reserve(ts.size());
  for (auto& t : ts)
    out.emplace_back(checked_state(task_access::state(t)));
  return out;
}

/// The shared state of one as_completed() range: tasks in the order they finish.
template <class T>
class completion_order {
public:
  completion_order(std::vector<task<T>> ts, std::optional<std::chrono::steady_clock::duration> timeout,
                   std::source_location where)
      : tasks_(std::move(ts)), creator_(current_task_state()),
        frame_(wait_frame::counted("as_completed", tasks_.size(), where))
  {
    if (timeout)
      deadline_ = std::chrono::steady_clock::now() + *timeout;
    for (auto& t : tasks_)
    {
      auto& waiter = order_.emplace_back(this, t);
      waiter.set_awaiting_task(creator_.get());
      checked_state(task_access::state(t))->add_waiter(waiter);
    }
  }
  completion_order(const completion_order&) = delete;
  completion_order& operator=(const completion_order&) = delete;
  ~completion_order()
  {
    for (auto& w : order_)
      w.unlink();
  }
  std::size_t size() const noexcept { return tasks_.size(); }

  /// The next task to finish: its value, or its exception; timeout_error after the deadline.
  static awaitable<T> next(std::shared_ptr<completion_order> self)
  {
    while (self->finished_.empty()) {
      std::optional<std::chrono::steady_clock::duration> left;
      if (self->deadline_) {
        left = *self->deadline_ - std::chrono::steady_clock::now();
        if (*left <= std::chrono::steady_clock::duration::zero())
          throw timeout_error();
      }
      std::vector<state_ptr<task_state_base>> pending;
      for (auto& t : self->tasks_)
        if (!t.done())
          pending.emplace_back(task_access::state(t));
      co_await wait_first_state(std::move(pending), left, self->frame_);
    }
    task<T> t = std::move(self->finished_.front());
    self->finished_.pop_front();
    co_return finished_value(t);
  }

private:
  struct order_waiter final : done_waiter {
    order_waiter(completion_order* o, const task<T>& t) : owner(o), task_(t) {}
    completion_order* owner;
    task<T> task_;
    void on_done(loop_task&) noexcept override { owner->finished_.push_back(task_); }
    void discard() noexcept override {}
  };
  std::vector<task<T>> tasks_;
  std::deque<order_waiter> order_;
  std::deque<task<T>> finished_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  state_ptr<task_state_base> creator_; // the awaiter in call graphs (held: a range may outlive it)
  wait_frame frame_;
};

} // namespace detail

} // namespace asyncpp

#endif
