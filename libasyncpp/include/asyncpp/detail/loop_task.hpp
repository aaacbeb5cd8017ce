// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// What an event loop needs of a task, which it keeps without knowing it: the interface
// between the loop's layer and the task's (task_state_base implements it), so that both
// includes and calls point from the task down to the loop.
#ifndef ASYNCPP_DETAIL_LOOP_TASK_HPP
#define ASYNCPP_DETAIL_LOOP_TASK_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/detail/introspect.hpp>
#include <asyncpp/detail/intrusive_list.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

namespace asyncpp {

class event_loop;

namespace detail {

class loop_task;

/// Something that waits for a task to finish: an awaiter, gather, run_until_complete.
/// Waiters are linked into the task (no allocation of their own) and are told exactly
/// once: on_done() when the task finishes, or discard() when the loop closes while the
/// task is still pending (the waiter must then destroy what it suspended).
class done_waiter : public list_hook<> {
public:
  virtual void on_done(loop_task& task) noexcept = 0;
  virtual void discard() noexcept = 0;
  /// Removes the waiter from its task without telling it anything.
  void unlink() noexcept
  {
    list_hook::unlink();
    owner_ = nullptr;
  }
  /// The task this waiter waits for while linked.
  loop_task* owner_task() const noexcept { return owner_; }
  /// The task on whose behalf it waits (an awaiter's, a gather's or task_group's owner),
  /// which call graphs show as awaiting the owner; null for none (run_until_complete).
  loop_task* awaiting_task() const noexcept { return awaiting_; }
  void set_awaiting_task(loop_task* t) noexcept { awaiting_ = t; }

protected:
  done_waiter() = default;
  ~done_waiter() = default;

private:
  friend class loop_task;
  loop_task* owner_ = nullptr;
  loop_task* awaiting_ = nullptr;
};

/// The tag of the hook that links a task into its loop's registry of unfinished tasks.
struct registry_tag {};

/// A task as its loop sees it: kept in the loop's registry (by a reference) until it
/// finishes, waited for by run_until_complete, cancelled and reported by run()'s shutdown,
/// detached by close(). Reference counts are plain integers: a task belongs to one loop and
/// is only touched on that loop's thread (as in Python), so atomics would be paid for nothing.
class ASYNCPP_DECL loop_task : public list_hook<registry_tag> {
public:
  loop_task(const loop_task&) = delete;
  loop_task& operator=(const loop_task&) = delete;

  void add_ref() noexcept { ++refs_; }
  void release() noexcept
  {
    if (--refs_ == 0)
      delete this;
  }

  bool done() const noexcept { return done_; }
  /// Who waits for this task now, in the order they came.
  const intrusive_list<done_waiter>& waiters() const noexcept { return waiters_; }
  /// The loop, or null once it closed with this task pending.
  event_loop* loop() const noexcept { return loop_; }

  /// Links `w`; it is told when the task finishes (at once, through on_done, if it has).
  void add_waiter(done_waiter& w) noexcept
  {
    if (done_) {
      w.on_done(*this);
      return;
    }
    w.owner_ = this;
    waiters_.push_back(w);
  }

  /// Requests cancellation (task::cancel()); false if the task is already done.
  virtual bool cancel(std::string message) = 0;
  /// For run()'s shutdown, once the task has finished: an exception nobody retrieved goes
  /// to the loop's exception handler.
  virtual void report_unretrieved_at_shutdown() noexcept = 0;
  /// The loop closes with this task pending: waiters and callbacks are dropped (which
  /// destroys the coroutine frames suspended on them) and the task forgets the loop.
  virtual void detach_from_loop() noexcept = 0;

protected:
  explicit loop_task(event_loop& loop) noexcept : loop_(&loop) {}
  virtual ~loop_task() = default;

