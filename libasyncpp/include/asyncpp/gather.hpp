// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_GATHER_HPP
#define ASYNCPP_GATHER_HPP

#include <asyncpp/event_loop.hpp>
#include <asyncpp/task.hpp>

#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace asyncpp {

/// Tag asking gather() to report each child's exception in its outcome instead of failing.
struct return_exceptions_t {
  explicit constexpr return_exceptions_t() = default;
};
/// gather(return_exceptions, ...): every child's outcome, value or exception.
inline constexpr return_exceptions_t return_exceptions{};

/// A child's outcome under return_exceptions: a value (std::monostate for void) or an exception.
template <class T>
class outcome {
public:
  using value_type = detail::value_or_monostate<T>;

  outcome(value_type v) : v_(std::in_place_index<0>, std::move(v)) {}
  outcome(std::exception_ptr e) : v_(std::in_place_index<1>, std::move(e)) {}

  /// True when the child produced a value.
  bool has_value() const noexcept { return v_.index() == 0; }
  /// The value; rethrows the child's exception if there is none.
  value_type& value()
  {
    if (!has_value())
      std::rethrow_exception(std::get<1>(v_));
    return std::get<0>(v_);
  }
  /// The value; rethrows the child's exception if there is none.
  const value_type& value() const
  {
    if (!has_value())
      std::rethrow_exception(std::get<1>(v_));
    return std::get<0>(v_);
  }
  /// The child's exception (a cancelled_error if it was cancelled); null with a value.
  std::exception_ptr exception() const noexcept { return has_value() ? nullptr : std::get<1>(v_); }

private:
  std::variant<value_type, std::exception_ptr> v_;
};

namespace detail {

/// Waits until every child is done. Without `return_exceptions` the first failure cancels
/// the children still running. Cancelling the waiter cancels every child. Once all have
/// finished, throws the first failure or cancelled_error, whichever came first.
ASYNCPP_DECL awaitable<void> gather_children(std::vector<state_ptr<task_state_base>> children,
                                            bool return_exceptions);

template <class A>
struct gather_child;
template <class T>
struct gather_child<awaitable<T>> {
  using value = T;
  static constexpr bool owned = true; // gather made the task: the value may be moved out
};
template <class T>
struct gather_child<task<T>> {
  using value = T;
  static constexpr bool owned = false;
};

template <class A>
concept gather_argument = requires { typename gather_child<std::decay_t<A>>::value; };

template <class A>
auto start_child(A&& a)
{
  if constexpr (gather_child<std::decay_t<A>>::owned)
    return get_running_loop().create_task(std::forward<A>(a));
  else
    return std::forward<A>(a);
}

template <bool Owned, class T>
value_or_monostate<T> child_value(const task<T>& t)
{
  if constexpr (Owned || !std::is_copy_constructible_v<value_or_monostate<T>>)
    return t.state()->take();
  else
    return t.state()->get();
}

template <bool ReturnExceptions, bool Owned, class T>
auto child_result(const task<T>& t)
{
  if constexpr (ReturnExceptions) {
    if (auto e = t.state()->failure())
      return outcome<T>(e);
    return outcome<T>(child_value<Owned>(t));
  } else {
    return child_value<Owned>(t);
  }
}

template <bool ReturnExceptions, class... Aws>
awaitable<std::tuple<decltype(child_result<ReturnExceptions, gather_child<Aws>::owned>(
    std::declval<task<typename gather_child<Aws>::value>>()))...>>
gather_tuple(Aws... aws)
{
  // Children start in argument order; the tuple keeps the handles until all are read.
  std::tuple<task<typename gather_child<Aws>::value>...> tasks{start_child(std::move(aws))...};
  std::vector<state_ptr<task_state_base>> children = std::apply(
      [](auto&... t) { return std::vector<state_ptr<task_state_base>>{state_ptr<task_state_base>(t.state())...}; },
      tasks);
  co_await gather_children(std::move(children), ReturnExceptions);
  co_return std::apply(
      [](auto&... t) {
        return std::tuple{child_result<ReturnExceptions, gather_child<Aws>::owned>(t)...};
      },
      tasks);
}

template <bool ReturnExceptions, class A>
awaitable<std::vector<decltype(child_result<ReturnExceptions, gather_child<A>::owned>(
    std::declval<task<typename gather_child<A>::value>>()))>>
gather_range(std::vector<A> items)
{
  using T = typename gather_child<A>::value;
  std::vector<task<T>> tasks;
  tasks.reserve(items.size());
  for (auto& item : items)
    tasks.push_back(start_child(std::move(item)));
  std::vector<state_ptr<task_state_base>> children;
  children.reserve(tasks.size());
  for (auto& t : tasks)
    children.emplace_back(t.state());
  co_await gather_children(std::move(children), ReturnExceptions);
  std::vector<decltype(child_result<ReturnExceptions, gather_child<A>::owned>(tasks.front()))> results;
  results.reserve(tasks.size());
  for (auto& t : tasks)
    results.push_back(child_result<ReturnExceptions, gather_child<A>::owned>(t));
  co_return results;
}

} // namespace detail

/// Runs awaitables and tasks concurrently; their results in argument order. On the first
/// failure cancels the others, waits for them, and rethrows it.
template <detail::gather_argument... Aws>
[[nodiscard]] auto gather(Aws&&... aws)
{
  return detail::gather_tuple<false, std::decay_t<Aws>...>(std::forward<Aws>(aws)...);
}
/// gather over a vector of awaitables.
template <class T>
[[nodiscard]] auto gather(std::vector<awaitable<T>> aws)
{
  return detail::gather_range<false>(std::move(aws));
}
/// gather over a vector of tasks.
template <class T>
[[nodiscard]] auto gather(std::vector<task<T>> ts)
{
  return detail::gather_range<false>(std::move(ts));
}

/// gather that never fails because of a child: each child's outcome<R>.
template <detail::gather_argument... Aws>
[[nodiscard]] auto gather(return_exceptions_t, Aws&&... aws)
{
  return detail::gather_tuple<true, std::decay_t<Aws>...>(std::forward<Aws>(aws)...);
}
/// gather(return_exceptions) over a vector of awaitables.
template <class T>
[[nodiscard]] auto gather(return_exceptions_t, std::vector<awaitable<T>> aws)
{
  return detail::gather_range<true>(std::move(aws));
}
/// gather(return_exceptions) over a vector of tasks.
template <class T>
[[nodiscard]] auto gather(return_exceptions_t, std::vector<task<T>> ts)
{
  return detail::gather_range<true>(std::move(ts));
}

} // namespace asyncpp

#endif
