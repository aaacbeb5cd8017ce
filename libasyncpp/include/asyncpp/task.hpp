// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_TASK_HPP
#define ASYNCPP_TASK_HPP

#include <asyncpp/detail/task.hpp>
#include <asyncpp/event_loop.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncpp {

/// A type-erased handle to any task (task<T> converts to it).
///
/// Thread safety: as task<T>.
class task_handle {
public:
  task_handle() = default;
  explicit task_handle(detail::task_state_base* s) : ref_(s) {}
  /// True once the task has finished (value, exception or cancellation).
  bool done() const noexcept { return ref_.get() && ref_.get()->done(); }
  /// True if the task finished by cancellation.
  bool cancelled() const noexcept { return ref_.get() && ref_.get()->cancelled(); }
  /// Requests cancellation; false if the task is already done.
  bool cancel(std::string msg = {}) { return detail::checked_state(ref_.get())->cancel(std::move(msg)); }
  /// The task's name ("Task-N" unless set).
  const std::string& get_name() const { return detail::checked_state(ref_.get())->name(); }
  /// The same task?
  friend bool operator==(const task_handle& a, const task_handle& b) noexcept { return a.ref_.get() == b.ref_.get(); }

private:
  friend struct detail::task_access;
  detail::handle_ref<detail::task_state_base> ref_;
};

/// A copyable handle to a scheduled coroutine's shared state (Python's asyncio.Task).
/// Dropping every handle does not stop the task: the loop keeps it until it finishes.
///
/// Thread safety: like Python's Task, a handle is used from its loop's steps only.
/// Cancellation: cancel() only requests; the task sees it at its next suspension (see
/// wait() for what cancelling a coroutine that awaits the task does).
template <class T = void>
class task {
public:
  using value_type = T;

  /// An empty handle (every member but valid() throws invalid_state_error).
  task() = default;
  explicit task(detail::task_state<T>* s) : ref_(s) {}

  /// False for a default-constructed handle.
  bool valid() const noexcept { return ref_.get() != nullptr; }
  /// True once the task has finished (value, exception or cancellation).
  bool done() const noexcept { return valid() && state()->done(); }
  /// True if the task finished by cancellation.
  bool cancelled() const noexcept { return valid() && state()->cancelled(); }
  /// Requests cancellation, delivered at the task's next suspension; false if already done.
  bool cancel(std::string msg = {}) { return checked()->cancel(std::move(msg)); }

  /// The value (a copy); invalid_state_error if not done, cancelled_error if cancelled,
  /// else rethrows the task's exception.
  T result() const
  {
    if constexpr (std::is_void_v<T>)
      checked()->rethrow_if_failed();
    else
      return checked()->get();
  }
  /// The task's exception (null on success); the same errors as result().
  std::exception_ptr exception() const { return checked()->exception(); }

  /// Schedules `cb(task)` with call_soon once the task is done.
  void add_done_callback(std::function<void(task<T>&)> cb)
  {
    checked()->add_done_callback([cb = std::move(cb), self = *this]() mutable { cb(self); });
  }
  /// The task's name ("Task-N" unless set).
  const std::string& get_name() const { return checked()->name(); }
  /// Renames the task.
  void set_name(std::string name) { checked()->set_name(std::move(name)); }

  /// Awaits the task from any coroutine on its loop: its value, or rethrows.
  /// Cancellation: cancelling the awaiting coroutine cancels the task too, and the awaiter
  /// then sees how the task ends (shield() keeps the task running instead).
  [[nodiscard]] awaitable<T> wait(std::source_location where = std::source_location::current()) const
  {
    // Named locals: g++ 12 destroys temporaries with destructors in a co_await operand twice.
    detail::state_ptr<detail::task_state<T>> state(checked());
    detail::state_ptr<detail::task_state_base> awaited(state);
    auto done = boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr)>(
        detail::initiate_await_task<detail::resume_awaiter>{}, boost::asio::use_awaitable, awaited,
        detail::resume_awaiter{}, detail::wait_frame::awaiting("wait", awaited.get(), where));
    co_await std::move(done);
    if constexpr (std::is_void_v<T>)
      state->read();
    else
      co_return state->read();
  }

  /// The Asio asynchronous-operation form: signature void(std::exception_ptr, T)
  /// (void(std::exception_ptr) for task<void>), so use_awaitable, use_future and plain
  /// handlers work as with any Asio operation.
  template <class CompletionToken>
  auto operator()(CompletionToken&& token) const
  {
    using signature = typename detail::task_signature<T>::type;
    detail::state_ptr<detail::task_state_base> awaited(checked());
    // No name: with a token other than use_awaitable the frame would not outlive the call.
    return boost::asio::async_initiate<CompletionToken, signature>(detail::initiate_await_task<deliver_outcome>{},
                                                                   token, std::move(awaited), deliver_outcome{},
                                                                   detail::wait_frame{});
  }

  /// A type-erased handle to the same task.
  operator task_handle() const { return task_handle(ref_.get()); }

private:
  friend struct detail::task_access;
  /// The shared state, for asyncpp's own combinators (through detail::task_access).
  detail::task_state<T>* state() const noexcept { return ref_.get(); }

  struct deliver_outcome {
    static constexpr bool reads_outcome = true; // the handler gets the outcome as arguments
    template <class Handler>
    void operator()(Handler& h, detail::task_state_base& s, detail::task_state_base*, bool) const
    {
      std::exception_ptr e = s.failure();
      if constexpr (std::is_void_v<T>)
        std::move(h)(e);
      else if (e)
        std::move(h)(e, T{});
      else
        std::move(h)(e, static_cast<detail::task_state<T>&>(s).get());
    }
  };

  detail::task_state<T>* checked() const { return detail::checked_state(ref_.get()); }

  detail::handle_ref<detail::task_state<T>> ref_;
};

/// The task running now on this thread, if any.
inline std::optional<task_handle> current_task()
{
  if (auto* t = detail::current_task_state())
    return task_handle(t);
  return std::nullopt;
}

/// The unfinished tasks of `loop`.
inline std::vector<task_handle> all_tasks(event_loop& loop = get_running_loop())
{
  std::vector<task_handle> out;
  for (auto& s : detail::loop_access::unfinished_tasks(loop))
    out.emplace_back(static_cast<detail::task_state_base*>(s.get())); // every loop_task is one
  return out;
}

} // namespace asyncpp

#endif
