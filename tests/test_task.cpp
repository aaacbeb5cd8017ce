#include <asyncpp/task.hpp>

#include "test_util.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/system/system_error.hpp>

#include <memory>

namespace asio = boost::asio;
using namespace asyncpp_test;
using asyncpp::awaitable;

namespace {

awaitable<int> value_after_yield(int v)
{
  co_await yield();
  co_return v;
}

awaitable<int> fail_after_yield(std::string what)
{
  co_await yield();
  throw std::runtime_error(what);
}

awaitable<void> sleep_forever()
{
  co_await asyncpp::sleep(1h);
}

struct no_default {
  explicit no_default(int v) : value(v) {}
  int value;
};

} // namespace

BOOST_AUTO_TEST_SUITE(task_hpp)

ASYNCPP_TEST_CASE(starts_on_the_loop_not_inline)
{
  bool started = false;
  auto t = asyncpp::get_running_loop().create_task([&]() -> awaitable<void> {
    started = true;
    co_return;
  });
  BOOST_TEST(!started);
  BOOST_TEST(!t.done());
  co_await yield();
  BOOST_TEST(started);
  co_await t.wait();
  BOOST_TEST(t.done());
}

ASYNCPP_TEST_CASE(result_and_exception)
{
  auto& loop = asyncpp::get_running_loop();
  auto ok = loop.create_task(value_after_yield(4));
  auto bad = loop.create_task(fail_after_yield("boom"));
  BOOST_CHECK_THROW(ok.result(), asyncpp::invalid_state_error);
  BOOST_CHECK_THROW(ok.exception(), asyncpp::invalid_state_error);
  co_await yield(3);
  BOOST_TEST(ok.result() == 4);
  BOOST_TEST(!ok.exception());
  BOOST_TEST(!ok.cancelled());
  BOOST_CHECK_THROW(bad.result(), std::runtime_error);
  BOOST_TEST(static_cast<bool>(bad.exception()));
  BOOST_TEST(!bad.cancelled());
}

ASYNCPP_TEST_CASE(wait_yields_the_value_or_rethrows)
{
  auto& loop = asyncpp::get_running_loop();
  BOOST_TEST(co_await loop.create_task(value_after_yield(5)).wait() == 5);
  auto bad = loop.create_task(fail_after_yield("bad"));
  bool caught = false;
  try {
    co_await bad.wait();
  } catch (const std::runtime_error& e) {
    caught = std::string(e.what()) == "bad";
  }
  BOOST_TEST(caught);
  // a finished task can be awaited again
  BOOST_CHECK_THROW(co_await bad.wait(), std::runtime_error);
}

// As in Python: a task that never suspends is done after the one loop iteration that runs it.
ASYNCPP_TEST_CASE(a_task_that_never_suspends_is_done_after_one_iteration)
{
  auto& loop = asyncpp::get_running_loop();
  auto t = loop.create_task([]() -> awaitable<int> { co_return 7; });
  BOOST_TEST(!t.done());
  co_await asyncpp::sleep(0s);
  BOOST_TEST(t.done());
  BOOST_TEST(t.result() == 7);
}

ASYNCPP_TEST_CASE(move_only_and_non_default_constructible_results)
{
  auto& loop = asyncpp::get_running_loop();
  auto p = loop.create_task([]() -> awaitable<std::unique_ptr<int>> { co_return std::make_unique<int>(7); });
  auto v = co_await p.wait();
  BOOST_TEST(*v == 7);
  // The value was moved out: a second read throws instead of handing out an empty pointer.
  BOOST_CHECK_THROW(co_await p.wait(), asyncpp::invalid_state_error);
  auto n = loop.create_task([]() -> awaitable<no_default> { co_return no_default(3); });
  BOOST_TEST((co_await n.wait()).value == 3);
  BOOST_TEST(n.result().value == 3);
}

