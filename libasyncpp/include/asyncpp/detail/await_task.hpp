// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_AWAIT_TASK_HPP
#define ASYNCPP_DETAIL_AWAIT_TASK_HPP

#include <asyncpp/detail/resume.hpp>
#include <asyncpp/detail/task_state.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>

#include <utility>

namespace asyncpp::detail {

/// Cancelling a coroutine that waits for a task cancels that task (Python's rule); the
/// waiter keeps waiting and then sees whatever the task ends with.
struct cancel_awaited_task {
  task_state_base* awaited;
  bool* forwarded;
  void operator()(boost::asio::cancellation_type_t) const
  {
    *forwarded = true;
    awaited->cancel({});
  }
};

/// Calls a completion handler on its own executor with arguments computed elsewhere.
template <class Executor, class Handler>
struct call_on {
  Handler handler;
  Executor executor;
  template <class... Args>
  void operator()(Args&&... args)
  {
    boost::asio::post(executor, [h = std::move(handler), ... args = std::decay_t<Args>(std::forward<Args>(args))]() mutable {
      std::move(h)(std::move(args)...);
    });
  }
};

/// One suspended wait for a task: owns the waiter's completion handler until the task is
/// done, then resumes it in a step of its own (see queued_resumption). `Deliver` calls the
/// handler with what the operation's signature asks for.
template <class Handler, class Deliver>
class await_task_op final : public done_waiter,
                            public queued_resumption<await_task_op<Handler, Deliver>>,
                            public recycled_allocation {
public:
  await_task_op(Handler&& h, state_ptr<task_state_base> awaited, Deliver deliver)
      : handler_(std::move(h)), awaited_(std::move(awaited)), deliver_(std::move(deliver))
  {
  }

  /// Takes ownership of itself: deleted once the handler has been called or discarded.
  void start(const wait_frame& frame)
  {
    set_awaiting_task(this->begin_wait(frame).task);
    auto slot = boost::asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected())
      slot.template emplace<cancel_awaited_task>(cancel_awaited_task{awaited_.get(), &forwarded_});
    awaited_->add_waiter(*this);
  }

  void on_done(loop_task&) noexcept override
  {
    auto slot = boost::asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected())
      slot.clear();
    const auto fallback = awaited_->executor();
    if constexpr (Deliver::reads_outcome) {
      const resume_point rp = resume_point_of(handler_);
      if (!rp.core && !rp.native) {
        // A handler with an executor of its own (use_future's, a strand of the user's):
        // the outcome is read here, on the loop, and only the call goes to that executor,
        // so the task's state is never touched from another thread.
        auto ex = boost::asio::get_associated_executor(handler_, fallback);
        call_on<decltype(ex), Handler> call{std::move(handler_), ex};
        deliver_(call, *awaited_, nullptr, forwarded_);
        delete this;
        return;
      }
    }
    this->resume_later(fallback);
  }

  void discard() noexcept override { delete this; }

  Handler& handler() noexcept { return handler_; }
  void complete(task_state_base* waiting) { deliver_(handler_, *awaited_, waiting, forwarded_); }

private:
  Handler handler_;
  state_ptr<task_state_base> awaited_;
  Deliver deliver_;
  bool forwarded_ = false; // a cancellation of the waiter was passed on to the awaited task
};

/// The initiation of every "wait until this task is done" operation.
template <class Deliver>
struct initiate_await_task {
  template <class Handler>
  void operator()(Handler&& h, state_ptr<task_state_base> awaited, Deliver deliver, const wait_frame& frame) const
  {
    auto* op = new await_task_op<std::decay_t<Handler>, Deliver>(std::forward<Handler>(h), std::move(awaited),
                                                                std::move(deliver));
    op->start(frame);
  }
};

/// Resumes a coroutine that waits with signature void(std::exception_ptr): the reader
/// looks at the task's state afterwards. A cancellation that reached this wait was passed
/// on to the awaited task, and the waiter sees how that one ends; one that came after the
/// awaited task had ended is the waiter's own (cancelled_error).
struct resume_awaiter {
  static constexpr bool reads_outcome = false; // the awaiter reads the state once resumed
  template <class Handler>
  void operator()(Handler& h, task_state_base&, task_state_base* waiting, bool forwarded) const
  {
    resume_wait(h, waiting, forwarded ? wait_end::passed_on : wait_end::completed);
  }
};

} // namespace asyncpp::detail

#endif
