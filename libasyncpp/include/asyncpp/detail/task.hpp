// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_TASK_HPP
#define ASYNCPP_DETAIL_TASK_HPP

#include <asyncpp/detail/coroutine_thread.hpp>
#include <asyncpp/detail/resumption.hpp>
#include <asyncpp/detail/task_executor.hpp>
#include <asyncpp/detail/task_state.hpp>
#include <asyncpp/event_loop.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <source_location>
#include <string>
#include <utility>

// The machinery of <asyncpp/task.hpp>: starting a task's coroutine thread, ending it
// exactly once, and awaiting a task from another coroutine.

namespace asyncpp::detail {

/// The Asio completion signature of awaiting a task<T>.
template <class T>
struct task_signature {
  using type = void(std::exception_ptr, T);
};
template <>
struct task_signature<void> {
  using type = void(std::exception_ptr);
};

/// How asyncpp's combinators (gather, wait, task_group, the loop) reach a task's state,
/// which task<T> keeps private.
struct task_access {
  template <class T>
  static task_state<T>* state(const task<T>& t) noexcept
  {
    return t.state();
  }
  /// A task_handle's state (a template: task_handle is defined in task.hpp).
  template <class Handle>
  static task_state_base* handle_state(const Handle& h) noexcept
  {
    return h.ref_.get();
  }
};
/// task_access::state as a function: impl/event_loop.hpp names it before task.hpp is seen.
template <class T>
task_state<T>* task_state_of(const task<T>& t) noexcept
{
  return task_access::state(t);
}

/// A task whose frame is destroyed before it ends, while its loop is open (a primitive it
/// waited on was destroyed under it), ends cancelled rather than pending forever.
ASYNCPP_DECL void frame_destroyed(task_state_base& state) noexcept;

/// run_to_end()'s outcome for a task: its body (an awaitable, or a function returning
/// one, which lives in the bottom frame as long as its coroutine), and the task it ends
/// exactly once: finished, or, when the frame is destroyed first, with frame_destroyed().
template <class T, class Body>
class task_end {
public:
  task_end(state_ptr<task_state<T>> s, Body body) : state_(std::move(s)), body_(std::move(body)) {}
  task_end(task_end&&) = default;
  task_end& operator=(task_end&&) = delete;
  ~task_end()
  {
    if (state_)
      frame_destroyed(*state_);
  }
  decltype(auto) body()
  {
    if constexpr (is_awaitable<Body>::value)
      return std::move(body_);
    else
      return body_();
  }
  template <class... V>
  void set_value(V&&... v)
  {
    if constexpr (sizeof...(V) != 0) // a void task keeps no value
      state_->set_value(std::forward<V>(v)...);
  }
  void finished(const std::exception_ptr& e)
  {
    auto s = std::move(state_);
    s->finish(e);
  }

private:
  state_ptr<task_state<T>> state_;
  Body body_;
};

/// The posted first step of a task (started inline, it would run inside its creator's step).
template <class T, class Body>
struct task_start {
  state_ptr<task_state<T>> state;
  Body body;

  step_origin origin() const noexcept { return {state.get(), nullptr}; }

  void operator()()
  {
    if (!state->begin())
      return;
    task_anchor* anchor = nullptr;
    try {
      anchor = &state->take_anchor();
    } catch (...) {
      state->finish(std::current_exception()); // no memory for its first step: it fails with bad_alloc
      return;
    }
    const boost::asio::any_io_executor ex = task_executor(state->executor(), *anchor);
    const boost::asio::cancellation_slot slot = state->cancellation_slot();
    // Its first step is this one.
    launch_coroutine_thread(run_to_end<T>::run(cached_frame, task_end<T, Body>(state, std::move(body))), ex, slot, slot,
                            state->waits(), state.get());
  }
};

template <class T, class Body>
task<T> spawn_task(event_loop& loop, Body body, std::string name, const std::source_location& where)
{
  auto* raw = new task_state<T>(loop);
  state_ptr<task_state<T>> state(raw);
  if (!name.empty())
    state->set_name(std::move(name));
  state->set_created_at(where);
  task<T> handle(raw);
  // The step holds the state, which keeps the core alive.
  try {
    loop_access::core(loop)->post(task_start<T, Body>{std::move(state), std::move(body)});
  } catch (...) {
    frame_destroyed(*raw); // it will never start: it ends cancelled, as a task whose frame went
    throw;
  }
  return handle;
}

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
