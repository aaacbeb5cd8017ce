// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The forms of Asio code that asyncpp's waits (wait_for, shield, gather) and create_task
// accept beside awaitable<T>, each turned into the awaitable<T> it stands for.
#ifndef ASYNCPP_DETAIL_AWAITABLE_FORMS_HPP
#define ASYNCPP_DETAIL_AWAITABLE_FORMS_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/detail/loop_core.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>
#include <utility>

namespace asyncpp {

template <class T>
class task;

namespace detail {

template <class T>
boost::asio::awaitable<T> awaitable_base_of(const boost::asio::awaitable<T>*);
/// An awaitable<T> (on any_io_executor), or a class that derives from one (gather's).
template <class T>
struct is_awaitable : std::bool_constant<requires { awaitable_base_of(static_cast<T*>(nullptr)); }> {};

/// An Asio awaitable on another executor (awaitable<T, io_context::executor_type>, ...).
template <class T>
struct foreign_awaitable : std::false_type {};
template <class T, class E>
  requires(!std::is_same_v<E, boost::asio::any_io_executor>)
struct foreign_awaitable<boost::asio::awaitable<T, E>> : std::true_type {
  using value_type = T;
  using executor_type = E;
};

template <class T>
struct is_task : std::false_type {};
template <class T>
struct is_task<task<T>> : std::true_type {};

/// An Asio asynchronous operation not started yet: an `async_*` call made with
/// asio::deferred, or any other deferred operation (Asio's is_async_operation).
template <class T>
concept asio_operation = !is_awaitable<T>::value && !foreign_awaitable<T>::value && !is_task<T>::value &&
                         boost::asio::is_async_operation<T>::value;

/// An awaitable<T, E> whose E the loop's io_context executor converts to: it can run there.
template <class T>
concept runnable_foreign_awaitable =
    foreign_awaitable<T>::value &&
    std::is_convertible_v<boost::asio::io_context::executor_type, typename foreign_awaitable<T>::executor_type>;

/// Every form a wait accepts: awaitable<T>, task<T>, a deferred operation, awaitable<T, E>.
template <class T>
concept awaitable_form = is_awaitable<T>::value || is_task<T>::value || asio_operation<T> ||
                         runnable_foreign_awaitable<T>;

/// The io_context executor of the loop a coroutine on `ex` belongs to (loop_of_coroutine).
ASYNCPP_DECL boost::asio::io_context::executor_type loop_executor_of(const boost::asio::any_io_executor& ex);

/// Runs an awaitable of another executor type on the loop's io_context and awaits it.
/// Asio cannot await it from an awaitable<T> frame directly (a coroutine thread has one
/// executor type), so it runs as a coroutine thread of its own, as co_spawn makes it.
template <class T, class E>
boost::asio::awaitable<T> adopt_awaitable(boost::asio::awaitable<T, E> aw)
{
  static_assert(std::is_void_v<T> || std::is_default_constructible_v<T>,
                "asyncpp: an awaitable<T, Executor> runs through co_spawn, whose T must be "
                "default-constructible; make it an asyncpp::awaitable<T> (boost::asio::awaitable<T>) instead");
  const E ex(loop_executor_of(co_await boost::asio::this_coro::executor));
  co_return co_await boost::asio::co_spawn(ex, std::move(aw), boost::asio::use_awaitable);
}

template <class>
inline constexpr bool unsupported_form = false;

/// `a` as the awaitable<T> (or task<T>) it stands for: a class derived from awaitable<T>
/// as its base, a deferred operation awaited with use_awaitable (no frame of ours), an
/// awaitable<T, E> run by adopt_awaitable.
template <class A>
auto to_awaitable(A&& a)
{
  using D = std::remove_cvref_t<A>;
  if constexpr (is_awaitable<D>::value)
    return decltype(awaitable_base_of(static_cast<D*>(nullptr)))(std::forward<A>(a));
  else if constexpr (is_task<D>::value)
    return D(std::forward<A>(a));
  else if constexpr (asio_operation<D>)
    return D(std::forward<A>(a))(boost::asio::use_awaitable);
  else if constexpr (foreign_awaitable<D>::value) {
    static_assert(runnable_foreign_awaitable<D>,
                  "asyncpp: an awaitable<T, Executor> runs on the loop's io_context, and io_context::executor_type "
                  "does not convert to this Executor: use asyncpp::awaitable<T> (boost::asio::awaitable<T>)");
    return adopt_awaitable(D(std::forward<A>(a)));
  } else {
    static_assert(unsupported_form<D>,
                  "asyncpp: this cannot be awaited by asyncpp. Pass an asyncpp::awaitable<T>, a task<T>, an Asio "
                  "operation made with asio::deferred (sock.async_read_some(buf, asio::deferred)) or with "
                  "asio::use_awaitable, or a boost::asio::awaitable<T, Executor>");
    return;
  }
}

/// The type to_awaitable() makes of an `A`.
template <class A>
using to_awaitable_t = decltype(to_awaitable(std::declval<A>()));

} // namespace detail
} // namespace asyncpp

#endif