ASYNCPP_TEST_CASE(cancel_before_start_never_runs_the_body)
{
  bool ran = false;
  auto t = asyncpp::get_running_loop().create_task([&]() -> awaitable<void> {
    ran = true;
    co_return;
  });
  BOOST_TEST(t.cancel("early"));
  co_await yield();
  BOOST_TEST(!ran);
  BOOST_TEST(t.done());
  BOOST_TEST(t.cancelled());
  try {
    t.result();
    BOOST_FAIL("result() of a cancelled task must throw");
  } catch (const asyncpp::cancelled_error& e) {
    BOOST_TEST(e.message() == "early");
  }
  BOOST_CHECK_THROW(t.exception(), asyncpp::cancelled_error);
  BOOST_TEST(!t.cancel()); // already done
}

ASYNCPP_TEST_CASE(cancel_only_requests_and_reaches_the_suspended_wait)
{
  bool caught = false;
  auto t = asyncpp::get_running_loop().create_task([&]() -> awaitable<void> {
    try {
      co_await asyncpp::sleep(1h);
    } catch (const asyncpp::cancelled_error&) {
      caught = true;
      throw;
    }
  });
  co_await yield();
  BOOST_TEST(t.cancel());
  BOOST_TEST(!caught); // nothing of the task ran inside cancel()
  BOOST_TEST(!t.done());
  BOOST_CHECK_THROW(co_await t.wait(), asyncpp::cancelled_error);
  BOOST_TEST(caught);
  BOOST_TEST(t.cancelled());
}

ASYNCPP_TEST_CASE(a_task_that_cancels_itself_sees_it_at_its_next_await)
{
  asyncpp::task<int> self;
  int steps = 0;
  self = asyncpp::get_running_loop().create_task([&]() -> awaitable<int> {
    self.cancel("myself");
    ++steps; // still running: the request waits for the next suspension
    try {
      co_await yield();
    } catch (const asyncpp::cancelled_error& e) {
      BOOST_TEST(e.message() == "myself");
      throw;
    }
    ++steps;
    co_return 1;
  });
  BOOST_CHECK_THROW(co_await self.wait(), asyncpp::cancelled_error);
  BOOST_TEST(steps == 1);
  BOOST_TEST(self.cancelled());
}

ASYNCPP_TEST_CASE(catching_the_cancellation_keeps_the_result)
{
  auto t = asyncpp::get_running_loop().create_task([&]() -> awaitable<int> {
    try {
      co_await asyncpp::sleep(1h);
    } catch (const asyncpp::cancelled_error&) {
    }
    co_await yield(); // awaiting again works: the Asio cancellation state was reset
    co_return 5;
  });
  co_await yield();
  t.cancel();
  BOOST_TEST(co_await t.wait() == 5);
  BOOST_TEST(!t.cancelled());
}

ASYNCPP_TEST_CASE(cancel_racing_with_the_wake_up_still_cancels)
{
  auto& loop = asyncpp::get_running_loop();
  // a's sleep(0) wake-up is queued before b runs; b cancels a before a resumes.
  bool saw_cancel = false;
  asyncpp::task<void> a = loop.create_task([&]() -> awaitable<void> {
    try {
      co_await asyncpp::sleep(0s);
    } catch (const asyncpp::cancelled_error&) {
      saw_cancel = true;
      throw;
    }
  });
  auto b = loop.create_task([&]() -> awaitable<void> {
    a.cancel();
    co_return;
  });
  co_await b.wait();
  BOOST_CHECK_THROW(co_await a.wait(), asyncpp::cancelled_error);
  BOOST_TEST(saw_cancel);
  BOOST_TEST(a.cancelled());
}

