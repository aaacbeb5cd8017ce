// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_SYNC_HPP
#define ASYNCPP_SYNC_HPP

#include <asyncpp/detail/sync.hpp>
#include <asyncpp/errors.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <source_location>
#include <stdexcept>
#include <utility>

// Single-loop primitives, like Python's: not thread-safe; waiters wake in FIFO order; every
// wait is cancellable, and a waiter cancelled while being woken passes what it was handed
// on to the next waiter.

namespace asyncpp {

/// Releases what scoped() acquired when it goes out of scope (movable, releases once).
template <class Lockable>
class [[nodiscard]] scoped_release {
public:
  explicit scoped_release(Lockable& l) noexcept : l_(&l) {}
  scoped_release(scoped_release&& o) noexcept : l_(std::exchange(o.l_, nullptr)) {}
  scoped_release& operator=(scoped_release&&) = delete;
  ~scoped_release()
  {
    if (l_)
      l_->release();
  }

private:
  Lockable* l_;
};

/// asyncio.Event: wait() suspends until set().
/// Thread safety: belongs to one loop, like Python's primitives: use it from that loop's
/// steps only (any thread may run them for a loop on a strand, one step at a time).
/// Cancellation: a cancelled wait() throws cancelled_error and leaves the waiters.
class event {
public:
  /// Wakes every waiter; later waits return at once until clear().
  void set() noexcept
  {
    if (!flag_) {
      flag_ = true;
      waiters_.wake_all();
    }
  }
  void clear() noexcept { flag_ = false; }
  bool is_set() const noexcept { return flag_; }
  /// Returns once the event is set (at once if it is).
  [[nodiscard]] awaitable<void> wait(std::source_location where = std::source_location::current())
  {
    if (!flag_)
      co_await detail::wait_in(waiters_, [] {}, detail::wait_frame::named("event.wait()", where));
  }

private:
  bool flag_ = false;
  detail::waiter_list waiters_;
};

/// asyncio.Lock: FIFO; release() hands the lock straight to the longest waiter.
/// Thread safety: belongs to one loop, like Python's primitives: use it from that loop's
/// steps only (any thread may run them for a loop on a strand, one step at a time).
/// Cancellation: a cancelled acquire() throws cancelled_error; one cancelled after it was
/// handed the lock (before it resumed) passes the lock to the next waiter.
class lock {
public:
  /// Acquires the lock (at once when it is free and nobody waits).
  [[nodiscard]] awaitable<void> acquire(std::source_location where = std::source_location::current())
  {
    return acquire_as(detail::wait_frame::named("lock.acquire()", where));
  }
  /// std::runtime_error when the lock is not held.
  void release()
  {
    if (!locked_)
      throw std::runtime_error("asyncpp::lock::release: the lock is not acquired");
    if (!waiters_.wake_one())
      locked_ = false;
  }
  bool locked() const noexcept { return locked_; }
  /// `auto guard = co_await l.scoped();` releases when the guard goes.
  [[nodiscard]] awaitable<scoped_release<lock>> scoped(std::source_location where = std::source_location::current())
  {
    co_await acquire_as(detail::wait_frame::named("lock.scoped()", where));
    co_return scoped_release<lock>(*this);
  }

private:
  friend class condition; // re-acquires under its own wait's name
  awaitable<void> acquire_as(detail::wait_frame frame)
  {
    if (!locked_ && waiters_.empty()) {
      locked_ = true;
      co_return;
    }
    co_await detail::wait_in(waiters_, [this] { release(); }, frame); // woken = the lock is ours
  }

