#include <asyncpp/queue.hpp>

#include "test_util.hpp"

#include <random>
#include <set>

using namespace asyncpp_test;
using asyncpp::awaitable;

BOOST_AUTO_TEST_SUITE(queue_hpp)

ASYNCPP_TEST_CASE(orders)
{
  asyncpp::queue<int> fifo;
  asyncpp::lifo_queue<int> lifo;
  asyncpp::priority_queue<int> prio;
  const std::vector<int> values{3, 1, 2};
  for (int v : values) {
    co_await fifo.put(v);
    lifo.put_nowait(v);
    prio.put_nowait(v);
  }
  BOOST_TEST(fifo.qsize() == 3u);
  const int first = fifo.get_nowait(), second = fifo.get_nowait();
  const int third = co_await fifo.get();
  BOOST_TEST((std::vector<int>{first, second, third} == values));
  BOOST_TEST((std::vector<int>{lifo.get_nowait(), lifo.get_nowait(), lifo.get_nowait()} == std::vector<int>{2, 1, 3}));
  BOOST_TEST((std::vector<int>{prio.get_nowait(), prio.get_nowait(), prio.get_nowait()} == std::vector<int>{1, 2, 3}));
  BOOST_CHECK_THROW(fifo.get_nowait(), asyncpp::queue_empty);
  asyncpp::queue<std::unique_ptr<int>> move_only(1);
  move_only.put_nowait(std::make_unique<int>(4));
  BOOST_TEST(move_only.full());
  BOOST_TEST(move_only.maxsize() == 1u);
  BOOST_CHECK_THROW(move_only.put_nowait(nullptr), asyncpp::queue_full);
  BOOST_TEST(*(co_await move_only.get()) == 4);
}

ASYNCPP_TEST_CASE(getters_and_putters_wait_in_fifo_order)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::queue<int> q(1);
  std::vector<int> got;
  std::vector<asyncpp::task<void>> getters;
  for (int i = 0; i < 3; ++i)
    getters.push_back(loop.create_task([&, i]() -> awaitable<void> { got.push_back(i * 10 + co_await q.get()); }));
  co_await yield();
  for (int v = 1; v <= 3; ++v)
    co_await q.put(v); // waits while the one slot is taken
  co_await asyncpp::gather(getters);
  BOOST_TEST((got == std::vector<int>{1, 12, 23}));
}

ASYNCPP_TEST_CASE(a_getter_cancelled_while_being_woken_leaves_the_item)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::queue<int> q;
  auto first = loop.create_task([&]() -> awaitable<int> { co_return co_await q.get(); });
  auto second = loop.create_task([&]() -> awaitable<int> { co_return co_await q.get(); });
  co_await yield();
  q.put_nowait(7); // wakes `first`...
  first.cancel();  // ...which is cancelled before it resumes
  BOOST_CHECK_THROW(co_await first.wait(), asyncpp::cancelled_error);
  BOOST_TEST(co_await second.wait() == 7); // the item was neither lost nor taken twice
}

ASYNCPP_TEST_CASE(the_queue_may_go_while_a_woken_getter_is_cancelled)
{
  auto& loop = asyncpp::get_running_loop();
  auto q = std::make_unique<asyncpp::queue<int>>();
  auto getter = loop.create_task([&]() -> awaitable<int> { co_return co_await q->get(); });
  co_await yield();
  q->put_nowait(7); // wakes the getter...
  getter.cancel();  // ...which is cancelled before it resumes...
  q.reset();        // ...and the queue goes first: the getter must not pass its wake-up back
  auto outcome = co_await asyncpp::gather(asyncpp::return_exceptions, getter);
  BOOST_TEST(asyncpp::is_cancellation(std::get<0>(outcome).exception()));
}

ASYNCPP_TEST_CASE(cancelling_a_put_on_a_full_queue)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::queue<int> q(1);
  q.put_nowait(1);
  auto blocked = loop.create_task([&]() -> awaitable<void> { co_await q.put(2); });
  auto next = loop.create_task([&]() -> awaitable<void> { co_await q.put(3); });
  co_await yield();
  blocked.cancel();
  BOOST_CHECK_THROW(co_await blocked.wait(), asyncpp::cancelled_error);
  BOOST_TEST(q.get_nowait() == 1);
  co_await next.wait(); // the freed slot went to the put still waiting
  BOOST_TEST(q.get_nowait() == 3);
  BOOST_TEST(q.empty());
}

