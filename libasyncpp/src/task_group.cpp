// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.

#include <asyncpp/task_group.hpp>

#include <stdexcept>

namespace asyncpp {

exception_group::exception_group(std::vector<std::exception_ptr> exceptions)
    : exceptions_(std::move(exceptions)),
      what_("asyncpp::exception_group: " + std::to_string(exceptions_.size()) + " sub-exception(s)")
{
}

task_group::task_group() : loop_(&get_running_loop()) {}

task_group::~task_group()
{
  if (!waited_)
    cancel_children();
  // Children may outlive the group: they must no longer report to it.
  while (child_waiter* w = running_children_.front())
    forget(*w);
}

void task_group::check_open() const
{
  if (waited_)
    throw std::runtime_error("asyncpp::task_group::create_task: the group's wait() has completed");
}

void task_group::cancel_children() noexcept
{
  running_children_.for_each([](child_waiter& w) { w.owner_state()->cancel({}); });
}

void task_group::forget(child_waiter& w) noexcept
{
  w.detail::done_waiter::unlink();
  running_children_.remove(w);
  delete &w;
}

void task_group::child_done(child_waiter& w, detail::task_state_base& t) noexcept
{
  forget(w);
  --running_;
  if (t.failed()) {
    errors_.push_back(t.failure()); // retrieved: the group raises it
    cancel_children();              // siblings fail together
  } else if (t.cancelled()) {
    t.mark_retrieved();
  }
  if (running_ == 0)
    idle_.wake_all();
}

awaitable<void> task_group::wait()
{
  bool cancelled = false;
  while (running_ > 0) {
    try {
      co_await detail::wait_in(idle_, [] {});
    } catch (const cancelled_error&) {
      // The waiter was cancelled: so is every child, and they are still waited for.
      cancelled = true;
      cancel_children();
    }
  }
  waited_ = true;
  if (!errors_.empty())
    throw exception_group(std::move(errors_));
  if (cancelled)
    throw detail::cancellation_of(detail::current_task_state());
}

} // namespace asyncpp