ASYNCPP_TEST_CASE(a_cancel_arriving_after_the_awaited_task_ended_is_not_lost)
{
  auto& loop = asyncpp::get_running_loop();
  // t ends in the step before a's cancellation is delivered: the cancellation can no
  // longer pass on to t, so it is a's own.
  auto t = loop.create_task(value_after_yield(5));
  auto a = loop.create_task([&]() -> awaitable<int> { co_return co_await t.wait(); });
  auto b = loop.create_task([&]() -> awaitable<void> {
    a.cancel();
    co_return;
  });
  co_await b.wait();
  BOOST_CHECK_THROW(co_await a.wait(), asyncpp::cancelled_error);
  BOOST_TEST(a.cancelled());
  BOOST_TEST(t.result() == 5);
}

ASYNCPP_TEST_CASE(raw_asio_operations_see_operation_aborted)
{
  bool aborted = false;
  bool again = false;
  auto t = asyncpp::get_running_loop().create_task([&]() -> awaitable<int> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
    try {
      co_await timer.async_wait(asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
      aborted = e.code() == asio::error::operation_aborted;
    }
    // Asio's rule: the cancellation sticks until the coroutine resets it.
    try {
      co_await asyncpp::sleep(0s);
    } catch (const boost::system::system_error& e) {
      again = e.code() == asio::error::operation_aborted;
    }
    co_await asio::this_coro::reset_cancellation_state();
    co_await asyncpp::sleep(0s);
    co_return 9;
  });
  co_await yield();
  t.cancel();
  BOOST_TEST(co_await t.wait() == 9);
  BOOST_TEST(aborted);
  BOOST_TEST(again);
  BOOST_TEST(!t.cancelled()); // it caught the cancellation and returned normally
}

ASYNCPP_TEST_CASE(ending_with_operation_aborted_after_cancel_is_cancelled)
{
  auto& loop = asyncpp::get_running_loop();
  auto cancelled = loop.create_task([]() -> awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
    co_await timer.async_wait(asio::use_awaitable);
  });
  // the same exception without a cancel() is an ordinary failure
  auto failed = loop.create_task([]() -> awaitable<void> {
    throw boost::system::system_error(asio::error::operation_aborted);
    co_return;
  });
  co_await yield();
  cancelled.cancel("stop");
  BOOST_CHECK_THROW(co_await cancelled.wait(), asyncpp::cancelled_error);
  BOOST_TEST(cancelled.cancelled());
  BOOST_CHECK_THROW(co_await failed.wait(), boost::system::system_error);
  BOOST_TEST(!failed.cancelled());
  BOOST_TEST(asyncpp::is_cancellation(failed.exception()));
}

ASYNCPP_TEST_CASE(operations_that_ignore_cancellation_throw_at_the_next_await)
{
  bool aborted_at_next_await = false;
  auto t = asyncpp::get_running_loop().create_task([&]() -> awaitable<int> {
    try {
      for (int i = 0; i < 1000; ++i)
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable); // not cancellable
    } catch (const boost::system::system_error& e) {
      aborted_at_next_await = e.code() == asio::error::operation_aborted;
    }
    co_return 1;
  });
  co_await yield();
  t.cancel();
  BOOST_TEST(co_await t.wait() == 1);
  BOOST_TEST(aborted_at_next_await);
}

ASYNCPP_TEST_CASE(cancelling_the_awaiter_cancels_the_awaited_task)
{
  auto& loop = asyncpp::get_running_loop();
  auto inner = loop.create_task(sleep_forever());
  auto outer = loop.create_task([&]() -> awaitable<void> { co_await inner.wait(); });
  co_await yield();
  outer.cancel();
  BOOST_CHECK_THROW(co_await outer.wait(), asyncpp::cancelled_error);
  BOOST_TEST(inner.cancelled());
  BOOST_TEST(outer.cancelled());

  // The awaiter sees whatever the awaited task ends with.
  auto stubborn = loop.create_task([]() -> awaitable<int> {
    try {
      co_await asyncpp::sleep(1h);
    } catch (const asyncpp::cancelled_error&) {
    }
    co_return 42;
  });
  auto waiter = loop.create_task([&]() -> awaitable<int> {
    int v = co_await stubborn.wait();
    co_await yield(); // and may go on awaiting
    co_return v + 1;
  });
  co_await yield();
  waiter.cancel();
  BOOST_TEST(co_await waiter.wait() == 43);
  BOOST_TEST(!stubborn.cancelled());
}

