#include <asyncpp/gather.hpp>

#include "test_util.hpp"

using namespace asyncpp_test;
using asyncpp::awaitable;

namespace {

awaitable<int> value(int v, int yields = 1)
{
  co_await yield(yields);
  co_return v;
}

awaitable<int> fail(std::string what, int yields = 1)
{
  co_await yield(yields);
  throw std::runtime_error(what);
}

awaitable<void> record(std::vector<int>& order, int id)
{
  order.push_back(id);
  co_await yield();
  order.push_back(id + 10);
}

// Sleeps until cancelled, then needs a few more steps to clean up.
awaitable<int> slow_cleanup(bool& cancelled, bool& cleaned)
{
  try {
    co_await asyncpp::sleep(1h);
  } catch (const asyncpp::cancelled_error&) {
    cancelled = true;
  }
  co_await yield(3);
  cleaned = true;
  throw asyncpp::cancelled_error();
}

awaitable<int> fail_at_once()
{
  throw std::runtime_error("at once");
  co_return 0;
}

awaitable<void> start_then_sleep(bool& started, bool& cancelled)
{
  started = true;
  try {
    co_await asyncpp::sleep(1h);
  } catch (const asyncpp::cancelled_error&) {
    cancelled = true;
    throw;
  }
}

struct no_default {
  explicit no_default(int v) : value(v) {}
  int value;
};

awaitable<no_default> make_no_default(int v)
{
  co_await yield();
  co_return no_default(v);
}

} // namespace

BOOST_AUTO_TEST_SUITE(gather_hpp)

ASYNCPP_TEST_CASE(results_keep_argument_order)
{
  auto& loop = asyncpp::get_running_loop();
  auto t = loop.create_task(value(2, 1));
  auto [a, b, c, d] = co_await asyncpp::gather(value(1, 3), t, value(3, 2), yield());
  BOOST_TEST(a == 1);
  BOOST_TEST(b == 2);
  BOOST_TEST(c == 3);
  static_assert(std::is_same_v<decltype(d), std::monostate>);
  BOOST_TEST(t.result() == 2); // a task passed in is still readable

  std::vector<awaitable<int>> aws;
  for (int i = 0; i < 5; ++i)
    aws.push_back(value(i, 5 - i));
  auto vs = co_await asyncpp::gather(std::move(aws));
  BOOST_TEST((vs == std::vector<int>{0, 1, 2, 3, 4}));

  std::vector<asyncpp::task<int>> ts{loop.create_task(value(7)), loop.create_task(value(8))};
  auto tv = co_await asyncpp::gather(ts);
  BOOST_TEST((tv == std::vector<int>{7, 8}));

  auto empty = co_await asyncpp::gather(std::vector<awaitable<int>>{});
  BOOST_TEST(empty.empty());
  auto empty_tasks = co_await asyncpp::gather(std::vector<asyncpp::task<void>>{});
  BOOST_TEST(empty_tasks.empty());
}

// gather is a class deduced from its arguments (it records where it is called) that
// derives from its awaitable: it goes wherever that awaitable goes, written inline.
ASYNCPP_TEST_CASE(a_gather_goes_where_its_awaitable_goes)
{
  auto& loop = asyncpp::get_running_loop();
  auto [x, y] = co_await asyncpp::wait_for(asyncpp::gather(value(1), value(2)), 1h);
  BOOST_TEST(x + y == 3);
  auto [inner, last] = co_await asyncpp::gather(asyncpp::gather(value(3), value(4)), value(5));
  BOOST_TEST(std::get<0>(inner) + std::get<1>(inner) + last == 12);
  auto t = loop.create_task(asyncpp::gather(value(6), value(7)), "pair");
  auto [a, b] = co_await t.wait();
  BOOST_TEST(a * b == 42);
  awaitable<std::tuple<int, int>> kept = asyncpp::gather(value(8), value(9)); // converts to its awaitable
  auto [c, d] = co_await std::move(kept);
  BOOST_TEST(c + d == 17);
}

ASYNCPP_TEST_CASE(children_run_concurrently)
{
  std::vector<int> order;
  co_await asyncpp::gather(record(order, 1), record(order, 2), record(order, 3));
  BOOST_TEST((order == std::vector<int>{1, 2, 3, 11, 12, 13}));
}

ASYNCPP_TEST_CASE(a_failure_cancels_the_rest_and_waits_for_them)
{
  bool cancelled = false, cleaned = false;
  try {
    co_await asyncpp::gather(slow_cleanup(cancelled, cleaned), fail("first", 1), fail("second", 2));
    BOOST_FAIL("gather must rethrow");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) == "first");
  }
  BOOST_TEST(cancelled);
  BOOST_TEST(cleaned); // gather returned only after the child finished
}

// A child ends in its own last step, even one that fails before it ever suspends: its
// siblings still all start, then are cancelled.
ASYNCPP_TEST_CASE(a_child_that_fails_at_once_lets_every_sibling_start)
{
  bool started = false, cancelled = false;
  try {
    co_await asyncpp::gather(fail_at_once(), start_then_sleep(started, cancelled));
    BOOST_FAIL("gather must rethrow");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) == "at once");
  }
  BOOST_TEST(started);
  BOOST_TEST(cancelled);
}

