// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.

#include <asyncpp/detail/task_state.hpp>
#include <asyncpp/sleep.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asyncpp::detail {

awaitable<void> sleep_for(std::chrono::steady_clock::duration d)
{
  namespace asio = boost::asio;
  task_state_base* const self = current_task_state();
  const auto ex = co_await asio::this_coro::executor;
  bool aborted = false;
  if (d <= std::chrono::steady_clock::duration::zero()) {
    // A post cannot be cancelled; a cancellation during it is seen just below.
    co_await asio::post(ex, asio::use_awaitable);
  } else {
    asio::steady_timer timer(ex, d);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    aborted = ec == asio::error::operation_aborted;
  }
  const auto cs = co_await asio::this_coro::cancellation_state;
  const auto outcome = finish_wait(self, cs, aborted || cs.cancelled() != asio::cancellation_type::none);
  if (outcome.reset_cancellation_state)
    co_await asio::this_coro::reset_cancellation_state();
  if (outcome.cancelled)
    throw cancellation_of(self);
}

} // namespace asyncpp::detail