  bool locked_ = false;
  detail::waiter_list waiters_;
};

/// asyncio.Semaphore: a counter of units; release() hands a unit straight to the longest waiter.
/// Thread safety: belongs to one loop, like Python's primitives: use it from that loop's
/// steps only (any thread may run them for a loop on a strand, one step at a time).
/// Cancellation: as lock's: a unit handed to a waiter cancelled before it resumed goes on.
class semaphore {
public:
  explicit semaphore(std::size_t initial = 1) : value_(initial) {}
  /// Takes a unit (at once when one is free and nobody waits).
  [[nodiscard]] awaitable<void> acquire(std::source_location where = std::source_location::current())
  {
    return acquire_as(detail::wait_frame::named("semaphore.acquire()", where));
  }
  /// Returns a unit.
  void release() { give(); }
  /// True when acquire() would have to wait.
  bool locked() const noexcept { return value_ == 0 || !waiters_.empty(); }
  [[nodiscard]] awaitable<scoped_release<semaphore>> scoped(std::source_location where = std::source_location::current())
  {
    co_await acquire_as(detail::wait_frame::named("semaphore.scoped()", where));
    co_return scoped_release<semaphore>(*this);
  }

protected:
  awaitable<void> acquire_as(detail::wait_frame frame)
  {
    if (value_ > 0 && waiters_.empty()) {
      --value_;
      co_return;
    }
    co_await detail::wait_in(waiters_, [this] { give(); }, frame); // woken = a unit is ours
  }
  std::size_t value() const noexcept { return value_; }
  bool has_waiters() const noexcept { return !waiters_.empty(); }

private:
  void give() noexcept
  {
    if (!waiters_.wake_one())
      ++value_;
  }
  std::size_t value_;
  detail::waiter_list waiters_;
};

/// asyncio.BoundedSemaphore: release() above the initial value throws std::logic_error.
class bounded_semaphore : public semaphore {
public:
  explicit bounded_semaphore(std::size_t initial = 1) : semaphore(initial), bound_(initial) {}
  void release()
  {
    if (!has_waiters() && value() >= bound_)
      throw std::logic_error("asyncpp::bounded_semaphore: released too many times");
    semaphore::release();
  }
  [[nodiscard]] awaitable<scoped_release<bounded_semaphore>> scoped(std::source_location where = std::source_location::current())
  {
    co_await acquire_as(detail::wait_frame::named("semaphore.scoped()", where));
    co_return scoped_release<bounded_semaphore>(*this);
  }

private:
  std::size_t bound_;
};

/// asyncio.Condition: owns a lock, or shares one given to it.
/// Thread safety: belongs to one loop, like Python's primitives: use it from that loop's
/// steps only (any thread may run them for a loop on a strand, one step at a time).
/// Cancellation: wait() re-acquires the lock before it throws cancelled_error; a
/// notification taken by a cancelled waiter passes to the next one.
class condition {
public:
  condition() : owned_(std::make_unique<lock>()), lock_(owned_.get()) {}
  explicit condition(lock& shared) : lock_(&shared) {}

  [[nodiscard]] awaitable<void> acquire(std::source_location where = std::source_location::current())
  {
    return lock_->acquire_as(detail::wait_frame::named("condition.acquire()", where));
  }
  void release() { lock_->release(); }
  bool locked() const noexcept { return lock_->locked(); }
  [[nodiscard]] awaitable<scoped_release<condition>> scoped(std::source_location where = std::source_location::current())
  {
    co_await lock_->acquire_as(detail::wait_frame::named("condition.scoped()", where));
    co_return scoped_release<condition>(*this);
  }

  /// Releases the lock, waits for a notify, re-acquires the lock before returning or
  /// throwing (cancelled_error included), as Python does. std::runtime_error if the lock
  /// is not held.
  [[nodiscard]] awaitable<void> wait(std::source_location where = std::source_location::current())
  {
    return wait_as(detail::wait_frame::named("condition.wait()", where));
  }
  /// Waits until pred() is true (checked with the lock held).
  template <class Pred>
  [[nodiscard]] awaitable<void> wait_for(Pred pred, std::source_location where = std::source_location::current())
  {
    const auto frame = detail::wait_frame::named("condition.wait_for()", where);
    while (!pred())
      co_await wait_as(frame);
  }
  /// Wakes up to `n` waiters; std::runtime_error if the lock is not held.
  void notify(std::size_t n = 1)
  {
    if (!lock_->locked())
      throw std::runtime_error("asyncpp::condition::notify: the lock is not acquired");
    for (std::size_t i = 0; i < n && waiters_.wake_one(); ++i) {
    }
  }
  void notify_all() { notify(waiters_.size()); }

private:
  awaitable<void> wait_as(detail::wait_frame frame)
  {
    if (!lock_->locked())
      throw std::runtime_error("asyncpp::condition::wait: the lock is not acquired");
    lock_->release();
    std::exception_ptr cancelled;
    try {
      co_await detail::wait_in(waiters_, [this] { waiters_.wake_one(); }, frame); // pass a notification on
    } catch (const cancelled_error&) {
      cancelled = std::current_exception();
    }
    for (;;) { // the lock comes back even through cancellations
      try {
        co_await lock_->acquire_as(frame);
        break;
      } catch (const cancelled_error&) {
        cancelled = std::current_exception();
      }
    }
    if (cancelled)
      std::rethrow_exception(cancelled);
  }

  std::unique_ptr<lock> owned_;
  lock* lock_;
  detail::waiter_list waiters_;
};

} // namespace asyncpp

#endif
