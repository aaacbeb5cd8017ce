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
/// asyncpp wait. Our own
/// holder because asio::any_completion_handler misbehaves when moved into a posted lambda.
/// Destroying an unresumed resumer destroys the suspended coroutine.
class resumer {
public:
  resumer() noexcept = default;
  template <class Handler>
  explicit resumer(Handler&& h) : impl_(std::make_unique<impl<std::decay_t<Handler>>>(std::forward<Handler>(h)))
  {
  }

  explicit operator bool() const noexcept { return impl_ != nullptr; }

  /// The handler's cancellation slot (may be unconnected).
  boost::asio::cancellation_slot slot() const noexcept { return impl_->slot; }

  /// Resumes the coroutine in a later step (see resume_wait for `consumed` and
  /// `forwarded`). `clear_slot` is false when called from the slot's own cancellation
  /// handler, which must not destroy itself while running (Asio clears the slot when the
  /// coroutine resumes).
  void resume(bool clear_slot, bool consumed, bool forwarded, const boost::asio::io_context::executor_type& fallback)
  {
    auto p = std::move(impl_);
    if (clear_slot && p->slot.is_connected())
      p->slot.clear();
    p->resume(consumed, forwarded, false, fallback);
  }

  /// resume() from a step that already runs on its own on the loop's thread: the
  /// coroutine resumes inline instead of in one more posted step.
  void resume_here(const boost::asio::io_context::executor_type& fallback)
  {
    auto p = std::move(impl_);
    if (p->slot.is_connected())
      p->slot.clear();
    p->resume(false, false, true, fallback);
  }

  /// Destroys the handler (and the coroutine suspended on it) without resuming it.
  void reset() noexcept { impl_.reset(); }

private:
  struct base {
    explicit base(boost::asio::cancellation_slot s) : slot(s) {}
    virtual ~base() = default;
    virtual void resume(bool consumed, bool forwarded, bool here,
                        const boost::asio::io_context::executor_type& fallback) = 0;
    boost::asio::cancellation_slot slot;
  };
  template <class Handler>
  struct impl final : base {
    explicit impl(Handler&& h) : base(boost::asio::get_associated_cancellation_slot(h)), handler(std::move(h)) {}
    void resume(bool consumed, bool forwarded, bool here,
                const boost::asio::io_context::executor_type& fallback) override
    {
      if (here)
        resume_now_or_post(std::move(handler), consumed, fallback);
      else
        post_resume(std::move(handler), consumed, forwarded, fallback);
    }
    Handler handler;
  };
  std::unique_ptr<base> impl_;
};

} // namespace asyncpp::detail

#endif
