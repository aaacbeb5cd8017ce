#include <asyncpp/threadsafe.hpp>

#include "test_util.hpp"

#include <atomic>
#include <thread>

using namespace asyncpp_test;
using asyncpp::awaitable;

BOOST_AUTO_TEST_SUITE(threadsafe_hpp)

BOOST_AUTO_TEST_CASE(run_coroutine_threadsafe_from_several_threads)
{
  asyncpp::event_loop loop;
  std::atomic<int> sum{0};
  std::atomic<int> finished{0};
  constexpr int threads = 4, per_thread = 50;
  std::thread runner([&] { loop.run_forever(); });
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t)
    clients.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto f = asyncpp::run_coroutine_threadsafe([](int v) -> awaitable<int> {
          co_await asyncpp::sleep(0s);
          co_return v;
        }(t * 1000 + i), loop);
        sum += f.get();
      }
      auto failing = asyncpp::run_coroutine_threadsafe([]() -> awaitable<void> {
        co_await asyncpp::sleep(0s);
        throw std::runtime_error("from the loop");
      }(), loop);
      try {
        failing.get();
      } catch (const std::runtime_error&) {
        ++finished;
      }
    });
  for (auto& c : clients)
    c.join();
  loop.call_soon_threadsafe([&] { loop.stop(); });
  runner.join();
  int expected = 0;
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per_thread; ++i)
      expected += t * 1000 + i;
  BOOST_TEST(sum == expected);
  BOOST_TEST(finished == threads);
}

BOOST_AUTO_TEST_CASE(a_closed_loop_refuses_and_an_unrun_coroutine_breaks_the_promise)
{
  std::future<int> orphan;
  {
    asyncpp::event_loop loop;
    orphan = asyncpp::run_coroutine_threadsafe([]() -> awaitable<int> { co_return 1; }(), loop);
  } // closed without running
  BOOST_CHECK_THROW(orphan.get(), std::future_error);
  asyncpp::event_loop closed;
  closed.close();
  BOOST_CHECK_THROW(asyncpp::run_coroutine_threadsafe([]() -> awaitable<int> { co_return 1; }(), closed),
                    std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