ASYNCPP_TEST_CASE(task_done_and_join)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::queue<int> q;
  int processed = 0;
  for (int i = 0; i < 5; ++i)
    q.put_nowait(i);
  auto worker = loop.create_task([&]() -> awaitable<void> {
    for (;;) {
      co_await q.get();
      co_await yield();
      ++processed;
      q.task_done();
    }
  });
  co_await q.join();
  BOOST_TEST(processed == 5);
  worker.cancel();
  BOOST_CHECK_THROW(co_await worker.wait(), asyncpp::cancelled_error);
  BOOST_CHECK_THROW(q.task_done(), std::logic_error);
}

ASYNCPP_TEST_CASE(shutdown_drains_then_refuses)
{
  asyncpp::queue<int> q;
  q.put_nowait(1);
  q.shutdown();
  BOOST_CHECK_THROW(q.put_nowait(2), asyncpp::queue_shutdown);
  BOOST_CHECK_THROW(co_await q.put(2), asyncpp::queue_shutdown);
  BOOST_TEST(co_await q.get() == 1);
  BOOST_CHECK_THROW(co_await q.get(), asyncpp::queue_shutdown);
  BOOST_CHECK_THROW(q.get_nowait(), asyncpp::queue_shutdown); // not queue_empty
}

ASYNCPP_TEST_CASE(immediate_shutdown_releases_blocked_getters_and_joiners)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::queue<int> q;
  int shut_out = 0;
  std::vector<asyncpp::task<void>> getters;
  for (int i = 0; i < 3; ++i)
    getters.push_back(loop.create_task([&]() -> awaitable<void> {
      try {
        co_await q.get();
      } catch (const asyncpp::queue_shutdown&) {
        ++shut_out;
      }
    }));
  asyncpp::queue<int> full(1);
  full.put_nowait(1);
  co_await yield();
  q.shutdown(true);
  co_await asyncpp::gather(getters);
  BOOST_TEST(shut_out == 3);

  auto joiner = loop.create_task([&]() -> awaitable<void> { co_await full.join(); });
  auto putter = loop.create_task([&]() -> awaitable<void> { co_await full.put(2); });
  co_await yield();
  full.shutdown(true); // drops the item: join() returns, the blocked put fails
  co_await joiner.wait();
  BOOST_CHECK_THROW(co_await putter.wait(), asyncpp::queue_shutdown);
}

// A seeded storm of producers and consumers with random cancellations of the consumers:
// every item put is either taken exactly once or still in the queue.
ASYNCPP_TEST_CASE(queue_storm_loses_and_duplicates_nothing)
{
  auto& loop = asyncpp::get_running_loop();
  const unsigned seed = std::random_device{}();
  BOOST_TEST_MESSAGE("storm seed " << seed);
  std::mt19937 rng(seed);
  asyncpp::queue<int> q(4);
  std::multiset<int> taken;
  std::vector<asyncpp::task<void>> consumers, producers;
  for (int c = 0; c < 8; ++c)
    consumers.push_back(loop.create_task([&]() -> awaitable<void> {
      for (;;)
        taken.insert(co_await q.get());
    }));
  for (int p = 0; p < 4; ++p)
    producers.push_back(loop.create_task([&, p]() -> awaitable<void> {
      for (int i = 0; i < 100; ++i)
        co_await q.put(p * 1000 + i);
    }));
  for (int round = 0; round < 100; ++round) {
    consumers[rng() % (consumers.size() - 1)].cancel(); // the last consumer always survives
    co_await yield(int(rng() % 3));
  }
  co_await asyncpp::gather(producers);
  while (!q.empty())
    co_await yield();
  for (auto& c : consumers)
    c.cancel();
  co_await asyncpp::gather(asyncpp::return_exceptions, consumers);
  BOOST_TEST_INFO("seed " << seed);
  BOOST_TEST(taken.size() == 400u);
  BOOST_TEST(std::set<int>(taken.begin(), taken.end()).size() == 400u);
}

BOOST_AUTO_TEST_SUITE_END()