// A result type without a default constructor is gathered like any other, without a task.
ASYNCPP_TEST_CASE(results_without_a_default_constructor)
{
  const auto tasks_before = asyncpp::all_tasks().size();
  auto [a, b] = co_await asyncpp::gather(make_no_default(1), make_no_default(2));
  BOOST_TEST(a.value + b.value == 3);
  std::vector<awaitable<no_default>> aws;
  aws.push_back(make_no_default(3));
  aws.push_back(make_no_default(4));
  auto vs = co_await asyncpp::gather(std::move(aws));
  BOOST_TEST(vs.at(0).value * vs.at(1).value == 12);
  auto outcomes = co_await asyncpp::gather(asyncpp::return_exceptions, make_no_default(5));
  BOOST_TEST(std::get<0>(outcomes).value().value == 5);
  BOOST_TEST(asyncpp::all_tasks().size() == tasks_before);
}

ASYNCPP_TEST_CASE(return_exceptions_collects_every_outcome)
{
  auto& loop = asyncpp::get_running_loop();
  auto cancelled = loop.create_task(asyncpp::sleep(1h));
  cancelled.cancel();
  auto [a, b, c] = co_await asyncpp::gather(asyncpp::return_exceptions, value(1), fail("f"), cancelled);
  BOOST_TEST(a.has_value());
  BOOST_TEST(a.value() == 1);
  BOOST_TEST(!a.exception());
  BOOST_TEST(!b.has_value());
  BOOST_CHECK_THROW(b.value(), std::runtime_error);
  BOOST_TEST(!c.has_value());
  BOOST_CHECK_THROW(std::rethrow_exception(c.exception()), asyncpp::cancelled_error);

  std::vector<awaitable<int>> aws;
  aws.push_back(fail("x", 2));
  aws.push_back(value(5, 3)); // not cancelled by its sibling's failure
  auto outs = co_await asyncpp::gather(asyncpp::return_exceptions, std::move(aws));
  BOOST_TEST(!outs[0].has_value());
  BOOST_TEST(outs[1].value() == 5);

  std::vector<asyncpp::task<void>> ts{loop.create_task(yield())};
  auto touts = co_await asyncpp::gather(asyncpp::return_exceptions, ts);
  BOOST_TEST(touts[0].has_value());
}

ASYNCPP_TEST_CASE(a_cancelled_child_fails_gather)
{
  auto& loop = asyncpp::get_running_loop();
  auto victim = loop.create_task(asyncpp::sleep(1h));
  auto other = loop.create_task(value(1, 5));
  loop.call_soon([&] { victim.cancel(); });
  BOOST_CHECK_THROW(co_await asyncpp::gather(victim, other), asyncpp::cancelled_error);
  BOOST_TEST(other.cancelled()); // cancelled as a sibling of the failure
}

ASYNCPP_TEST_CASE(cancelling_the_waiter_cancels_every_child)
{
  auto& loop = asyncpp::get_running_loop();
  bool c1 = false, cl1 = false, c2 = false, cl2 = false;
  auto waiter = loop.create_task([&]() -> awaitable<void> {
    co_await asyncpp::gather(slow_cleanup(c1, cl1), slow_cleanup(c2, cl2));
  });
  co_await yield(2);
  waiter.cancel();
  BOOST_CHECK_THROW(co_await waiter.wait(), asyncpp::cancelled_error);
  BOOST_TEST(waiter.cancelled());
  BOOST_TEST((c1 && c2 && cl1 && cl2));
}

ASYNCPP_TEST_CASE(failure_then_outside_cancellation_throws_the_failure)
{
  auto& loop = asyncpp::get_running_loop();
  bool cancelled = false, cleaned = false;
  auto waiter = loop.create_task([&]() -> awaitable<void> {
    co_await asyncpp::gather(slow_cleanup(cancelled, cleaned), fail("came first", 1));
  });
  co_await yield(3); // the failure happened; the slow child is cleaning up
  waiter.cancel();
  BOOST_CHECK_THROW(co_await waiter.wait(), std::runtime_error);
  BOOST_TEST(cleaned);
}

ASYNCPP_TEST_CASE(outside_cancellation_then_failure_throws_cancelled)
{
  auto& loop = asyncpp::get_running_loop();
  auto fails_when_cancelled = []() -> awaitable<int> {
    try {
      co_await asyncpp::sleep(1h);
    } catch (const asyncpp::cancelled_error&) {
    }
    co_await yield();
    throw std::runtime_error("came second");
  };
  auto waiter = loop.create_task([&]() -> awaitable<void> { co_await asyncpp::gather(fails_when_cancelled()); });
  co_await yield(2);
  waiter.cancel();
  BOOST_CHECK_THROW(co_await waiter.wait(), asyncpp::cancelled_error);
}

BOOST_AUTO_TEST_CASE(child_exceptions_are_retrieved_by_gather)
{
  handler_log log;
  asyncpp::event_loop loop;
  log.install(loop);
  BOOST_CHECK_THROW(loop.run_until_complete(asyncpp::gather(fail("a", 1), fail("b", 2))), std::runtime_error);
  loop.run_until_complete(asyncpp::gather(asyncpp::return_exceptions, fail("c"), value(1)));
  loop.run_until_complete(yield(3));
  BOOST_TEST(log.seen.empty());
}

BOOST_AUTO_TEST_SUITE_END()
