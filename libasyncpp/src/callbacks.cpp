// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// call_soon, call_soon_threadsafe, call_later, call_at and their handles.

#include <asyncpp/event_loop.hpp>

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>

namespace asyncpp {

namespace detail {

struct handle_state {
  std::atomic<bool> cancelled{false};
  std::weak_ptr<boost::asio::steady_timer> timer; // call_later/call_at only
};

} // namespace detail

void handle::cancel()
{
  if (!state_)
    return;
  state_->cancelled = true;
  if (auto timer = state_->timer.lock())
    timer->cancel();
}

bool handle::cancelled() const
{
  return state_ && state_->cancelled;
}

void event_loop::run_callback(const std::function<void()>& cb) noexcept
{
  try {
    cb();
  } catch (...) {
    call_exception_handler({"Exception in callback", std::current_exception(), {}});
  }
}

namespace {

/// A call_soon callback as the step that runs it (on the loop, its strand, while open).
struct callback_step {
  std::shared_ptr<detail::handle_state> state;
  std::function<void()> cb;
  detail::loop_core* core;
  void operator()() const
  {
    if (!state->cancelled)
      detail::loop_access::run_callback(*core->loop(), cb);
  }
};

} // namespace

handle event_loop::call_soon(std::function<void()> cb)
{
  check_usable("call_soon");
  auto state = std::make_shared<detail::handle_state>();
  detail::loop_core::post_owned(core_, callback_step{state, std::move(cb), core_.get()});
  return handle(state);
}

handle event_loop::call_soon_threadsafe(std::function<void()> cb)
{
  // Touches only the core, which serialises this with close(): never a closed context.
  auto state = std::make_shared<detail::handle_state>();
  if (!detail::loop_core::post_threadsafe(core_, callback_step{state, std::move(cb), core_.get()}))
    throw std::runtime_error("asyncpp: call_soon_threadsafe: the event loop is closed");
  return handle(state);
}

handle event_loop::schedule_timer(clock::time_point when, std::function<void()> cb)
{
  check_usable("call_later");
  auto state = std::make_shared<detail::handle_state>();
  auto timer = std::make_shared<boost::asio::steady_timer>(*ctx_, when);
  state->timer = timer;
  // The handler owns the timer; the handle only observes it, so a handle that outlives
  // the loop never touches a destroyed io_context.
  detail::loop_core::start_on_loop(
      core_.get(), [&](auto handler) { timer->async_wait(std::move(handler)); },
      [core = core_, state, timer, cb = std::move(cb)](const boost::system::error_code& ec) {
        if (!ec && !state->cancelled)
          core->run_as_step([&] { core->loop()->run_callback(cb); });
      });
  return handle(state);
}

handle event_loop::call_later(clock::duration delay, std::function<void()> cb)
{
  return schedule_timer(clock::now() + delay, std::move(cb));
}

handle event_loop::call_at(clock::time_point when, std::function<void()> cb)
{
  return schedule_timer(when, std::move(cb));
}

} // namespace asyncpp
