// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// sleep(): one coroutine frame, from the block cache (detail/cached_frame.hpp), awaiting a
// deferred operation. The frame use_awaitable made for the operation instead came from
// Asio's recycling allocator, which keeps two a thread: with a thousand tasks sleeping it
// was a malloc and a free per sleep. A task's sleep is an entry of its loop's timer heap
// (detail/loop_core.hpp); a coroutine that is no task's gets an Asio timer of its own,
// resumed inline from its completion.

#include <asyncpp/detail/asio_internals.hpp>
#include <asyncpp/detail/resumption.hpp>
#include <asyncpp/sleep.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_executor.hpp>

#include <functional>
#include <memory>

namespace asyncpp::detail {

namespace {

namespace asio = boost::asio;

/// One sleep with a delay: owns its timer and the sleeper's handler. The timer's pending
/// wait owns this object, so a loop that closes destroys both (and the suspended frame).
template <class Handler>
class timed_sleep {
public:
  timed_sleep(const asio::any_io_executor& ex, std::chrono::steady_clock::duration d, Handler&& h, resume_point rp)
      : timer_(ex, d), handler_(std::move(h)), rp_(rp)
  {
  }

  static void start(std::unique_ptr<timed_sleep> self)
  {
    auto slot = asio::get_associated_cancellation_slot(self->handler_);
    if (slot.is_connected())
      slot.template emplace<cancel_timer>(cancel_timer{&self->timer_});
    auto& timer = self->timer_;
    const loop_core* core = self->rp_.core;
    loop_core::start_on_loop(
        core, [&](auto handler) { timer.async_wait(std::move(handler)); },
        [self = std::move(self)](const boost::system::error_code& ec) mutable { self->finish(ec); });
  }

private:
  struct cancel_timer {
    asio::steady_timer* timer;
    void operator()(asio::cancellation_type_t) const { timer->cancel(); }
  };

  void finish(const boost::system::error_code& ec)
  {
    auto slot = asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected())
      slot.clear();
    const bool aborted = ec == asio::error::operation_aborted;
    if (rp_.core) {
      // Already a completion on the loop's thread (or strand): resume inline, as Asio
      // would. A closed loop's sleeper is not resumed: its frame goes with this object.
      rp_.core->run_as_step([&] {
        current_task_scope scope(rp_.task, rp_.task ? rp_.waits : nullptr, rp_.borrowed);
        if (rp_.waits)
          rp_.waits->resumed();
        resume_wait(handler_, rp_.cancel_target(), aborted ? wait_end::cancelled : wait_end::completed);
      });
    } else if (rp_.native) {
      resume_wait(handler_, nullptr, aborted ? wait_end::cancelled : wait_end::completed);
    } else {
      // The executor first: the lambda below moves the handler (argument order is unspecified).
      const auto ex = asio::get_associated_executor(handler_);
      const wait_end end = aborted ? wait_end::cancelled : wait_end::completed;
      asio::dispatch(ex, [h = std::move(handler_), end]() mutable { resume_wait(h, nullptr, end); });
    }
  }

  asio::steady_timer timer_;
  Handler handler_;
  resume_point rp_;
};

/// A sleep of a coroutine of the loop (a task's, or one on a task's executor): an entry of its loop's timer heap, then of its ready queue. One
/// allocation (recycled), no Asio timer of its own; cancellation takes it out of the heap.
template <class Handler>
class heap_sleep final : public timer_entry, public recycled_allocation {
public:
  heap_sleep(Handler&& h, const resume_point& rp)
      : handler_(std::move(h)), core_(*rp.core), task_(rp.task), waits_(rp.waits), borrowed_(rp.borrowed)
  {
  }

  static void start(std::unique_ptr<heap_sleep> self, std::chrono::steady_clock::duration d)
  {
    auto slot = asio::get_associated_cancellation_slot(self->handler_);
    if (slot.is_connected())
      slot.template emplace<cancel_sleep>(cancel_sleep{self.get()});
    try {
      self->core_.add_timer(*self, clock::now() + d);
    } catch (...) {
      if (slot.is_connected())
        slot.clear();
      throw;
    }
    self.release(); // the heap, then the ready queue, own it
  }

  void run() override
  {
    std::unique_ptr<heap_sleep> self(this);
    auto slot = asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected())
      slot.clear();
    current_task_scope scope(task_, task_ ? waits_ : nullptr, borrowed_);
    if (waits_) // null for a coroutine of the loop that is no task's
      waits_->resumed();
    resume_wait(handler_, borrowed_ ? nullptr : task_, cancelled_ ? wait_end::cancelled : wait_end::completed);
  }
  void drop() noexcept override { delete this; }
  step_origin origin() const noexcept override { return {task_, waits_}; }

private:
  struct cancel_sleep {
    heap_sleep* op;
    void operator()(asio::cancellation_type_t) const { op->cancel(); }
  };
  // Out of the heap, into the ready queue: woken with cancelled_error in a later step. A
  // sleep already due is not in the heap any more: it ends by Python's rules for a wait
  // that completed as the cancellation came (see take_cancellation).
  void cancel() noexcept
  {
    if (core_.remove_timer(*this)) {
      cancelled_ = true;
      core_.schedule(*this);
    }
  }

  Handler handler_;
  loop_core& core_;
  task_state_base* task_;
  wait_record* waits_;
  bool borrowed_;
  bool cancelled_ = false;
};

struct initiate_sleep {
  template <class Handler>
  void operator()(Handler&& h, std::chrono::steady_clock::duration d, const wait_frame& frame) const
  {
    const resume_point rp = resume_point_of(h);
    note_wait(rp, frame);
    if (d <= std::chrono::steady_clock::duration::zero()) {
      // A post cannot be cancelled: a cancellation during it is seen when it resumes.
      resumer(std::forward<Handler>(h), rp).resume(resumer::slot_action::keep, wait_end::completed);
      return;
    }
    if (rp.core) {
      heap_sleep<std::decay_t<Handler>>::start(
          std::make_unique<heap_sleep<std::decay_t<Handler>>>(std::forward<Handler>(h), rp), d);
      return;
    }
    const auto io = rp.io_executor();
    const asio::any_io_executor ex = io ? asio::any_io_executor(*io) : asio::get_associated_executor(h);
    timed_sleep<std::decay_t<Handler>>::start(
        std::make_unique<timed_sleep<std::decay_t<Handler>>>(ex, d, std::forward<Handler>(h), rp));
  }
};

} // namespace

// `frame` lives here, in the coroutine's frame, for as long as the wait it describes.
awaitable<void> sleep_for(cached_frame_t, std::chrono::steady_clock::duration d, wait_frame frame)
{
  auto op = asio::async_initiate<const asio::deferred_t&, void(std::exception_ptr)>(initiate_sleep{}, asio::deferred,
                                                                                    d, std::cref(frame));
  co_await std::move(op);
}

} // namespace asyncpp::detail
