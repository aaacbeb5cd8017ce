// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// What every asyncpp wait notes about itself, for <asyncpp/introspect.hpp> to read: kept
// as a few plain stores per wait (no string, no clock, no allocation), formatted only when
// somebody looks.
#ifndef ASYNCPP_DETAIL_INTROSPECT_HPP
#define ASYNCPP_DETAIL_INTROSPECT_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/detail/asio_internals.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string>

namespace asyncpp::detail {

class loop_task;
class wait_record;

/// The coroutines a wait runs inside the waiting task (a gather's awaitable children,
/// which are not tasks): introspect.hpp shows each one's wait under the task's. Asked
/// only when somebody looks, so the children carry no links for it.
class wait_branches {
public:
  virtual std::size_t branch_count() const noexcept = 0;
  /// The record of branch `i`, or null when it is not running inside the task (a task
  /// child, shown as a task of its own, or a child that has finished).
  virtual const wait_record* branch(std::size_t i) const noexcept = 0;
  /// What the task table shows in parentheses after the wait's name: the branch count.
  virtual std::string detail() const { return std::to_string(branch_count()); }

protected:
  wait_branches() = default;
  ~wait_branches() = default;
};

/// One wait as it began: what (static text and one detail) and where it was called from.
/// 32 bytes: it is an argument of every wait.
struct wait_frame {
  enum class kind_type : std::uint8_t { plain, seconds, count, task, branches };

  const char* what = nullptr; ///< e.g. "sleep", "queue.get()"; null: not recorded
  std::source_location where{};
  union {
    double amount = 0;  ///< seconds or a count, shown in parentheses
    const void* object; ///< the task awaited, or the gather's wait_branches
  };
  kind_type kind = kind_type::plain;

  /// The task awaited (t.wait(), shield), if this wait awaits one.
  const loop_task* subject() const noexcept
  {
    return kind == kind_type::task ? static_cast<const loop_task*>(object) : nullptr;
  }
  /// A gather's children that run inside the waiting task; their count is the detail.
  const wait_branches* branches() const noexcept
  {
    return kind == kind_type::branches ? static_cast<const wait_branches*>(object) : nullptr;
  }

  static wait_frame named(const char* what, const std::source_location& where) noexcept
  {
    wait_frame f;
    f.what = what;
    f.where = where;
    return f;
  }
  template <class Rep, class Period>
  static wait_frame timed(const char* what, std::chrono::duration<Rep, Period> d,
                          const std::source_location& where) noexcept
  {
    wait_frame f = named(what, where);
    f.kind = kind_type::seconds;
    f.amount = std::chrono::duration<double>(d).count();
    return f;
  }
  static wait_frame counted(const char* what, std::size_t n, const std::source_location& where) noexcept
  {
    wait_frame f = named(what, where);
    f.kind = kind_type::count;
    f.amount = static_cast<double>(n);
    return f;
  }
  static wait_frame awaiting(const char* what, const loop_task* subject, const std::source_location& where) noexcept
  {
    wait_frame f = named(what, where);
    f.kind = kind_type::task;
    f.object = subject;
    return f;
  }
  /// This frame over `children` (a gather's).
  wait_frame over(const wait_branches* children) const noexcept
  {
    wait_frame f = *this;
    f.kind = kind_type::branches;
    f.object = children;
    return f;
  }
};

/// "1.5s".
ASYNCPP_DECL std::string format_seconds(double seconds);
/// "file:line" ("unknown location" when there is none).
ASYNCPP_DECL std::string format_where(const std::source_location& where);
/// What a frame waits on, as people read it: "sleep(1.5s)", "gather(3)", "wait(Task-4)".
ASYNCPP_DECL std::string format_what(const wait_frame& frame);

/// What one coroutine (a task, or a gather child running inside a task) is suspended in:
/// set when an asyncpp wait begins, cleared by the step that resumes it. A coroutine that
/// is suspended with nothing recorded is in an operation that is not asyncpp's.
///
/// It points at the frame rather than copying it: every asyncpp wait is initiated through
/// async_initiate with use_awaitable, which keeps the initiation's arguments (the frame
/// among them) in its own coroutine frame until the wait's handler runs, or with deferred,
/// awaited at once, whose operation keeps them in the awaiting coroutine's frame as long;
/// the step that runs the handler clears the record first. One pointer per task and per
/// gather child, one store per wait (a copy per wait and 48 bytes per gather child cost
/// spawn_gather 50%).
class wait_record {
public:
  wait_record() = default;
  wait_record(const wait_record&) = delete;
  wait_record& operator=(const wait_record&) = delete;

  /// `f` must stay where it is until resumed() (an argument kept by async_initiate).
  void began(const wait_frame& f) noexcept { current_ = &f; }
  void resumed() noexcept { current_ = nullptr; }
  /// The wait the coroutine is suspended in, or null.
  const wait_frame* current() const noexcept { return current_; }

  /// The coroutine thread this record is of (coroutine_id): a wait on the same executor
  /// from another coroutine (one spawned on it) is not its own.
  coroutine_id thread() const noexcept { return thread_; }
  void set_thread(coroutine_id thread) noexcept { thread_ = thread; }

private:
  const wait_frame* current_ = nullptr;
  coroutine_id thread_{};
};

} // namespace asyncpp::detail

#endif
