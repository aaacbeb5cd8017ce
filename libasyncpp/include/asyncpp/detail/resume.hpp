// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_RESUME_HPP
#define ASYNCPP_DETAIL_RESUME_HPP

#include <asyncpp/detail/loop_core.hpp>
#include <asyncpp/detail/task_executor.hpp>
#include <asyncpp/detail/task_state.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace asyncpp::detail {

/// Where an asyncpp wait resumes its coroutine. For a coroutine on one of our tasks that
/// is a step of the task's loop (core): posted through the loop's own io_context executor
/// (or its strand) with the handler called inline, which costs about half of a post
/// through any_io_executor, which also tracks work and dispatches through the type-erased
/// executor on every step (measured with asyncpp-bench `yield`). A plain coroutine on an
/// io_context (native) is posted there the same way; anything else (a strand of the
/// user's, another execution context) goes through the handler's associated executor.
struct resume_point {
  loop_core* core = nullptr;                                      // a task's coroutine
  std::optional<boost::asio::io_context::executor_type> native; // a plain one on an io_context
  task_state_base* task = nullptr; // marked current while the coroutine runs
  bool borrowed = false;           // running under the task's name (a gather child)
  /// The task whose in-flight cancel() requests this coroutine's waits take.
  task_state_base* cancel_target() const noexcept { return borrowed ? nullptr : task; }
  /// The io_context the coroutine runs on, if it runs on one.
  std::optional<boost::asio::io_context::executor_type> io_executor() const
  {
    if (core)
      return core->io_executor();
    return native;
  }
  /// That io_context, or the running loop's for a coroutine on none (a user's strand):
  /// where a wait that owns its resumption posts it.
  boost::asio::io_context::executor_type io_executor_or_running_loop() const
  {
    if (const auto io = io_executor())
      return *io;
    return loop_access::core(get_running_loop())->io_executor();
  }
  /// True when called from a step in which the coroutine may be resumed inline.
  bool running_in_this_thread() const noexcept
  {
    return core ? core->running_in_this_thread() : native && native->running_in_this_thread();
  }
};

template <class Handler>
resume_point resume_point_of(const Handler& h)
{
  auto ex = boost::asio::get_associated_executor(h);
  if constexpr (std::is_same_v<decltype(ex), boost::asio::any_io_executor>) {
    if (const auto* te = ex.template target<task_executor>()) {
      resume_point rp;
      rp.core = &te->task()->core();
      rp.task = te->task();
      rp.borrowed = te->borrowed();
      return rp;
    }
    if (const auto* native = ex.template target<boost::asio::io_context::executor_type>()) {
      resume_point rp;
      rp.native = *native;
      return rp;
    }
  }
  return {};
}

/// How an asyncpp wait ended, as Python's cancellation rules need to know it.
enum class wait_end {
  completed, ///< woken: a cancellation Asio flagged meanwhile is still the waiter's own
  cancelled, ///< the wait itself took a cancellation
  passed_on, ///< a cancellation reached the wait and went on (to the task it awaits)
};

/// Python's cancellation rules for an asyncpp wait that has ended: true when the wait
/// ends in cancelled_error, that is if it took a cancellation itself, if Asio flagged the
/// coroutine cancelled and the wait did not pass that cancellation on (the emit came while
/// the wait sat in an operation that ignores cancellation, or after the wait had
/// completed), or if cancel() of the waiting task was still in flight when the wait
/// completed. Asio's sticky cancellation state is reset, so that the coroutine may go on
/// awaiting after catching. Runs on the loop thread in a step of its own (never inside the
/// cancellation handler being emitted, which the reset destroys).
template <class Handler>
bool take_cancellation(Handler& h, task_state_base* task, wait_end end) noexcept
{
  bool cancelled = end == wait_end::cancelled;
  if constexpr (requires { h.get_cancellation_state(); }) {
    if (h.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none) {
      cancelled = cancelled || end != wait_end::passed_on;
      h.reset_cancellation_state();
    }
  }
  const bool raced = task && task->take_pending_cancel();
  return cancelled || raced;
}

/// Resumes the waiting coroutine with those rules: cancelled_error or nothing.
template <class Handler>
void resume_wait(Handler& h, task_state_base* task, wait_end end)
{
  const bool cancelled = take_cancellation(h, task, end);
  std::move(h)(cancelled ? std::make_exception_ptr(cancellation_of(task)) : std::exception_ptr());
}

/// Runs `step(task)` later, as a step of its own: posted to the loop and run with the
/// coroutine's task marked current, or posted to `other` (the handler's own executor).
/// `task` is the one whose in-flight cancel() the wait takes (null for a borrowed or
/// foreign coroutine).
template <class Step, class Executor>
void post_step(const resume_point& rp, const Executor& other, Step step)
{
  if (rp.core) {
    // The step holds the coroutine, whose task state keeps the core alive.
    rp.core->post([step = std::move(step), task = rp.task, borrowed = rp.borrowed]() mutable {
      current_task_scope scope(task);
      step(borrowed ? nullptr : task);
    });
  } else if (rp.native) {
    boost::asio::post(*rp.native, [step = std::move(step)]() mutable { step(nullptr); });
  } else {
    boost::asio::post(other, [step = std::move(step)]() mutable { step(nullptr); });
  }
}

/// post_step for a wait object that owns the waiter's handler and must outlive its
/// cancellation slot handler: `self` is kept until `step(*self, task)` has run (or
/// destroyed with the step if the loop closes first).
template <class Op, class Step>
void post_owned_step(std::unique_ptr<Op> self, Step step)
{
  const resume_point rp = resume_point_of(self->handler());
  const auto other = boost::asio::get_associated_executor(self->handler(), boost::asio::system_executor());
  post_step(rp, other, [self = std::move(self), step = std::move(step)](task_state_base* task) mutable {
    auto slot = boost::asio::get_associated_cancellation_slot(self->handler());
    if (slot.is_connected())
      slot.clear();
    step(*self, task);
  });
}

/// Runs `complete(handler, task)` in a later step (see post_step); `fallback` is the
/// executor for handlers without one of their own (e.g. a plain callback).
template <class Handler, class Complete, class Fallback>
void post_completion(Handler&& h, Complete complete, const Fallback& fallback)
{
  const resume_point rp = resume_point_of(h);
  const auto other = boost::asio::get_associated_executor(h, fallback);
  post_step(rp, other, [h = std::forward<Handler>(h), complete = std::move(complete)](task_state_base* task) mutable {
    complete(h, task);
  });
}

/// post_completion for a wait whose outcome is only "resumed" or "cancelled".
template <class Handler, class Fallback>
void post_resume(Handler&& h, wait_end end, const Fallback& fallback)
{
  post_completion(
      std::forward<Handler>(h), [end](auto& handler, task_state_base* task) { resume_wait(handler, task, end); },
      fallback);
}

/// Like post_resume, but resumes inline when already in a step of its own on the loop's
/// thread (the return of a function from a thread pool), saving a second post.
template <class Handler, class Fallback>
void resume_now_or_post(Handler&& h, wait_end end, const Fallback& fallback)
{
  const resume_point rp = resume_point_of(h);
  if (rp.running_in_this_thread()) {
    current_task_scope scope(rp.task);
    resume_wait(h, rp.cancel_target(), end);
    return;
  }
  post_resume(std::forward<Handler>(h), end, fallback);
}

} // namespace asyncpp::detail

#endif
