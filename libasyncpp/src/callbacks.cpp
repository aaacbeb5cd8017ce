// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// call_soon, call_soon_threadsafe, call_later, call_at and their handles.

#include <asyncpp/event_loop.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>

namespace asyncpp {

namespace detail {

class timed_callback;

struct handle_state {
  std::atomic<bool> cancelled{false};
  // call_later/call_at: the loop, and the callback while it waits in the loop's timer heap
  // (set and cleared by the loop's steps).
  std::shared_ptr<loop_core> core;
  std::atomic<timed_callback*> waiting{nullptr};
};

/// A call_later/call_at callback: an entry of the loop's timer heap, then of its ready
/// queue (FIFO with call_soon callbacks once due).
class timed_callback final : public timer_entry {
public:
  timed_callback(loop_core& core, std::function<void()> fn, std::shared_ptr<handle_state> handle) noexcept
      : core_(core), fn_(std::move(fn)), handle_(std::move(handle))
  {
  }
  void run() override
  {
    std::unique_ptr<timed_callback> self(this);
    handle_->waiting = nullptr;
    if (!handle_->cancelled && core_.loop())
      loop_access::run_callback(*core_.loop(), fn_);
  }
  void drop() noexcept override
  {
    handle_->waiting = nullptr;
    delete this;
  }
  /// Out of the heap at once (its memory too), when it is still there.
  void cancel() noexcept
  {
    if (core_.remove_timer(*this))
      drop();
  }

private:
  loop_core& core_; // outlives its entries (it drops them when the loop closes)
  std::function<void()> fn_;
  std::shared_ptr<handle_state> handle_;
};

} // namespace detail

void handle::cancel()
{
  if (!state_)
    return;
  state_->cancelled = true;
  // From one of the loop's steps the callback leaves the heap now; from elsewhere (another
  // thread, or the loop's owner while it does not run) it stays until its time and then
  // does nothing, as the heap belongs to the loop's steps.
  if (state_->core && state_->core->running_in_this_thread())
    if (auto* waiting = state_->waiting.load())
      waiting->cancel();
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
  if (!core_->queue_threadsafe(*item))
    throw std::runtime_error("asyncpp: call_soon_threadsafe: the event loop is closed");
  item.release(); // the loop runs (or drops) it now
  return handle(state);
}

handle event_loop::schedule_timer(clock::time_point when, std::function<void()> cb)
{
  check_usable("call_later");
  auto state = std::make_shared<detail::handle_state>();
  state->core = core_;
  auto entry = std::make_unique<detail::timed_callback>(*core_, std::move(cb), state);
  core_->add_timer(*entry, when);
  state->waiting = entry.release(); // the heap, then the ready queue, own it
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
