// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_SYNC_HPP
#define ASYNCPP_DETAIL_SYNC_HPP

#include <asyncpp/detail/intrusive_list.hpp>
#include <asyncpp/detail/resumption.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <memory>
#include <utility>

// The machinery of <asyncpp/sync.hpp>, which queue.hpp, task_group.hpp and the streams use
// too: a list of coroutines suspended in a primitive, woken in order.

namespace asyncpp::detail {

/// A coroutine suspended in a synchronization primitive (event, lock, queue, ...).
class list_waiter : public list_hook<> {
public:
  /// The primitive hands this waiter a wake-up (it has moved to the list's handed-over part).
  virtual void wake() noexcept = 0;
  /// wake() that resumes the coroutine inline when the caller runs a step of its loop on
  /// its thread (an I/O completion), else in a later step.
  virtual void wake_here() = 0;
  /// The primitive goes away with the waiter still suspended: destroy its coroutine.
  virtual void discard() noexcept = 0;

protected:
  list_waiter() = default;
  ~list_waiter() { unlink(); }
};

/// The FIFO of a primitive's waiters: intrusive, so waiting allocates only the wait itself.
/// A woken waiter stays known to the list until it has resumed: if the primitive goes
/// first, the waiter finds itself unlinked and does not hand back what it was given.
class waiter_list {
public:
  waiter_list() = default;
  waiter_list(const waiter_list&) = delete;
  waiter_list& operator=(const waiter_list&) = delete;
  ~waiter_list()
  {
    discard_all();
    while (handed_.pop_front()) { // woken waiters on their way: the primitive is gone
    }
  }

  bool empty() const noexcept { return waiting_.empty(); }
  std::size_t size() const noexcept { return waiting_.size(); }

  void push_back(list_waiter& w) noexcept { waiting_.push_back(w); }
  /// Wakes the longest waiting; false if nobody waits.
  bool wake_one() noexcept
  {
    list_waiter* w = hand_over();
    if (w)
      w->wake();
    return w != nullptr;
  }
  /// wake_one() resuming inline (see list_waiter::wake_here): the caller's state must be
  /// consistent, since the woken coroutine runs before this returns.
  bool wake_one_here()
  {
    list_waiter* w = hand_over();
    if (w)
      w->wake_here();
    return w != nullptr;
  }
  void wake_all() noexcept
  {
    while (wake_one()) {
    }
  }
  void discard_all() noexcept
  {
    while (list_waiter* w = waiting_.pop_front())
      w->discard();
  }

private:
  /// The longest waiting, moved to the handed-over part; null if nobody waits.
  list_waiter* hand_over() noexcept
  {
    list_waiter* w = waiting_.pop_front();
    if (w)
      handed_.push_back(*w);
    return w;
  }

  intrusive_list<list_waiter> waiting_;
  intrusive_list<list_waiter> handed_; // woken, not resumed yet
};

/// One wait in a waiter_list. Cancelled while linked, it leaves the list and throws
/// cancelled_error. Woken, it resumes in a step of its own; if a cancellation reaches it
/// before that step (Python's "cancelled while being woken"), it throws cancelled_error
/// and calls `abandon()`, which passes what it was handed (a lock, a unit, an item's
/// wake-up, a notification) on to the next waiter: nothing is consumed by a waiter that
/// does not go on.
template <class Handler, class Abandon>
class list_wait_op final : public list_waiter,
                           public queued_resumption<list_wait_op<Handler, Abandon>>,
                           public recycled_allocation {
public:
  list_wait_op(Handler&& h, Abandon abandon) : handler_(std::move(h)), abandon_(std::move(abandon)) {}

  void start(waiter_list& list)
  {
    list.push_back(*this);
    auto slot = boost::asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected())
      slot.template emplace<cancel_wait>(cancel_wait{this});
  }
  void wake() noexcept override
  {
    woken_ = true;
    finish(false);
  }
  void wake_here() override
  {
    woken_ = true;
    cancelled_while_waiting_ = false;
    this->resume_here();
  }
  void discard() noexcept override { delete this; }

private:
  struct cancel_wait {
    list_wait_op* op;
    void operator()(boost::asio::cancellation_type_t) const
    {
      if (!op->woken_) { // else it was woken and is on its way: the step below decides
        op->list_waiter::unlink(); // its place in the waiter list (the ready queue has a hook too)
        op->finish(true);
      }
    }
  };

  // The op lives until its step has run (the slot handler may still point at it).
  void finish(bool cancelled_while_waiting) noexcept
  {
    cancelled_while_waiting_ = cancelled_while_waiting;
    this->resume_later();
  }

public:
  Handler& handler() noexcept { return handler_; }
  void complete(task_state_base* task)
  {
    const bool cancelled =
        take_cancellation(handler_, task, cancelled_while_waiting_ ? wait_end::cancelled : wait_end::completed);
    const bool primitive_alive = linked(); // in its list's handed-over part
    unlink();
    if (cancelled && !cancelled_while_waiting_ && primitive_alive)
      abandon_();
    std::move(handler_)(cancelled ? cancellation_ptr_of(task) : std::exception_ptr());
  }

private:
  Handler handler_;
  Abandon abandon_;
  bool woken_ = false;
  bool cancelled_while_waiting_ = false;
};

struct initiate_list_wait {
  template <class Handler, class Abandon>
  void operator()(Handler&& h, waiter_list* list, Abandon abandon, const wait_frame& frame) const
  {
    auto* op = new list_wait_op<std::decay_t<Handler>, Abandon>(std::forward<Handler>(h), std::move(abandon));
    op->begin_wait(frame);
    op->start(*list);
  }
};

/// Suspends the calling coroutine in `list` until woken (see list_wait_op); `frame` is
/// what the wait shows in a task's call graph.
template <class Abandon>
awaitable<void> wait_in(waiter_list& list, Abandon abandon, const wait_frame& frame)
{
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      initiate_list_wait{}, boost::asio::use_awaitable, &list, std::move(abandon), frame);
}

} // namespace asyncpp::detail

#endif
