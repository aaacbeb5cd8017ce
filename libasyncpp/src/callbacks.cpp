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

void detail::callback_item::run()
{
  std::unique_ptr<callback_item> self(this);
  if ((!handle_ || !handle_->cancelled) && core_.loop())
    loop_access::run_callback(*core_.loop(), fn_);
}

handle event_loop::call_soon(std::function<void()> cb)
{
  check_usable("call_soon");
  auto state = std::make_shared<detail::handle_state>();
  core_->schedule(*new detail::callback_item(*core_, std::move(cb), state));
  return handle(state);
}

handle event_loop::call_soon_threadsafe(std::function<void()> cb)
{
  // Touches only the core, which serialises this with close(): never a closed context.
  auto state = std::make_shared<detail::handle_state>();
  auto item = std::make_unique<detail::callback_item>(*core_, std::move(cb), state);
  const bool posted = detail::loop_core::post_threadsafe(core_, [core = core_.get(), item = std::move(item)]() mutable {
    core->schedule(*item.release()); // into the ready queue: FIFO with call_soon
  });
  if (!posted)
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