ASYNCPP_TEST_CASE(asio_operation_form)
{
  auto& loop = asyncpp::get_running_loop();
  auto t = loop.create_task(value_after_yield(6));
  BOOST_TEST(co_await t(asio::use_awaitable) == 6);
  auto bad = loop.create_task(fail_after_yield("op"));
  BOOST_CHECK_THROW(co_await bad(asio::use_awaitable), std::runtime_error);

  // plain completion handler
  int got = 0;
  std::exception_ptr err;
  auto h = loop.create_task(value_after_yield(8));
  h([&](std::exception_ptr e, int v) {
    err = e;
    got = v;
  });
  auto v = loop.create_task([]() -> awaitable<void> { co_return; });
  bool void_done = false;
  v([&](std::exception_ptr e) { void_done = !e; });
  co_await yield(4);
  BOOST_TEST(got == 8);
  BOOST_TEST(!err);
  BOOST_TEST(void_done);

  // a cancelled task completes the operation with cancelled_error
  auto c = loop.create_task(sleep_forever());
  std::exception_ptr cancelled_err;
  c([&](std::exception_ptr e) { cancelled_err = e; });
  co_await yield();
  c.cancel();
  co_await yield(3);
  BOOST_TEST(asyncpp::is_cancellation(cancelled_err));
}

BOOST_AUTO_TEST_CASE(use_future_form)
{
  asyncpp::event_loop loop;
  auto t = loop.create_task(value_after_yield(11));
  std::future<int> f = t(asio::use_future);
  loop.run_until_complete(t);
  loop.run_until_complete([]() -> awaitable<void> { co_await yield(2); }());
  BOOST_TEST(f.get() == 11);
}

BOOST_AUTO_TEST_CASE(awaited_from_a_plain_asio_coroutine)
{
  asyncpp::event_loop loop;
  auto t = loop.create_task(value_after_yield(12));
  int got = 0;
  asio::co_spawn(loop.context(), [&]() -> awaitable<void> {
    got = co_await t.wait();
    got += co_await t(asio::use_awaitable);
  }, asio::detached);
  loop.run_until_complete(t);
  loop.run_until_complete([]() -> awaitable<void> { co_await yield(3); }());
  BOOST_TEST(got == 24);
}

ASYNCPP_TEST_CASE(the_loop_keeps_dropped_tasks_alive)
{
  bool finished = false;
  asyncpp::get_running_loop().create_task([&]() -> awaitable<void> {
    co_await yield(3);
    finished = true;
  });
  co_await yield(5);
  BOOST_TEST(finished);
}

BOOST_AUTO_TEST_CASE(unretrieved_exception_is_reported_exactly_once)
{
  handler_log log;
  asyncpp::event_loop loop;
  log.install(loop);
  const std::string msg = "Task exception was never retrieved";
  {
    // fire and forget
    loop.create_task(fail_after_yield("lost"), "lost-task");
    // kept, then dropped unread
    auto kept = loop.create_task(fail_after_yield("dropped"));
    loop.run_until_complete([]() -> awaitable<void> { co_await yield(3); }());
    BOOST_TEST(log.count(msg) == 1);
    BOOST_TEST(log.seen.at(0).task_name == "lost-task");
  }
  BOOST_TEST(log.count(msg) == 2);
  {
    // retrieved: never reported; cancelled: never reported
    auto read = loop.create_task(fail_after_yield("read"));
    auto cancelled = loop.create_task(sleep_forever());
    loop.run_until_complete([]() -> awaitable<void> { co_await yield(3); }());
    cancelled.cancel();
    loop.run_until_complete([]() -> awaitable<void> { co_await yield(3); }());
    BOOST_CHECK_THROW(read.result(), std::runtime_error);
  }
  BOOST_TEST(log.count(msg) == 2);
  BOOST_TEST(log.seen.size() == 2u);
}

