// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_GATHER_HPP
#define ASYNCPP_GATHER_HPP

#include <asyncpp/task.hpp>

#include <exception>
#include <optional>
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

} // namespace asyncpp

// The machinery, with the public types above in view.
#include <asyncpp/detail/gather.hpp>

namespace asyncpp {

/// Runs awaitables and tasks concurrently; their results in argument order. On the first
/// failure cancels the others, waits for them, and rethrows it.
/// Cancellation: cancelling the awaiter cancels every child, waits until they have all
/// finished, then throws cancelled_error (or a child's failure that came first).
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
