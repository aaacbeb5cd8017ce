// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_TASK_GROUP_HPP
#define ASYNCPP_TASK_GROUP_HPP

#include <asyncpp/detail/intrusive_list.hpp>
#include <asyncpp/detail/sync.hpp>
#include <asyncpp/event_loop.hpp>
#include <asyncpp/task.hpp>

#include <memory>
#include <exception>
#include <source_location>
#include <string>
#include <utility>
#include <vector>

namespace asyncpp {

/// Python's ExceptionGroup as task_group raises it: every child's exception other than a
/// cancellation, in the order they happened.
class ASYNCPP_DECL exception_group : public std::exception {
public:
  explicit exception_group(std::vector<std::exception_ptr> exceptions);
  const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }
  const char* what() const noexcept override { return what_.c_str(); }

private:
  std::vector<std::exception_ptr> exceptions_;
  std::string what_;
};

/// asyncio.TaskGroup: children fail together, and none outlives wait(). Finished children
/// are forgotten, so a group may live as long as a server.
///
/// Thread safety: belongs to the loop it was made on; use it from that loop's steps.
class ASYNCPP_DECL task_group {
public:
  /// A group on the running loop.
  task_group();
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;
  /// Cancels the children still running if wait() did not complete.
  ~task_group();

  /// A child task; std::runtime_error once wait() has completed.
  template <class T>
  task<T> create_task(awaitable<T> coro, std::string name = {}, std::source_location where = std::source_location::current())
  {
    check_open();
    auto waiter = std::make_unique<child_waiter>(this); // before the task exists: nothing to undo
    return adopt(std::move(waiter), loop_->create_task(std::move(coro), std::move(name), where));
  }
  /// A child task from a callable returning an awaitable (kept alive as by event_loop).
  template <class F, class = std::enable_if_t<!detail::is_awaitable<std::decay_t<F>>::value>>
  auto create_task(F&& f, std::string name = {}, std::source_location where = std::source_location::current())
  {
    check_open();
    auto waiter = std::make_unique<child_waiter>(this);
    return adopt(std::move(waiter), loop_->create_task(std::forward<F>(f), std::move(name), where));
  }

  /// The `async with` exit: waits for every child. Throws exception_group when a child
  /// failed (its siblings were cancelled).
  /// Cancellation: cancels every child and waits for them, then throws cancelled_error
  /// (exception_group instead if a child failed otherwise, as in Python).
  [[nodiscard]] awaitable<void> wait(std::source_location where = std::source_location::current());

private:
  struct child_tag {};
  /// Waits for one running child; linked into the child's state and into the group, and
  /// deleted when the child finishes, so a long-lived group holds only running children
  /// (and failed ones, whose exception it keeps for wait(): a finishing child allocates
  /// nothing).
  struct child_waiter final : detail::done_waiter, detail::list_hook<child_tag> {
    explicit child_waiter(task_group* g) : group(g) {}
    task_group* group;
    std::exception_ptr error;
    void on_done(detail::loop_task& t) noexcept override
    {
      group->child_done(*this, static_cast<detail::task_state_base&>(t)); // every loop_task is one
    }
    void discard() noexcept override { group->forget(*this); }
  };

  template <class T>
  task<T> adopt(std::unique_ptr<child_waiter> waiter, task<T> t)
  {
    ++running_;
    waiter->set_awaiting_task(owner_.get());
    running_children_.push_back(*waiter);
    detail::task_access::state(t)->add_waiter(*waiter.release());
    return t;
  }
  void check_open() const;
  void child_done(child_waiter& w, detail::task_state_base& t) noexcept;
  void forget(child_waiter& w) noexcept;
  void cancel_children() noexcept;

  event_loop* loop_;
  // The task that made the group, its children's awaiter in call graphs: held, as a group
  // may outlive it.
  detail::state_ptr<detail::loop_task> owner_;
  detail::intrusive_list<child_waiter, child_tag> running_children_;
  detail::intrusive_list<child_waiter, child_tag> failed_children_;
  std::size_t running_ = 0;
  bool waited_ = false;
  detail::waiter_list idle_;
};

} // namespace asyncpp

#endif