ASYNCPP_TEST_CASE(done_callbacks_are_scheduled_with_call_soon)
{
  auto& loop = asyncpp::get_running_loop();
  auto t = loop.create_task(value_after_yield(3));
  std::vector<int> order;
  t.add_done_callback([&](asyncpp::task<int>& done) {
    BOOST_TEST(done.done());
    order.push_back(done.result());
  });
  t.add_done_callback([&](asyncpp::task<int>&) { order.push_back(-1); });
  co_await t.wait();
  co_await yield();
  BOOST_TEST((order == std::vector<int>{3, -1}));
  // added to a finished task: still scheduled, not run inline
  bool late = false;
  t.add_done_callback([&](asyncpp::task<int>&) { late = true; });
  BOOST_TEST(!late);
  co_await yield();
  BOOST_TEST(late);
}

ASYNCPP_TEST_CASE(names)
{
  auto& loop = asyncpp::get_running_loop();
  auto a = loop.create_task(value_after_yield(1));
  auto b = loop.create_task(value_after_yield(2));
  auto c = loop.create_task(value_after_yield(3), "worker");
  BOOST_TEST(a.get_name().rfind("Task-", 0) == 0);
  const auto na = std::stoul(a.get_name().substr(5));
  const auto nb = std::stoul(b.get_name().substr(5));
  BOOST_TEST(nb == na + 1);
  BOOST_TEST(c.get_name() == "worker");
  a.set_name("renamed");
  BOOST_TEST(a.get_name() == "renamed");
  co_await asyncpp::gather(a, b, c);
}

ASYNCPP_TEST_CASE(callable_form_keeps_the_lambda_alive)
{
  auto& loop = asyncpp::get_running_loop();
  auto text = std::make_shared<std::string>("kept");
  auto t = loop.create_task([text]() -> awaitable<std::string> {
    co_await yield(2); // the temporary lambda is long gone; its captures are not
    co_return *text;
  });
  text.reset();
  BOOST_TEST(co_await t.wait() == "kept");
}

ASYNCPP_TEST_CASE(current_task_and_all_tasks)
{
  auto& loop = asyncpp::get_running_loop();
  auto me = asyncpp::current_task();
  BOOST_TEST_REQUIRE(me.has_value());
  asyncpp::task<int> t;
  t = loop.create_task([&]() -> awaitable<int> {
    auto cur = asyncpp::current_task();
    BOOST_TEST((cur.has_value() && *cur == asyncpp::task_handle(t)));
    co_await yield();
    cur = asyncpp::current_task(); // still exact after a resumption
    BOOST_TEST((cur.has_value() && *cur == asyncpp::task_handle(t)));
    co_return 1;
  });
  auto all = asyncpp::all_tasks();
  BOOST_TEST(all.size() == 2u);
  co_await t.wait();
  BOOST_TEST(asyncpp::all_tasks().size() == 1u);
  BOOST_TEST((*asyncpp::current_task() == *me));
}

BOOST_AUTO_TEST_CASE(empty_handles_and_tasks_created_before_running)
{
  asyncpp::task<int> empty;
  BOOST_TEST(!empty.valid());
  BOOST_TEST(!empty.done());
  BOOST_CHECK_THROW(empty.result(), asyncpp::invalid_state_error);
  BOOST_CHECK_THROW(empty.cancel(), asyncpp::invalid_state_error);

  asyncpp::event_loop loop;
  auto t = loop.create_task(value_after_yield(2)); // scheduled; runs once the loop runs
  BOOST_TEST(!t.done());
  BOOST_TEST(loop.run_until_complete(t) == 2);
}

BOOST_AUTO_TEST_SUITE_END()
