// g++ 12 inlines some of these test bodies' coroutine ramps and then mistakes Asio's
// frame allocator (thread_info_base::allocate, aligned_new) for a mismatched new/delete.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <asyncpp/sleep.hpp>

#include "test_util.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <random>

using namespace asyncpp_test;
using asyncpp::awaitable;

namespace {
awaitable<void> step(std::vector<int>& order, int id)
{
  order.push_back(id);
  co_await asyncpp::sleep(0s);
  order.push_back(id + 10);
}
} // namespace

BOOST_AUTO_TEST_SUITE(sleep_hpp)

ASYNCPP_TEST_CASE(sleep_zero_yields_once_to_every_ready_task)
{
  auto& loop = asyncpp::get_running_loop();
  std::vector<int> order;
  auto a = loop.create_task(step(order, 1));
  auto b = loop.create_task(step(order, 2));
  co_await a.wait();
  co_await b.wait();
  BOOST_TEST((order == std::vector<int>{1, 2, 11, 12}));
  co_await asyncpp::sleep(-5ms); // a negative delay is a plain yield
}

ASYNCPP_TEST_CASE(sleep_lasts_at_least_the_delay)
{
  const auto start = std::chrono::steady_clock::now();
  co_await asyncpp::sleep(20ms);
  BOOST_TEST((std::chrono::steady_clock::now() - start >= 20ms));
  const auto again = std::chrono::steady_clock::now();
  co_await asyncpp::sleep(std::chrono::duration<double>(0.01));
  BOOST_TEST((std::chrono::steady_clock::now() - again >= 10ms));
}

ASYNCPP_TEST_CASE(sleep_is_cancellable)
{
  auto& loop = asyncpp::get_running_loop();
  auto t = loop.create_task(asyncpp::sleep(std::chrono::hours::max()));
  auto zero = loop.create_task([]() -> awaitable<void> {
    for (;;)
      co_await asyncpp::sleep(0s);
  });
  co_await yield();
  t.cancel("wake up");
  zero.cancel();
  try {
    co_await t.wait();
    BOOST_FAIL("a cancelled sleep must throw");
  } catch (const asyncpp::cancelled_error& e) {
    BOOST_TEST(e.message() == "wake up");
  }
  BOOST_CHECK_THROW(co_await zero.wait(), asyncpp::cancelled_error);
  BOOST_TEST(zero.cancelled());
}

ASYNCPP_TEST_CASE(sleepers_wake_in_deadline_order)
{
  // One timer heap per loop: whatever order the sleeps began in, they end by deadline.
  auto& loop = asyncpp::get_running_loop();
  std::vector<int> order;
  auto sleeper = [&](int ms) -> awaitable<void> {
    co_await asyncpp::sleep(std::chrono::milliseconds(ms));
    order.push_back(ms);
  };
  std::vector<asyncpp::task<void>> tasks;
  for (int ms : {30, 10, 20, 0, 40, 15})
    tasks.push_back(loop.create_task(sleeper(ms)));
  co_await asyncpp::gather(std::move(tasks));
  BOOST_TEST((order == std::vector<int>{0, 10, 15, 20, 30, 40}));
}

ASYNCPP_TEST_CASE(cancelling_the_earliest_sleep_leaves_the_later_ones_on_time)
{
  auto& loop = asyncpp::get_running_loop();
  const auto start = std::chrono::steady_clock::now();
  auto early = loop.create_task(asyncpp::sleep(5ms));
  auto late = loop.create_task(asyncpp::sleep(40ms));
  co_await yield(); // both are in the heap, the loop's timer armed for the early one
  early.cancel();
  BOOST_CHECK_THROW(co_await early.wait(), asyncpp::cancelled_error);
  co_await late.wait();
  BOOST_TEST((std::chrono::steady_clock::now() - start >= 40ms));
}

ASYNCPP_TEST_CASE(many_sleeps_some_cancelled)
{
  // The heap through many insertions and removals from its middle: every sleep that is
  // not cancelled lasts at least its delay, every cancelled one throws.
  auto& loop = asyncpp::get_running_loop();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> delay(0, 20000);
  struct sleeper {
    std::chrono::microseconds delay;
    asyncpp::task<std::chrono::steady_clock::duration> task;
  };
  std::vector<sleeper> sleepers;
  for (int i = 0; i < 600; ++i) {
    const std::chrono::microseconds d(delay(rng));
    sleepers.push_back({d, loop.create_task([](std::chrono::microseconds d) -> awaitable<std::chrono::steady_clock::duration> {
                          const auto start = std::chrono::steady_clock::now();
                          co_await asyncpp::sleep(d);
                          co_return std::chrono::steady_clock::now() - start;
                        }(d))});
  }
  co_await yield(); // all asleep
  for (std::size_t i = 0; i < sleepers.size(); i += 3)
    sleepers[i].task.cancel();
  for (std::size_t i = 0; i < sleepers.size(); ++i) {
    if (i % 3 == 0) {
      BOOST_CHECK_THROW(co_await sleepers[i].task.wait(), asyncpp::cancelled_error);
    } else {
      const auto slept = co_await sleepers[i].task.wait();
      BOOST_TEST((slept >= sleepers[i].delay));
    }
  }
  co_await asyncpp::sleep(1ms); // and the heap still works
}

BOOST_AUTO_TEST_CASE(sleep_in_a_plain_asio_coroutine)
{
  asyncpp::event_loop loop;
  bool done = false;
  boost::asio::co_spawn(loop.context(), [&]() -> awaitable<void> {
    co_await asyncpp::sleep(1ms);
    done = true;
  }, boost::asio::detached);
  loop.run_until_complete(asyncpp::sleep(5ms));
  loop.run_until_complete([&]() -> awaitable<void> {
    while (!done)
      co_await asyncpp::sleep(1ms);
  }());
  BOOST_TEST(done);
}

BOOST_AUTO_TEST_SUITE_END()
