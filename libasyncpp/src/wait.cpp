// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// wait()'s core: a waiter on each task, an optional timer, and the waiter's cancellation.

#include <asyncpp/detail/resumption.hpp>
#include <asyncpp/wait.hpp>

#include <boost/asio/steady_timer.hpp>

namespace asyncpp::detail {

namespace {

namespace asio = boost::asio;

/// Lives in the wait_states frame; unlinks everything it linked before it resumes it.
class wait_op {
public:
  wait_op(std::vector<state_ptr<task_state_base>> states, return_when when)
      : states_(std::move(states)), waiters_(std::make_unique<state_waiter[]>(states_.size())),
        pending_(states_.size()), when_(when)
  {
  }

  template <class Handler>
  void start(Handler&& handler, std::optional<std::chrono::steady_clock::duration> timeout, const wait_frame& frame)
  {
    const resume_point rp = resumer_.begin(std::forward<Handler>(handler), frame);
    loop_ = rp.io_executor_or_running_loop();
    core_ = rp.core;
    if (resumer_.slot().is_connected())
      resumer_.slot().emplace<leave>(leave{this});
    for (std::size_t i = 0; i < states_.size() && !finished_; ++i) {
      waiters_[i].op = this;
      waiters_[i].set_awaiting_task(rp.task);
      states_[i]->add_waiter(waiters_[i]); // a task already done reports at once
    }
    if (!finished_ && (states_.empty() || satisfied()))
      finish(wait_end::completed, resumer::slot_action::clear);
    if (!finished_ && timeout) {
      timer_.emplace(*loop_, *timeout);
      // On expiry the wait returns what is done. A cancelled timer (the wait ended first)
      // touches nothing: this object may be gone by then.
      auto on_expiry = [this](const boost::system::error_code& ec) {
        if (ec != asio::error::operation_aborted && !finished_)
          finish(wait_end::completed, resumer::slot_action::clear);
      };
      loop_core::start_on_loop(core_, [this](auto h) { timer_->async_wait(std::move(h)); }, on_expiry);
    }
  }

private:
  struct state_waiter final : done_waiter {
    wait_op* op = nullptr;
    void on_done(loop_task& t) noexcept override { op->state_done(static_cast<task_state_base&>(t)); }
    void discard() noexcept override { op->state_discarded(); }
  };
  struct leave {
    wait_op* op;
    void operator()(asio::cancellation_type_t) const
    {
      if (!op->finished_)
        op->finish(wait_end::cancelled, resumer::slot_action::keep); // from the slot's own handler
    }
  };

  bool satisfied() const noexcept
  {
    return pending_ == 0 || (when_ == return_when::first_completed && pending_ < states_.size()) ||
           (when_ == return_when::first_exception && failed_);
  }

  void state_done(task_state_base& t) noexcept
  {
    --pending_;
    failed_ = failed_ || t.failed();
    if (!finished_ && satisfied())
      finish(wait_end::completed, resumer::slot_action::clear);
  }

  // The loop closes with tasks pending: once none is left, destroy the waiting frame
  // (this object lives in it: touch nothing after).
  void state_discarded() noexcept
  {
    if (--pending_ == 0 && !finished_)
      resumer_.reset();
  }

  void finish(wait_end end, resumer::slot_action slot) noexcept
  {
    finished_ = true;
    for (std::size_t i = 0; i < states_.size(); ++i)
      waiters_[i].unlink();
    if (timer_)
      timer_->cancel();
    resumer_.resume(slot, end);
  }

  std::vector<state_ptr<task_state_base>> states_;
  std::unique_ptr<state_waiter[]> waiters_;
  std::size_t pending_;
  return_when when_;
  bool failed_ = false;
  bool finished_ = false;
  std::optional<asio::io_context::executor_type> loop_;
  loop_core* core_ = nullptr; // the waiting task's loop, whose strand the timer completes on
  std::optional<asio::steady_timer> timer_;
  resumer resumer_;
};

} // namespace

awaitable<void> wait_states(std::vector<state_ptr<task_state_base>> states, return_when when,
                            std::optional<std::chrono::steady_clock::duration> timeout, wait_frame frame)
{
  wait_op op(std::move(states), when);
  auto done = asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      [&op, timeout, &frame](auto handler) { op.start(std::move(handler), timeout, frame); }, asio::use_awaitable);
  co_await std::move(done);
}

awaitable<void> wait_first_state(std::vector<state_ptr<task_state_base>> states,
                                 std::optional<std::chrono::steady_clock::duration> timeout, wait_frame frame)
{
  return wait_states(std::move(states), return_when::first_completed, timeout, std::move(frame));
}

} // namespace asyncpp::detail
