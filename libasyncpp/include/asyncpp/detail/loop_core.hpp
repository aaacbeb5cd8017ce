// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_LOOP_CORE_HPP
#define ASYNCPP_DETAIL_LOOP_CORE_HPP

#include <asyncpp/config.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace asyncpp {

class event_loop;

namespace detail {

/// What every step of a loop goes through, shared (std::shared_ptr) by the loop with the
/// tasks, timers, callbacks and executor jobs that may outlive it: where the loop's work
/// runs (the io_context, or a strand of it), whether the loop is still open, and the check
/// that a plain loop's work never runs on two threads at once.
///
/// Thread safety: closed(), post_threadsafe() and close() may be called from any thread;
/// the rest belongs to the loop's own steps.
class ASYNCPP_DECL loop_core {
public:
  using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

  loop_core(event_loop& loop, boost::asio::io_context& ctx, std::optional<strand_type> strand)
      : loop_(&loop), ctx_(&ctx), strand_(std::move(strand))
  {
  }
  loop_core(const loop_core&) = delete;
  loop_core& operator=(const loop_core&) = delete;

  /// The loop object, or null once it has been destroyed.
  event_loop* loop() const noexcept { return loop_; }
  void forget_loop() noexcept { loop_ = nullptr; }
  boost::asio::io_context& context() const noexcept { return *ctx_; }
  boost::asio::io_context::executor_type io_executor() const noexcept { return ctx_->get_executor(); }
  /// The strand every step of the loop runs on, or null for a plain loop.
  const strand_type* strand() const noexcept { return strand_ ? &*strand_ : nullptr; }

  /// True once the loop has closed: from then on, nothing it queued runs.
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  /// Marks the loop closed; a post_threadsafe() running now finishes first, later ones fail.
  void close() noexcept
  {
    std::lock_guard<std::mutex> guard(threadsafe_mutex_);
    closed_.store(true, std::memory_order_release);
  }

  /// True while a step of this loop runs on the calling thread (the strand's or the
  /// io_context's notion of it).
  bool running_in_this_thread() const noexcept
  {
    return strand_ ? strand_->running_in_this_thread() : ctx_->get_executor().running_in_this_thread();
  }

  /// Runs `f()` later as a step of the loop (on its strand), unless the loop has closed
  /// by then. The caller keeps this object alive until the step has run or been dropped
  /// (a task's step holds its task state, which holds the core).
  template <class F>
  void post(F&& f)
  {
    if (strand_)
      boost::asio::post(*strand_, step<std::decay_t<F>>{this, std::forward<F>(f)});
    else
      boost::asio::post(ctx_->get_executor(), step<std::decay_t<F>>{this, std::forward<F>(f)});
  }
  /// post() that also keeps the core alive itself: for the loop's own callbacks, which may
  /// sit in an adopted io_context after the loop is gone.
  template <class F>
  static void post_owned(const std::shared_ptr<loop_core>& core, F&& f)
  {
    core->post([keep = core, f = std::forward<F>(f)]() mutable { f(); });
  }
  /// post() from any thread: false (and `f` dropped) when the loop has closed. Serialised
  /// with close(), so an owned io_context is never posted to while it is being destroyed.
  template <class F>
  static bool post_threadsafe(const std::shared_ptr<loop_core>& core, F&& f)
  {
    std::lock_guard<std::mutex> guard(core->threadsafe_mutex_);
    if (core->closed())
      return false;
    post_owned(core, std::forward<F>(f));
    return true;
  }

  /// Marks the calling thread as running a step of this loop until leave(). For a plain
  /// loop, a second thread entering while the first is inside is the programming error of
  /// running one loop's io_context on several threads: it aborts with a message naming
  /// the strand constructor, instead of letting the loop's state be corrupted silently.
  /// Builds with NDEBUG check with plain loads and stores (nearly free, but may miss an
  /// overlap); others with an atomic exchange, which sees every one.
  const void* enter() noexcept
  {
    if (strand_)
      return nullptr;
    const void* self = this_thread_token();
#ifdef NDEBUG
    const void* previous = active_thread_.load(std::memory_order_relaxed);
    active_thread_.store(self, std::memory_order_relaxed);
#else
    const void* previous = active_thread_.exchange(self, std::memory_order_acq_rel);
#endif
    if (previous && previous != self)
      report_concurrent_run();
    return previous;
  }
  void leave(const void* previous) noexcept
  {
    if (!strand_)
      active_thread_.store(previous, std::memory_order_release);
  }

private:
  /// A posted step: dropped when the loop has closed, else run inside enter()/leave().
  template <class F>
  struct step {
    loop_core* core;
    F f;
    void operator()();
  };

  static const void* this_thread_token() noexcept
  {
    static thread_local const char token = 0;
    return &token;
  }
  [[noreturn]] static void report_concurrent_run() noexcept;

  event_loop* loop_;
  boost::asio::io_context* ctx_;
  std::optional<strand_type> strand_;
  std::atomic<bool> closed_{false};
  std::mutex threadsafe_mutex_;
  std::atomic<const void*> active_thread_{nullptr};
};

/// enter()/leave() for the duration of a scope.
class loop_step_scope {
public:
  explicit loop_step_scope(loop_core& core) noexcept : core_(core), previous_(core.enter()) {}
  loop_step_scope(const loop_step_scope&) = delete;
  loop_step_scope& operator=(const loop_step_scope&) = delete;
  ~loop_step_scope() { core_.leave(previous_); }

private:
  loop_core& core_;
  const void* previous_;
};

template <class F>
void loop_core::step<F>::operator()()
{
  if (core->closed())
    return;
  loop_step_scope scope(*core);
  f();
}

} // namespace detail
} // namespace asyncpp

#endif
