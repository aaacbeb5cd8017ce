#include <asyncpp/task_group.hpp>

#include "test_util.hpp"

#include <malloc.h>

using namespace asyncpp_test;
using asyncpp::awaitable;

namespace {
awaitable<void> fail_after(int steps, std::string what)
{
  co_await yield(steps);
  throw std::runtime_error(what);
}
awaitable<void> until_cancelled(int& cancelled)
{
  try {
    co_await asyncpp::sleep(1h);
  } catch (const asyncpp::cancelled_error&) {
    ++cancelled;
    throw;
  }
}
} // namespace

BOOST_AUTO_TEST_SUITE(task_group_hpp)

ASYNCPP_TEST_CASE(finished_children_are_forgotten)
{
  // A server that puts every connection in one long-lived group must not grow with the
  // connections it has served: the group keeps only running children (Python's too).
  asyncpp::task_group group;
  int finished = 0;
  auto batch = [&](int n) -> awaitable<void> {
    for (int i = 0; i < n; ++i)
      group.create_task([&finished]() -> awaitable<void> {
        co_await yield();
        ++finished;
      });
    co_await yield(3);
  };
  co_await batch(2000); // warm-up: the allocator's caches fill
  const std::size_t before = mallinfo2().uordblks;
  for (int round = 0; round < 25; ++round)
    co_await batch(2000);
  const std::size_t after = mallinfo2().uordblks;
  BOOST_TEST(finished == 52000);
  if (before == 0) {
    BOOST_TEST_MESSAGE("mallinfo2() reports nothing under this allocator (sanitizers): growth not measured");
  } else {
    // 50 000 finished children: kept records of even 8 bytes each would be 400 KB.
    BOOST_TEST(after < before + 100 * 1024, "heap grew from " << before << " to " << after << " bytes");
  }
  co_await group.wait();
}

ASYNCPP_TEST_CASE(waits_for_every_child)
{
  int done = 0;
  {
    asyncpp::task_group group;
    for (int i = 0; i < 3; ++i)
      group.create_task([&, i]() -> awaitable<void> {
        co_await yield(i + 1);
        ++done;
      });
    auto t = group.create_task([]() -> awaitable<int> { co_return 5; }());
    co_await group.wait();
    BOOST_TEST(t.result() == 5);
    BOOST_CHECK_THROW(group.create_task(yield()), std::runtime_error);
  }
  BOOST_TEST(done == 3);
}

ASYNCPP_TEST_CASE(a_failure_cancels_the_siblings_and_raises_every_error_in_order)
{
  int cancelled = 0;
  asyncpp::task_group group;
  group.create_task(until_cancelled(cancelled));
  group.create_task(fail_after(1, "first"));
  group.create_task(until_cancelled(cancelled));
  try {
    co_await group.wait();
    BOOST_FAIL("wait() must throw");
  } catch (const asyncpp::exception_group& eg) {
    BOOST_TEST_REQUIRE(eg.exceptions().size() == 1u);
    BOOST_CHECK_THROW(std::rethrow_exception(eg.exceptions()[0]), std::runtime_error);
  }
  BOOST_TEST(cancelled == 2);

  asyncpp::task_group two;
  two.create_task(fail_after(1, "a"));
  two.create_task([]() -> awaitable<void> { // fails while being cancelled
    try {
      co_await asyncpp::sleep(1h);
    } catch (const asyncpp::cancelled_error&) {
    }
    throw std::logic_error("b");
  });
  try {
    co_await two.wait();
  } catch (const asyncpp::exception_group& eg) {
    BOOST_TEST_REQUIRE(eg.exceptions().size() == 2u);
    BOOST_CHECK_THROW(std::rethrow_exception(eg.exceptions()[0]), std::runtime_error);
    BOOST_CHECK_THROW(std::rethrow_exception(eg.exceptions()[1]), std::logic_error);
  }
}

ASYNCPP_TEST_CASE(cancelling_the_waiter_cancels_the_children)
{
  auto& loop = asyncpp::get_running_loop();
  int cancelled = 0;
  auto waiter = loop.create_task([&]() -> awaitable<void> {
    asyncpp::task_group group;
    group.create_task(until_cancelled(cancelled));
    group.create_task(until_cancelled(cancelled));
    co_await group.wait();
  });
  co_await yield(2);
  waiter.cancel();
  BOOST_CHECK_THROW(co_await waiter.wait(), asyncpp::cancelled_error);
  BOOST_TEST(cancelled == 2);

  // a child failure wins over the cancellation
  auto failing = loop.create_task([&]() -> awaitable<void> {
    asyncpp::task_group group;
    group.create_task([]() -> awaitable<void> {
      try {
        co_await asyncpp::sleep(1h);
      } catch (const asyncpp::cancelled_error&) {
      }
      throw std::runtime_error("cleanup failed");
    });
    co_await group.wait();
  });
  co_await yield(2);
  failing.cancel();
  BOOST_CHECK_THROW(co_await failing.wait(), asyncpp::exception_group);
}

ASYNCPP_TEST_CASE(destroying_an_unwaited_group_cancels_its_children)
{
  int cancelled = 0;
  asyncpp::task<void> child;
  {
    asyncpp::task_group group;
    child = group.create_task(until_cancelled(cancelled));
    co_await yield();
  }
  BOOST_CHECK_THROW(co_await child.wait(), asyncpp::cancelled_error);
  BOOST_TEST(cancelled == 1);
}

BOOST_AUTO_TEST_SUITE_END()
