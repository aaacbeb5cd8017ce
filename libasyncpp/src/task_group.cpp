// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.

#include <asyncpp/task_group.hpp>

#include <stdexcept>

namespace asyncpp {

exception_group::exception_group(std::vector<std::exception_ptr> exceptions)
    : exceptions_(std::move(exceptions)),
      what_("asyncpp::exception_group: " + std::to_string(exceptions_.size()) + " sub-exception(s)")
{
}

task_group::task_group() : loop_(&get_running_loop()), owner_(detail::current_loop_task()) {}

task_group::~task_group()
{
  if (!waited_)
    cancel_children();
  // Children may outlive the group: they must no longer report to it.
  while (child_waiter* w = running_children_.front())
    forget(*w);
  while (child_waiter* w = failed_children_.pop_front())
    delete w;
}

void task_group::check_open() const
{
  if (waited_)
    throw std::runtime_error("asyncpp::task_group::create_task: the group's wait() has completed");
}

void task_group::cancel_children() noexcept
{
  running_children_.for_each([](child_waiter& w) { w.owner_task()->cancel({}); });
}

void task_group::forget(child_waiter& w) noexcept
{
  w.detail::done_waiter::unlink();
  running_children_.remove(w);
  delete &w;
}

void task_group::child_done(child_waiter& w, detail::task_state_base& t) noexcept
{
  --running_;
  if (t.failed()) {
    w.detail::done_waiter::unlink();
    running_children_.remove(w);
    w.error = t.failure(); // retrieved: the group raises it
    failed_children_.push_back(w);
    cancel_children(); // siblings fail together
  } else {
    forget(w);
    if (t.cancelled())
      t.mark_retrieved();
  }
  if (running_ == 0)
    idle_.wake_all();
}

awaitable<void> task_group::wait(std::source_location where)
{
  bool cancelled = false;
  while (running_ > 0) {
    try {
      co_await detail::wait_in(idle_, [] {}, detail::wait_frame::counted("task_group.wait", running_, where));
    } catch (const cancelled_error&) {
      // The waiter was cancelled: so is every child, and they are still waited for.
      cancelled = true;
      cancel_children();
    }
  }
  waited_ = true;
  if (!failed_children_.empty()) {
    std::vector<std::exception_ptr> errors;
    errors.reserve(failed_children_.size());
    failed_children_.for_each([&](child_waiter& w) { errors.push_back(w.error); });
    while (child_waiter* w = failed_children_.pop_front())
      delete w;
    throw exception_group(std::move(errors));
  }
  if (cancelled)
    throw detail::cancellation_of(detail::current_task_state());
}

} // namespace asyncpp
