#include <asyncpp/wait.hpp>

#include "test_util.hpp"

using namespace asyncpp_test;
using asyncpp::awaitable;

namespace {
awaitable<int> value_after(int v, std::chrono::milliseconds d)
{
  co_await asyncpp::sleep(d);
  co_return v;
}
awaitable<int> fail_after(std::chrono::milliseconds d)
{
  co_await asyncpp::sleep(d);
  throw std::runtime_error("failed");
}
// Sleeps until cancelled, then takes a few more steps before it ends cancelled.
awaitable<int> slow_to_cancel(bool& finished)
{
  try {
    co_await asyncpp::sleep(1h);
  } catch (const asyncpp::cancelled_error&) {
  }
  co_await yield(3);
  finished = true;
  throw asyncpp::cancelled_error();
}
} // namespace

BOOST_AUTO_TEST_SUITE(wait_hpp)

ASYNCPP_TEST_CASE(wait_for_returns_the_value_in_time)
{
  BOOST_TEST(co_await asyncpp::wait_for(value_after(3, 1ms), 10s) == 3);
  auto t = asyncpp::get_running_loop().create_task(value_after(4, 1ms));
  BOOST_TEST(co_await asyncpp::wait_for(t, 10s) == 4);
  BOOST_CHECK_THROW(co_await asyncpp::wait_for(fail_after(1ms), 10s), std::runtime_error);
}

ASYNCPP_TEST_CASE(wait_for_expiry_cancels_waits_and_raises_timeout)
{
  bool finished = false;
  BOOST_CHECK_THROW(co_await asyncpp::wait_for(slow_to_cancel(finished), 5ms), asyncpp::timeout_error);
  BOOST_TEST(finished); // never returns while the inner work still runs
  // inner work that survives its cancellation: its value is passed on (Python 3.12)
  auto stubborn = []() -> awaitable<int> {
    try {
      co_await asyncpp::sleep(1h);
    } catch (const asyncpp::cancelled_error&) {
    }
    co_return 9;
  };
  BOOST_TEST(co_await asyncpp::wait_for(stubborn(), 5ms) == 9);
}

ASYNCPP_TEST_CASE(wait_for_zero_timeout_still_returns_a_finished_result)
{
  auto t = asyncpp::get_running_loop().create_task(value_after(5, 0ms));
  co_await t.wait();
  BOOST_TEST(co_await asyncpp::wait_for(t, 0s) == 5);
  BOOST_TEST(co_await asyncpp::wait_for(t, -1s) == 5);
  BOOST_CHECK_THROW(co_await asyncpp::wait_for(value_after(1, 1h), 0s), asyncpp::timeout_error);
}

ASYNCPP_TEST_CASE(cancelling_wait_for_cancels_and_waits_for_the_inner)
{
  auto& loop = asyncpp::get_running_loop();
  bool finished = false;
  auto waiter = loop.create_task([&]() -> awaitable<int> { co_return co_await asyncpp::wait_for(slow_to_cancel(finished), 1h); });
  co_await yield(2);
  waiter.cancel();
  BOOST_CHECK_THROW(co_await waiter.wait(), asyncpp::cancelled_error);
  BOOST_TEST(finished);
  BOOST_TEST(waiter.cancelled());
}

ASYNCPP_TEST_CASE(shield_keeps_the_task_running)
{
  auto& loop = asyncpp::get_running_loop();
  auto inner = loop.create_task(value_after(7, 20ms));
  auto waiter = loop.create_task([&]() -> awaitable<int> { co_return co_await asyncpp::shield(inner); });
  co_await yield(2);
  waiter.cancel();
  BOOST_CHECK_THROW(co_await waiter.wait(), asyncpp::cancelled_error);
  BOOST_TEST(!inner.done());
  BOOST_TEST(co_await inner.wait() == 7);
  BOOST_TEST(co_await asyncpp::shield(value_after(8, 1ms)) == 8);
  BOOST_TEST(co_await asyncpp::shield(inner) == 7);
}

ASYNCPP_TEST_CASE(wait_return_when)
{
  auto& loop = asyncpp::get_running_loop();
  std::vector<asyncpp::task<int>> ts{loop.create_task(value_after(1, 1ms)), loop.create_task(value_after(2, 1h))};
  auto first = co_await asyncpp::wait(ts, asyncpp::return_when::first_completed);
  BOOST_TEST(first.done.size() == 1u);
  BOOST_TEST(first.pending.size() == 1u);
  BOOST_TEST(first.done[0].result() == 1);

  std::vector<asyncpp::task<int>> fs{loop.create_task(fail_after(1ms)), loop.create_task(value_after(2, 1h))};
  auto failed = co_await asyncpp::wait(fs, asyncpp::return_when::first_exception);
  BOOST_TEST(failed.done.size() == 1u); // raises nothing
  BOOST_CHECK_THROW(failed.done[0].result(), std::runtime_error);

  auto timed = co_await asyncpp::wait(ts, asyncpp::return_when::all_completed, 5ms);
  BOOST_TEST(timed.done.size() == 1u);
  BOOST_TEST(timed.pending.size() == 1u);
  BOOST_TEST(!ts[1].cancelled()); // cancels nothing
  ts[1].cancel();
  fs[1].cancel();
  auto all = co_await asyncpp::wait(ts);
  BOOST_TEST(all.done.size() == 2u);
  BOOST_TEST(all.pending.empty());
  auto none = co_await asyncpp::wait(std::vector<asyncpp::task<int>>{});
  BOOST_TEST(none.done.empty());
  co_await asyncpp::wait(fs);
}

ASYNCPP_TEST_CASE(cancelling_wait_leaves_the_tasks_alone)
{
  auto& loop = asyncpp::get_running_loop();
  auto t = loop.create_task(value_after(1, 20ms));
  auto waiter = loop.create_task([&]() -> awaitable<void> {
    std::vector<asyncpp::task<int>> ts{t}; // named: g++ 12 rejects a braced list in a co_await operand
    co_await asyncpp::wait(ts);
  });
  co_await yield(2);
  waiter.cancel();
  BOOST_CHECK_THROW(co_await waiter.wait(), asyncpp::cancelled_error);
  BOOST_TEST(!t.cancelled());
  BOOST_TEST(co_await t.wait() == 1);
}

ASYNCPP_TEST_CASE(as_completed_yields_in_finishing_order)
{
  auto& loop = asyncpp::get_running_loop();
  std::vector<asyncpp::task<int>> ts{loop.create_task(value_after(3, 30ms)), loop.create_task(value_after(1, 1ms)),
                                     loop.create_task(value_after(2, 10ms))};
  std::vector<int> order;
  for (auto&& next : asyncpp::as_completed(ts))
    order.push_back(co_await std::move(next));
  BOOST_TEST((order == std::vector<int>{1, 2, 3}));

  std::vector<asyncpp::task<int>> slow{loop.create_task(value_after(1, 1ms)), loop.create_task(value_after(2, 1h))};
  auto range = asyncpp::as_completed(slow, 20ms);
  auto it = range.begin();
  BOOST_TEST(co_await *it == 1);
  ++it;
  BOOST_CHECK_THROW(co_await *it, asyncpp::timeout_error);
  slow[1].cancel();
}

BOOST_AUTO_TEST_SUITE_END()
