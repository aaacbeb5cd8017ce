// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_GATHER_HPP
#define ASYNCPP_GATHER_HPP

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

} // namespace asyncpp

// The machinery, with the public types above in view.
#include <asyncpp/detail/gather.hpp>

namespace asyncpp {

namespace detail {

template <class V>
struct gathered_vector : std::false_type {};
template <class T>
struct gathered_vector<std::vector<awaitable<T>>> : std::true_type {};
template <class T>
struct gathered_vector<std::vector<task<T>>> : std::true_type {};

/// How gather(args...) runs: the tuple form over awaitables and tasks, or the range form
/// over one vector; `ReturnExceptions` when return_exceptions came first.
template <bool ReturnExceptions, class... Args>
struct gather_plan {
  static_assert((awaitable_form<std::remove_cvref_t<Args>> && ...),
                "asyncpp::gather: each argument must be an awaitable<T>, a task<T>, an Asio operation made with "
                "asio::deferred, or an awaitable<T, Executor>");
  static auto make(wait_frame frame, Args&&... args)
  {
    return gather_tuple<ReturnExceptions, to_awaitable_t<Args>...>(frame, to_awaitable(std::forward<Args>(args))...);
  }
};
template <bool ReturnExceptions, class V>
  requires gathered_vector<std::remove_cvref_t<V>>::value
struct gather_plan<ReturnExceptions, V> {
  static auto make(wait_frame frame, V&& items)
  {
    return gather_range<ReturnExceptions>(frame, std::remove_cvref_t<V>(std::forward<V>(items)));
  }
};
template <class... Args>
struct gather_dispatch : gather_plan<false, Args...> {
  using gather_plan<false, Args...>::make;
};
template <class Tag, class... Args>
  requires std::is_same_v<std::remove_cvref_t<Tag>, return_exceptions_t>
struct gather_dispatch<Tag, Args...> {
  static auto make(wait_frame frame, Tag&&, Args&&... args)
  {
    return gather_plan<true, Args...>::make(frame, std::forward<Args>(args)...);
  }
};

template <class... Args>
using gather_awaitable_t =
    decltype(gather_dispatch<Args...>::make(std::declval<wait_frame>(), std::declval<Args>()...));

/// gather() under a wait name of the caller's (process.communicate()).
template <class... Args>
auto gather_as(const wait_frame& frame, Args&&... args)
{
  return gather_dispatch<Args...>::make(frame, std::forward<Args>(args)...);
}

} // namespace detail

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
