// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_RESUMER_HPP
#define ASYNCPP_DETAIL_RESUMER_HPP

#include <asyncpp/detail/resume.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <utility>

namespace asyncpp::detail {

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
