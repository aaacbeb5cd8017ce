// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_WAIT_HPP
#define ASYNCPP_WAIT_HPP

#include <asyncpp/detail/wait.hpp>
#include <asyncpp/task.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncpp {

/// When wait() returns.
enum class return_when { first_completed, first_exception, all_completed };

/// What wait() returns: the tasks done and those still pending, each in argument order.
template <class T>
struct wait_result {
  std::vector<task<T>> done, pending;
};


/// Thread safety of every wait here: from the loop's steps, like the tasks they take.
///
/// Awaits `aw` (an awaitable or a task) for at most `timeout`. On expiry the inner work
/// is cancelled and waited for; timeout_error if it then ended cancelled, else its value
/// or exception (Python 3.12). Cancelling the awaiter cancels the inner work, waits for
/// it, then throws cancelled_error: never returns while the inner work still runs.
/// `aw` may also be an Asio operation made with asio::deferred
/// (`wait_for(sock.async_read_some(buf, asio::deferred), 3s)`) or an awaitable<T, Executor>.
template <class Aw, class Rep, class Period>
[[nodiscard]] auto wait_for(Aw&& aw, std::chrono::duration<Rep, Period> timeout, std::source_location where = std::source_location::current())
{
  using A = detail::to_awaitable_t<Aw>;
  using T = typename detail::awaited<A>::value;
  return detail::wait_for_impl<T>(detail::to_awaitable(std::forward<Aw>(aw)),
                                  std::chrono::ceil<std::chrono::steady_clock::duration>(timeout), where);
}

/// Awaits `t` without letting the awaiter's cancellation reach it.
/// Cancellation: a cancelled awaiter throws cancelled_error while `t` runs on.
template <class T>
[[nodiscard]] awaitable<T> shield(task<T> t, std::source_location where = std::source_location::current())
{
  detail::state_ptr<detail::task_state_base> shielded(detail::checked_state(detail::task_access::state(t)));
  auto done = boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      detail::initiate_shield{}, boost::asio::use_awaitable, shielded,
      detail::wait_frame::awaiting("shield", shielded.get(), where));
  co_await std::move(done);
  co_return detail::finished_value(t);
}
/// shield() of an awaitable: it runs as a task of its own.
template <class T>
[[nodiscard]] awaitable<T> shield(awaitable<T> aw, std::source_location where = std::source_location::current())
{
  event_loop& loop = detail::loop_of_coroutine(co_await boost::asio::this_coro::executor);
  auto t = loop.create_task(std::move(aw), {}, where);
  co_return co_await shield(std::move(t), where);
}
/// shield() of an Asio operation made with asio::deferred, or of an awaitable<T, Executor>.
template <class Aw>
  requires(detail::asio_operation<std::remove_cvref_t<Aw>> || detail::foreign_awaitable<std::remove_cvref_t<Aw>>::value)
[[nodiscard]] auto shield(Aw&& aw, std::source_location where = std::source_location::current())
{
  return shield(detail::to_awaitable(std::forward<Aw>(aw)), where);
}

/// asyncio.wait: raises nothing and cancels nothing; on timeout returns what is done so far.
/// Cancellation: throws cancelled_error; the tasks run on.
template <class T>
[[nodiscard]] awaitable<wait_result<T>> wait(std::vector<task<T>> ts, return_when when = return_when::all_completed,
                                            std::optional<std::chrono::steady_clock::duration> timeout = {},
                                            std::source_location where = std::source_location::current())
{
  co_await detail::wait_states(detail::states_of(ts), when, timeout, detail::wait_frame::counted("wait", ts.size(), where));
  wait_result<T> result;
  for (auto& t : ts)
    (t.done() ? result.done : result.pending).push_back(std::move(t));
  co_return result;
}

/// asyncio.as_completed: a range of awaitables, the k-th awaited yields the k-th task to
/// finish (its value, or rethrows); the one awaited after `timeout` throws timeout_error.
/// Cancellation: the awaiting coroutine throws cancelled_error; the tasks run on.
template <class T>
class as_completed_range {
public:
  as_completed_range(std::vector<task<T>> ts, std::optional<std::chrono::steady_clock::duration> timeout,
                     std::source_location where)
      : order_(std::make_shared<detail::completion_order<T>>(std::move(ts), timeout, where))
  {
  }
  class iterator {
  public:
    iterator(std::shared_ptr<detail::completion_order<T>> o, std::size_t i) : order_(std::move(o)), index_(i) {}
    awaitable<T> operator*() const { return detail::completion_order<T>::next(order_); }
    iterator& operator++()
    {
      ++index_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return index_ != o.index_; }
    bool operator==(const iterator& o) const { return index_ == o.index_; }

  private:
    std::shared_ptr<detail::completion_order<T>> order_;
    std::size_t index_;
  };
  iterator begin() const { return {order_, 0}; }
  iterator end() const { return {order_, order_->size()}; }
  std::size_t size() const { return order_->size(); }

private:
  std::shared_ptr<detail::completion_order<T>> order_;
};

/// `for (auto&& next : as_completed(ts)) { T v = co_await std::move(next); }`
template <class T>
[[nodiscard]] as_completed_range<T> as_completed(std::vector<task<T>> ts,
                                                std::optional<std::chrono::steady_clock::duration> timeout = {},
                                                std::source_location where = std::source_location::current())
{
  return as_completed_range<T>(std::move(ts), timeout, where);
}

} // namespace asyncpp

#endif
