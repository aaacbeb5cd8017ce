// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// What every asyncpp wait notes about itself, for <asyncpp/introspect.hpp> to read: kept
// as a few plain stores per wait (no string, no clock, no allocation), formatted only when
// somebody looks.
#ifndef ASYNCPP_DETAIL_WAIT_RECORD_HPP
#define ASYNCPP_DETAIL_WAIT_RECORD_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/detail/intrusive_list.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string>

namespace asyncpp::detail {

class loop_task;
class wait_record;

/// The tag of the hook that links a gather child's record into its gather.
struct branch_tag {};
/// The children of one gather that run inside the awaiting task (awaitables, not tasks).
using branch_list = intrusive_list<wait_record, branch_tag>;

/// One wait as it began: what (static text and one number) and where it was called from.
struct wait_frame {
  enum class amount_kind : std::uint8_t { none, seconds, count };

  const char* what = nullptr; ///< e.g. "sleep", "queue.get()"; null: no asyncpp wait
  std::source_location where{};
  amount_kind kind = amount_kind::none;
  double amount = 0;                     ///< seconds or a count, shown in parentheses
  const loop_task* subject = nullptr;    ///< the task awaited (t.wait(), shield), if one is
  const branch_list* branches = nullptr; ///< a gather's children running inside the task

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
    f.kind = amount_kind::seconds;
    f.amount = std::chrono::duration<double>(d).count();
    return f;
  }
  static wait_frame counted(const char* what, std::size_t n, const std::source_location& where) noexcept
  {
    wait_frame f = named(what, where);
    f.kind = amount_kind::count;
    f.amount = static_cast<double>(n);
    return f;
  }
  static wait_frame awaiting(const char* what, const loop_task* subject, const std::source_location& where) noexcept
  {
    wait_frame f = named(what, where);
    f.subject = subject;
    return f;
  }
};

/// "file:line" ("unknown location" when there is none).
ASYNCPP_DECL std::string format_where(const std::source_location& where);
/// What a frame waits on, as people read it: "sleep(1.5s)", "gather(3)", "wait(Task-4)".
ASYNCPP_DECL std::string format_what(const wait_frame& frame);

/// What one coroutine (a task, or a gather child running inside a task) is suspended in:
/// set when an asyncpp wait begins, cleared by the step that resumes it. A coroutine that
/// is suspended with nothing recorded is in an operation that is not asyncpp's.
class wait_record : public list_hook<branch_tag> {
public:
  wait_record() = default;
  wait_record(const wait_record&) = delete;
  wait_record& operator=(const wait_record&) = delete;
  ~wait_record() { unlink(); }

  void began(const wait_frame& f) noexcept { current_ = f; }
  void resumed() noexcept { current_.what = nullptr; }
  const wait_frame& current() const noexcept { return current_; }

private:
  wait_frame current_;
};

} // namespace asyncpp::detail

#endif
