// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The type-independent core of gather(): waiting for children, failing fast, cancellation.

#include <asyncpp/detail/resumer.hpp>
#include <asyncpp/gather.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

namespace asyncpp::detail {

namespace {

/// The bookkeeping of one gather: lives in the gather_children frame, which it can destroy
/// (when the loop closes with children pending) only through its resumer.
class gather_op {
public:
  gather_op(std::vector<state_ptr<task_state_base>> children, bool return_exceptions)
      : children_(std::move(children)), waiters_(std::make_unique<child_waiter[]>(children_.size())),
        remaining_(children_.size()), return_exceptions_(return_exceptions)
  {
  }

  template <class Handler>
  void start(Handler&& handler)
  {
    resumer_ = resumer(std::forward<Handler>(handler));
    if (resumer_.slot().is_connected())
      resumer_.slot().emplace<outside_cancel>(this);
    for (std::size_t i = 0; i < children_.size(); ++i) {
      waiters_[i].op = this;
      children_[i]->add_waiter(waiters_[i]); // a child already done reports at once
    }
  }

  const std::exception_ptr& first_error() const noexcept { return first_error_; }

private:
  struct child_waiter final : done_waiter {
    gather_op* op = nullptr;
    void on_done(task_state_base& child) noexcept override { op->child_done(child); }
    void discard() noexcept override { op->child_discarded(); }
  };

  struct outside_cancel {
    gather_op* op;
    void operator()(boost::asio::cancellation_type_t) const { op->cancel_from_outside(); }
  };

  void child_done(task_state_base& child) noexcept
  {
    --remaining_;
    // failure() marks the exception retrieved: gather passes it on or returns it.
    std::exception_ptr e = child.failure();
    if (e && !return_exceptions_ && !first_error_ && !outside_cancel_) {
      first_error_ = e;
      cancel_children();
    }
    if (remaining_ == 0 && resumer_)
      resumer_.resume(true, outside_cancel_, outside_signalled_, child.executor());
  }

  void cancel_from_outside()
  {
    outside_signalled_ = true;
    if (!first_error_)
      outside_cancel_ = true;
    cancel_children();
  }

  void cancel_children()
  {
    for (auto& child : children_)
      if (!child->done())
        child->cancel({});
  }

  // The loop closes while children are pending: once every pending child has let go,
  // destroy the suspended gather (this object goes with its frame: touch nothing after).
  void child_discarded() noexcept
  {
    if (--remaining_ == 0)
      resumer_.reset();
  }

  std::vector<state_ptr<task_state_base>> children_;
  std::unique_ptr<child_waiter[]> waiters_;
  std::size_t remaining_;
  bool return_exceptions_;
  bool outside_cancel_ = false;    // an outside cancellation came before any failure
  bool outside_signalled_ = false; // the outside cancellation reached this gather
  std::exception_ptr first_error_;
  resumer resumer_;
};

} // namespace

awaitable<void> gather_children(std::vector<state_ptr<task_state_base>> children, bool return_exceptions)
{
  namespace asio = boost::asio;
  if (children.empty())
    co_return;
  gather_op op(std::move(children), return_exceptions);
  auto all_done = asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      [&op](auto handler) { op.start(std::move(handler)); }, asio::use_awaitable);
  co_await std::move(all_done); // throws cancelled_error when cancelled from outside first
  if (op.first_error())
    std::rethrow_exception(op.first_error());
}

} // namespace asyncpp::detail
