// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The thread's running loop, current loop and current task (get_event_loop,
// get_running_loop, set_event_loop), and the loops get_event_loop() creates for a thread.

#include <asyncpp/event_loop.hpp>

#include <deque>
#include <memory>
#include <stdexcept>
#include <utility>

namespace asyncpp {

namespace {

thread_local event_loop* running_loop_ = nullptr;
thread_local event_loop* current_loop_ = nullptr;

// Loops that get_event_loop() created for this thread; destroyed at thread exit.
struct thread_loops {
  std::deque<std::unique_ptr<event_loop>> loops;
  ~thread_loops()
  {
    while (!loops.empty())
      loops.pop_back();
  }
};
thread_local thread_loops owned_loops_;

} // namespace

event_loop& get_event_loop()
{
  if (running_loop_)
    return *running_loop_;
  if (auto* t = detail::current_loop_task(); t && t->loop())
    return *t->loop();
  if (current_loop_)
    return *current_loop_;
  auto& loops = owned_loops_.loops;
  if (loops.empty() || loops.back()->is_closed())
    loops.push_back(std::make_unique<event_loop>());
  current_loop_ = loops.back().get();
  return *current_loop_;
}

event_loop& get_running_loop()
{
  if (running_loop_)
    return *running_loop_;
  // A task resumed by someone else's ctx.run() on an adopted io_context: its loop is the
  // one running it, as Python's get_running_loop() names the loop of the current task.
  if (auto* t = detail::current_loop_task(); t && t->loop())
    return *t->loop();
  throw std::runtime_error("asyncpp: no running event loop");
}

void set_event_loop(event_loop* loop)
{
  current_loop_ = loop;
}

namespace detail {

event_loop* current_loop() noexcept
{
  return current_loop_;
}

event_loop* running_loop() noexcept
{
  return running_loop_;
}

event_loop* set_running_loop(event_loop* loop) noexcept
{
  return std::exchange(running_loop_, loop);
}

void forget_current_loop(event_loop* loop) noexcept
{
  if (current_loop_ == loop)
    current_loop_ = nullptr;
}

} // namespace detail
} // namespace asyncpp