  /// Enters the loop's registry, which keeps a reference until leave_registry().
  void join_registry() noexcept;
  /// Leaves the registry (if still in it).
  void leave_registry() noexcept;
  /// Marks the task done and tells every waiter, in the order they came.
  void notify_done() noexcept
  {
    done_ = true;
    while (done_waiter* w = waiters_.front()) {
      w->unlink();
      w->on_done(*this);
    }
  }
  /// Forgets the loop and tells every waiter it will never be told (close()).
  void forget_loop() noexcept
  {
    loop_ = nullptr;
    while (done_waiter* w = waiters_.front()) {
      w->unlink();
      w->discard();
    }
  }

private:
  std::size_t refs_ = 0;
  event_loop* loop_;
  bool done_ = false;
  intrusive_list<done_waiter> waiters_;
};

/// What the step running on this thread runs: the task current in it (current_task()),
/// and, when the step resumes one of asyncpp's own coroutines (a task's, or a gather
/// child's under its task's name), that coroutine's thread (its bottom frame) and record.
/// The coroutine's next wait then learns where it resumes from here instead of asking its
/// handler's type-erased executor (a copy and two type checks: 50 of the 80 instructions
/// of a sleep(0)'s resume_point_of; callgrind, asyncpp-bench yield; see resumption.hpp).
///
/// Never stale: a step names only the coroutine it resumes or starts, and the scope ends
/// as soon as that coroutine suspends or ends (its frame gone, the next frame may be made
/// at its address); what runs in between (its finish: waiters and callbacks are queued,
/// not run) starts no coroutine of ours.
struct step_context {
  loop_task* task = nullptr;
  coroutine_id thread{}; ///< null: no coroutine of ours known to run in this step
  wait_record* waits = nullptr;
  bool borrowed = false;
};

/// This thread's step_context: a variable rather than a function of the library, read at
/// every step and every wait (an exported function call cost 6 instructions each time);
/// exported in shared builds, so the library and its users share one.
ASYNCPP_DECL inline thread_local step_context current_step_context;

inline step_context& current_step() noexcept
{
  return current_step_context;
}

/// The task whose coroutine is executing on this thread right now (null outside tasks).
inline loop_task*& current_loop_task() noexcept
{
  return current_step().task;
}

/// Sets current_step() for the duration of a step, restoring the previous one.
class current_task_scope {
public:
  /// A step of `t` (or of no task), whose coroutine is not known.
  explicit current_task_scope(loop_task* t) noexcept : slot_(current_step()), saved_(slot_) { slot_ = {t}; }
  /// A step resuming the coroutine whose record is `waits` (its own: a task's, or a
  /// gather child's, `borrowed`), under `t`'s name.
  current_task_scope(loop_task* t, wait_record* waits, bool borrowed) noexcept : slot_(current_step()), saved_(slot_)
  {
    slot_ = {t, waits ? waits->thread() : coroutine_id{}, waits, borrowed};
  }
  current_task_scope(const current_task_scope&) = delete;
  current_task_scope& operator=(const current_task_scope&) = delete;
  ~current_task_scope() { slot_ = saved_; }

private:
  step_context& slot_;
  step_context saved_;
};

/// How a counted_ptr holds its object: as a plain reference.
struct count_reference {
  template <class T>
  static void acquire(T* p) noexcept
  {
    p->add_ref();
  }
  template <class T>
  static void release(T* p) noexcept
  {
    p->release();
  }
};

/// Intrusive pointer to a task (one allocation per task, no atomics).
template <class State, class Count = count_reference>
class counted_ptr {
public:
  counted_ptr() noexcept = default;
  explicit counted_ptr(State* p) noexcept : p_(p)
  {
    if (p_)
      Count::acquire(p_);
  }
  counted_ptr(const counted_ptr& o) noexcept : counted_ptr(o.p_) {}
  counted_ptr(counted_ptr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  template <class Other, class = std::enable_if_t<std::is_convertible_v<Other*, State*>>>
  counted_ptr(const counted_ptr<Other, Count>& o) noexcept : counted_ptr(o.get())
  {
  }
  counted_ptr& operator=(counted_ptr o) noexcept
  {
    std::swap(p_, o.p_);
    return *this;
  }
  ~counted_ptr()
  {
    if (p_)
      Count::release(p_);
  }
  State* get() const noexcept { return p_; }
  State* operator->() const noexcept { return p_; }
  State& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

private:
  State* p_ = nullptr;
};

/// What the library holds on a task.
template <class State>
using state_ptr = counted_ptr<State, count_reference>;

} // namespace detail
} // namespace asyncpp

#endif
