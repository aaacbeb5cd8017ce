// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_RESUMPTION_HPP
#define ASYNCPP_DETAIL_RESUMPTION_HPP

#include <asyncpp/detail/coroutine_thread.hpp>
#include <asyncpp/detail/loop_core.hpp>
#include <asyncpp/detail/task_executor.hpp>
#include <asyncpp/detail/task_state.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

// How an asyncpp wait resumes the coroutine that began it: where (resume_point), under
// which task, by which rules of cancellation, and the handler's holder (resumer).

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
  wait_record* waits = nullptr;    // where the coroutine's waits are recorded (a task's)
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
  // The coroutine that this step resumed (current_step()) begins its next wait: known.
  const coroutine_id thread = coroutine_thread_of(h);
  if (thread) {
    const step_context& running = current_step();
    if (running.thread == thread) {
      resume_point rp;
      rp.task = static_cast<task_state_base*>(running.task); // every loop_task is one
      rp.core = &rp.task->core();
      rp.borrowed = running.borrowed;
      rp.waits = running.waits;
      return rp;
    }
  }
  auto ex = boost::asio::get_associated_executor(h);
  if constexpr (std::is_same_v<decltype(ex), boost::asio::any_io_executor>) {
    if (const auto* te = ex.template target<task_executor>()) {
      // On a task's executor: the task's own coroutine, or one spawned on that executor
      // (resumed as a coroutine of the loop, under no task's name), or anything after the
      // task ended (the loop's own work).
      resume_point rp;
      rp.core = &te->core();
      const anchored live = te->read();
      if (live.waits && (!thread || !live.waits->thread() || thread == live.waits->thread())) {
        rp.task = live.task;
        rp.borrowed = live.borrowed;
        rp.waits = live.waits;
      }
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

/// Notes the wait a task's coroutine begins (introspect.hpp); nothing for other coroutines,
/// nor for a frame without a name. `frame` is an argument async_initiate keeps (see
/// wait_record).
inline void note_wait(const resume_point& rp, const wait_frame& frame) noexcept
{
  if (rp.waits && frame.what)
    rp.waits->began(frame);
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
  std::move(h)(cancelled ? cancellation_ptr_of(task) : std::exception_ptr());
}

/// A suspended wait's resumption as an item of its loop's ready queue: the wait object,
/// allocated when the wait began, is the item, so waking it (from finish(), a primitive's
/// release, a cancellation handler: paths that must not fail) only links it. `Op` derives
/// from it, is heap-allocated, provides handler() and complete(task), which calls the
/// handler; from resume_later() on, this base owns it and deletes it once it has run.
/// `Item`: ready_item, or a class derived from it that Op is used through.
template <class Op, class Item = ready_item>
class queued_resumption : public Item {
public:
  void run() override
  {
    std::unique_ptr<Op> self(static_cast<Op*>(this));
    auto slot = boost::asio::get_associated_cancellation_slot(self->handler());
    if (slot.is_connected())
      slot.clear();
    current_task_scope scope(task_, task_ ? waits_ : nullptr, borrowed_);
    if (waits_)
      waits_->resumed();
    self->complete(borrowed_ ? nullptr : task_);
  }
  void drop() noexcept override { delete static_cast<Op*>(this); }
  step_origin origin() const noexcept override { return {task_, waits_}; }

  /// The wait begins: notes it in the coroutine's record (introspect.hpp) and remembers
  /// where the coroutine resumes. `frame` is an argument async_initiate keeps.
  resume_point begin_wait(const wait_frame& frame)
  {
    const resume_point rp = resume_point_of(static_cast<Op&>(*this).handler());
    note_wait(rp, frame);
    locate(rp);
    return rp;
  }

  /// Where the coroutine resumes, computed by the wait's initiation (`rp` of the same
  /// handler): resume_later() and resume_here() then use it instead of asking the
  /// handler's type-erased executor again (about 45 instructions a wait, callgrind).
  void locate(const resume_point& rp) noexcept
  {
    if (rp.core) {
      core_ = rp.core;
      task_ = rp.task;
      borrowed_ = rp.borrowed;
      waits_ = rp.waits;
    }
  }

protected:
  queued_resumption() = default;
  ~queued_resumption() = default;

  /// Runs complete() in a later step: queued on the loop of the coroutine's task, or
  /// posted to the handler's executor (`fallback` when it has none) for a coroutine that
  /// is no task's, which allocates (on failure the coroutine is destroyed, with a line on
  /// stderr: this path never throws).
  template <class Fallback = boost::asio::system_executor>
  void resume_later(const Fallback& fallback = {}) noexcept
  {
    Op& op = static_cast<Op&>(*this);
    resume_point rp;
    if (!core_) {
      rp = resume_point_of(op.handler());
      locate(rp);
    }
    if (core_) {
      core_->schedule(*this);
      return;
    }
    try {
      std::unique_ptr<Op> self(&op);
      if (rp.native)
        boost::asio::post(*rp.native, foreign_step{std::move(self)});
      else
        boost::asio::post(boost::asio::get_associated_executor(op.handler(), fallback), foreign_step{std::move(self)});
    } catch (...) {
      std::fputs("asyncpp: out of memory while resuming a coroutine: it was destroyed\n", stderr);
    }
  }

  /// complete() inline when the caller already runs a step of the coroutine's loop on its
  /// thread (the return of a function from a thread pool), else resume_later().
  void resume_here()
  {
    bool here = core_ && core_->running_in_this_thread();
    if (!core_) {
      const resume_point rp = resume_point_of(static_cast<Op&>(*this).handler());
      locate(rp);
      here = rp.running_in_this_thread(); // also a plain coroutine on its io_context's thread
    }
    if (here)
      run();
    else
      resume_later();
  }

private:
  struct foreign_step {
    std::unique_ptr<Op> op;
    void operator()()
    {
      auto slot = boost::asio::get_associated_cancellation_slot(op->handler());
      if (slot.is_connected())
        slot.clear();
      op->complete(nullptr);
    }
  };

  loop_core* core_ = nullptr;       // set by locate(): the coroutine's task's loop
  task_state_base* task_ = nullptr; // the coroutine's task, marked current while it runs
  bool borrowed_ = false;           // running under the task's name (a gather child)
  wait_record* waits_ = nullptr;    // the coroutine's record, cleared as it resumes
};

/// Owns the completion handler (signature void(std::exception_ptr)) of a suspended
/// asyncpp wait. Our own holder because asio::any_completion_handler misbehaves when moved
/// into a posted lambda; allocated when the wait begins, so resuming never allocates (it
/// only queues, see queued_resumption). Destroying an unresumed resumer destroys the
/// suspended coroutine.
class resumer {
public:
  resumer() noexcept = default;
  /// With where the handler resumes, as the initiation computed it (see queued_resumption::locate).
  template <class Handler>
  resumer(Handler&& h, const resume_point& rp)
  {
    auto located = std::make_unique<impl<std::decay_t<Handler>>>(std::forward<Handler>(h));
    located->locate(rp);
    impl_ = std::move(located);
  }

  /// A wait begins (queued_resumption::begin_wait): holds the handler, notes the wait in
  /// the coroutine's record and returns where the coroutine resumes.
  template <class Handler>
  resume_point begin(Handler&& h, const wait_frame& frame)
  {
    auto held = std::make_unique<impl<std::decay_t<Handler>>>(std::forward<Handler>(h));
    const resume_point rp = held->begin_wait(frame);
    impl_ = std::move(held);
    return rp;
  }

  explicit operator bool() const noexcept { return impl_ != nullptr; }

  /// The handler's cancellation slot (may be unconnected).
  boost::asio::cancellation_slot slot() const noexcept { return impl_->slot(); }

  /// Whether resuming clears the handler's cancellation slot now: `keep` when called from
  /// the slot's own cancellation handler, which must not destroy itself while running (the
  /// slot is cleared in the step that resumes the coroutine).
  enum class slot_action { clear, keep };

  /// Resumes the coroutine in a later step (see take_cancellation for `end`).
  void resume(slot_action slot, wait_end end) noexcept
  {
    base* p = impl_.release();
    if (slot == slot_action::clear)
      clear_slot(*p);
    p->resume(end, resume_mode::later);
  }

  /// resume() from a step that already runs on its own on the loop's thread: the
  /// coroutine resumes inline instead of in one more step.
  void resume_here()
  {
    base* p = impl_.release();
    clear_slot(*p);
    p->resume(wait_end::completed, resume_mode::here_if_on_loop);
  }

  /// Destroys the handler (and the coroutine suspended on it) without resuming it.
  void reset() noexcept { impl_.reset(); }

private:
  enum class resume_mode { later, here_if_on_loop };
  // The ready item itself, so that a wait's block has one vtable pointer and no cached
  // slot: 144 -> 112 bytes with Asio's recycling allocator, for every suspended wait.
  struct base : ready_item {
    virtual ~base() = default;
    /// Hands itself over to the loop (or runs now): the caller no longer owns it.
    virtual void resume(wait_end end, resume_mode mode) = 0;
    virtual boost::asio::cancellation_slot slot() const noexcept = 0;
  };
  static void clear_slot(const base& p) noexcept
  {
    auto slot = p.slot();
    if (slot.is_connected())
      slot.clear();
  }
  template <class Handler>
  struct impl final : queued_resumption<impl<Handler>, base>, recycled_allocation {
    explicit impl(Handler&& h) : handler_(std::move(h)) {}
    boost::asio::cancellation_slot slot() const noexcept override
    {
      return boost::asio::get_associated_cancellation_slot(handler_);
    }
    void resume(wait_end end, resume_mode mode) override
    {
      end_ = end;
      if (mode == resume_mode::here_if_on_loop)
        this->resume_here();
      else
        this->resume_later();
    }
    Handler& handler() noexcept { return handler_; }
    void complete(task_state_base* task) { resume_wait(handler_, task, end_); }

    Handler handler_;
    wait_end end_ = wait_end::completed;
  };
  std::unique_ptr<base> impl_;
};

} // namespace asyncpp::detail

#endif
