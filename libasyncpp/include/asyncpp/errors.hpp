// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_ERRORS_HPP
#define ASYNCPP_ERRORS_HPP

#include <asyncpp/config.hpp>

#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

namespace asyncpp {

// Exception classes keep default visibility in a shared build so that a throw inside the
// library is caught by type in the application.

/// Raised in a task or wait that was cancelled. Deliberately not a std::exception (like
/// Python's CancelledError, a BaseException): `catch (const std::exception&)` must not
/// swallow a cancellation by accident.
class ASYNCPP_DECL cancelled_error {
public:
  cancelled_error() = default;
  explicit cancelled_error(std::string message)
      : message_(message.empty() ? nullptr : std::make_shared<const std::string>(std::move(message)))
  {
  }
  /// The message given to task::cancel(), or "cancelled" when there was none.
  const char* what() const noexcept { return message_ ? message_->c_str() : "cancelled"; }
  /// The message given to task::cancel() (may be empty).
  const std::string& message() const noexcept { return message_ ? *message_ : no_message(); }

private:
  static const std::string& no_message() noexcept
  {
    static const std::string none;
    return none;
  }
  // Shared, so that copying the error (as std::make_exception_ptr does) never allocates.
  std::shared_ptr<const std::string> message_;
};

/// Raised when wait_for() or a timeout expires.
class ASYNCPP_DECL timeout_error : public std::runtime_error {
public:
  timeout_error() : std::runtime_error("timed out") {}
  using std::runtime_error::runtime_error;
};

/// Raised when an operation is not allowed in the object's current state (result() of an
/// unfinished task, ...).
class ASYNCPP_DECL invalid_state_error : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

/// Thrown by run() when Ctrl-C (SIGINT) cancelled the main coroutine. Not a
/// std::exception, like Python's KeyboardInterrupt.
struct ASYNCPP_DECL keyboard_interrupt {
  const char* what() const noexcept { return "keyboard interrupt"; }
};

/// True for cancelled_error and for Asio's system_error(operation_aborted): the two forms
/// a cancellation takes inside a task.
ASYNCPP_DECL bool is_cancellation(std::exception_ptr e) noexcept;

/// get_nowait() on an empty queue.
struct queue_empty : std::runtime_error {
  queue_empty() : std::runtime_error("asyncpp: the queue is empty") {}
};
/// put_nowait() on a full queue.
struct queue_full : std::runtime_error {
  queue_full() : std::runtime_error("asyncpp: the queue is full") {}
};
/// put on a shut-down queue; get on one that is shut down and empty.
struct queue_shutdown : std::runtime_error {
  queue_shutdown() : std::runtime_error("asyncpp: the queue is shut down") {}
};

} // namespace asyncpp

#endif
