#include <asyncpp/sleep.hpp>

#include "test_util.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

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
