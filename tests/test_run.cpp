#include <asyncpp/run.hpp>

#include "test_util.hpp"

#include <atomic>
#include <thread>

using namespace asyncpp_test;
using asyncpp::awaitable;

BOOST_AUTO_TEST_SUITE(run_hpp)

BOOST_AUTO_TEST_CASE(returns_the_result_or_rethrows)
{
  BOOST_TEST(asyncpp::run([]() -> awaitable<int> {
               co_await yield();
               co_return 3;
             }()) == 3);
  asyncpp::run([]() -> awaitable<void> { co_await yield(); }());
  BOOST_CHECK_THROW(asyncpp::run([]() -> awaitable<void> {
                      co_await yield();
                      throw std::runtime_error("main failed");
                    }()),
                    std::runtime_error);
}

BOOST_AUTO_TEST_CASE(refuses_to_nest)
{
  asyncpp::run([]() -> awaitable<void> {
    BOOST_CHECK_THROW(asyncpp::run(yield()), std::runtime_error);
    co_return;
  }());
}

BOOST_AUTO_TEST_CASE(cancels_leftover_tasks_and_lets_them_finish)
{
  bool saw_cancel = false, cleaned_up = false;
  asyncpp::run([&]() -> awaitable<void> {
    asyncpp::get_running_loop().create_task([&]() -> awaitable<void> {
      try {
        co_await asyncpp::sleep(1h);
      } catch (const asyncpp::cancelled_error&) {
        saw_cancel = true;
      }
      co_await yield(); // cleanup may still await
      cleaned_up = true;
    });
    co_await yield();
  }());
  BOOST_TEST(saw_cancel);
  BOOST_TEST(cleaned_up);
}

BOOST_AUTO_TEST_CASE(shutdown_failures_reach_the_exception_handler)
{
  handler_log log;
  asyncpp::run([&]() -> awaitable<void> {
    log.install(asyncpp::get_running_loop());
    asyncpp::get_running_loop().create_task([]() -> awaitable<void> {
      try {
        co_await asyncpp::sleep(1h);
      } catch (const asyncpp::cancelled_error&) {
        throw std::runtime_error("failed while cancelled");
      }
    });
    co_await yield();
  }());
  BOOST_TEST(log.count("Unhandled exception during asyncpp::run() shutdown") == 1u);
}

BOOST_AUTO_TEST_CASE(joins_the_default_executor)
{
  std::atomic<bool> finished{false};
  asyncpp::run([&]() -> awaitable<void> {
    // not awaited to the end: the leftover task is cancelled, the function runs on
    asyncpp::get_running_loop().create_task(asyncpp::to_thread([&] {
      std::this_thread::sleep_for(30ms);
      finished = true;
    }));
    co_await yield(2);
  }());
  BOOST_TEST(finished.load());
}

BOOST_AUTO_TEST_CASE(restores_the_previous_current_loop)
{
  asyncpp::event_loop mine;
  asyncpp::set_event_loop(&mine);
  asyncpp::event_loop* inside = nullptr;
  asyncpp::run([&]() -> awaitable<void> {
    inside = &asyncpp::get_event_loop();
    co_return;
  }());
  BOOST_TEST(inside != &mine);
  BOOST_TEST(&asyncpp::get_event_loop() == &mine);
  asyncpp::set_event_loop(nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
