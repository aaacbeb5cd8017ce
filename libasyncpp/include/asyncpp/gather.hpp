// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_GATHER_HPP
#define ASYNCPP_GATHER_HPP

#include <asyncpp/detail/gather.hpp>
#include <asyncpp/task.hpp>

#include <exception>
#include <optional>
#include <source_location>
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


/// Runs awaitables and tasks concurrently; their results in argument order. On the first
/// failure cancels the others, waits for them, and rethrows it.
/// Cancellation: cancelling the awaiter cancels every child, waits until they have all
/// finished, then throws cancelled_error (or a child's failure that came first).
///
/// The forms, as in the API: gather(aws...) -> awaitable<std::tuple<R...>>;
/// gather(std::vector<awaitable<T>>) and gather(std::vector<task<T>>) ->
/// awaitable<std::vector<R>>; each also after `return_exceptions` (every child's
/// outcome<R>, never failing because of a child).
///
/// gather is a class only so that it can record where it was called (a defaulted
/// std::source_location cannot follow a parameter pack in a function): it *is* the
/// awaitable<...> of the form above, which it derives from, and converts to it.
template <class... Args>
class [[nodiscard]] gather : public detail::gather_awaitable_t<Args...> {
public:
  gather(Args&&... args, std::source_location where = std::source_location::current())
      : detail::gather_awaitable_t<Args...>(
            detail::gather_dispatch<Args...>::make(detail::wait_frame::named("gather", where), std::forward<Args>(args)...))
  {
  }
};
template <class... Args>
gather(Args&&...) -> gather<Args...>;

} // namespace asyncpp

#endif
