#include <asyncpp/sync.hpp>

#include "test_util.hpp"

#include <random>

using namespace asyncpp_test;
using asyncpp::awaitable;

BOOST_AUTO_TEST_SUITE(sync_hpp)

ASYNCPP_TEST_CASE(event_wakes_every_waiter)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::event ev;
  int woken = 0;
  std::vector<asyncpp::task<void>> ts;
  for (int i = 0; i < 3; ++i)
    ts.push_back(loop.create_task([&]() -> awaitable<void> {
      co_await ev.wait();
      ++woken;
    }));
  co_await yield();
  BOOST_TEST(woken == 0);
  ev.set();
  BOOST_TEST(ev.is_set());
  co_await asyncpp::gather(ts);
  BOOST_TEST(woken == 3);
  co_await ev.wait(); // set: at once
  ev.clear();
  BOOST_TEST(!ev.is_set());
}

ASYNCPP_TEST_CASE(lock_is_fifo_and_guards)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::lock l;
  std::vector<int> order;
  co_await l.acquire();
  BOOST_TEST(l.locked());
  std::vector<asyncpp::task<void>> ts;
  for (int i = 0; i < 4; ++i)
    ts.push_back(loop.create_task([&, i]() -> awaitable<void> {
      auto guard = co_await l.scoped();
      order.push_back(i);
      co_await yield();
    }));
  co_await yield();
  l.release();
  co_await asyncpp::gather(ts);
  BOOST_TEST((order == std::vector<int>{0, 1, 2, 3}));
  BOOST_TEST(!l.locked());
  BOOST_CHECK_THROW(l.release(), std::runtime_error);
}

ASYNCPP_TEST_CASE(a_waiter_cancelled_while_being_woken_passes_the_lock_on)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::lock l;
  co_await l.acquire();
  bool second_got_it = false;
  auto first = loop.create_task([&]() -> awaitable<void> { co_await l.acquire(); });
  auto second = loop.create_task([&]() -> awaitable<void> {
    co_await l.acquire();
    second_got_it = true;
    l.release();
  });
  co_await yield();
  l.release();   // hands the lock to `first`...
  first.cancel(); // ...which is cancelled before it resumes
  BOOST_CHECK_THROW(co_await first.wait(), asyncpp::cancelled_error);
  co_await second.wait();
  BOOST_TEST(second_got_it);
  BOOST_TEST(!l.locked());
}

ASYNCPP_TEST_CASE(cancelled_waiters_leave_the_queue)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::semaphore sem(0);
  auto a = loop.create_task([&]() -> awaitable<void> { co_await sem.acquire(); });
  auto b = loop.create_task([&]() -> awaitable<void> { co_await sem.acquire(); });
  co_await yield();
  BOOST_TEST(sem.locked());
  a.cancel();
  BOOST_CHECK_THROW(co_await a.wait(), asyncpp::cancelled_error);
  sem.release();
  co_await b.wait(); // the unit went to b, not to the cancelled a
  BOOST_TEST(sem.locked());
}

ASYNCPP_TEST_CASE(semaphore_bounds_concurrency)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::semaphore sem(2);
  int inside = 0, most = 0;
  std::vector<asyncpp::task<void>> ts;
  for (int i = 0; i < 6; ++i)
    ts.push_back(loop.create_task([&]() -> awaitable<void> {
      auto guard = co_await sem.scoped();
      most = std::max(most, ++inside);
      co_await yield(2);
      --inside;
    }));
  co_await asyncpp::gather(ts);
  BOOST_TEST(most == 2);
  asyncpp::bounded_semaphore bounded(1);
  co_await bounded.acquire();
  bounded.release();
  BOOST_CHECK_THROW(bounded.release(), std::logic_error);
}

ASYNCPP_TEST_CASE(condition_notify_and_wait_for)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::condition cond;
  int value = 0;
  BOOST_CHECK_THROW(co_await cond.wait(), std::runtime_error); // lock not held
  BOOST_CHECK_THROW(cond.notify(), std::runtime_error);
  auto waiter = loop.create_task([&]() -> awaitable<int> {
    auto guard = co_await cond.scoped();
    co_await cond.wait_for([&] { return value == 3; });
    BOOST_TEST(cond.locked()); // re-acquired
    co_return value;
  });
  for (int i = 1; i <= 3; ++i) {
    co_await yield();
    auto guard = co_await cond.scoped();
    value = i;
    cond.notify_all();
  }
  BOOST_TEST(co_await waiter.wait() == 3);
}

ASYNCPP_TEST_CASE(a_cancelled_condition_wait_reacquires_the_lock)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::lock shared;
  asyncpp::condition cond(shared);
  bool held_when_cancelled = false;
  auto waiter = loop.create_task([&]() -> awaitable<void> {
    co_await cond.acquire();
    try {
      co_await cond.wait();
    } catch (const asyncpp::cancelled_error&) {
      held_when_cancelled = shared.locked();
      cond.release();
      throw;
    }
  });
  co_await yield();
  co_await shared.acquire(); // the waiter released it in wait()
  waiter.cancel();
  co_await yield(2);
  shared.release(); // the cancelled wait needs the lock back before it throws
  BOOST_CHECK_THROW(co_await waiter.wait(), asyncpp::cancelled_error);
  BOOST_TEST(held_when_cancelled);
}

ASYNCPP_TEST_CASE(notified_then_cancelled_passes_the_notification_on)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::condition cond;
  bool second_woke = false;
  auto first = loop.create_task([&]() -> awaitable<void> {
    auto guard = co_await cond.scoped();
    co_await cond.wait();
  });
  auto second = loop.create_task([&]() -> awaitable<void> {
    auto guard = co_await cond.scoped();
    co_await cond.wait();
    second_woke = true;
  });
  co_await yield(2);
  {
    auto guard = co_await cond.scoped();
    cond.notify(1); // meant for `first`...
    first.cancel(); // ...which does not go on
  }
  BOOST_CHECK_THROW(co_await first.wait(), asyncpp::cancelled_error);
  co_await second.wait();
  BOOST_TEST(second_woke);
}

ASYNCPP_TEST_CASE(destroying_a_primitive_under_its_waiters_ends_them_cancelled)
{
  auto& loop = asyncpp::get_running_loop();
  bool destroyed = false;
  asyncpp::task<void> waiter;
  {
    asyncpp::event ev;
    waiter = loop.create_task([&]() -> awaitable<void> {
      destroy_flag guard{destroyed};
      co_await ev.wait();
    });
    co_await yield();
  } // the event goes with the waiter still in it: its frame is destroyed (Asio does that
    // in a step of its own)
  BOOST_CHECK_THROW(co_await waiter.wait(), asyncpp::cancelled_error);
  BOOST_TEST(destroyed);
  BOOST_TEST(waiter.cancelled()); // not pending forever
}

// A seeded storm: many tasks take a semaphore with random cancellations; whatever the
// interleaving, the units are conserved and nobody hangs.
namespace {
/// A task waits in `wait()`, the primitive hands it what it waits for (`hand_over()`), the
/// task is cancelled and the primitive destroyed before the task resumes: the task must
/// end cancelled without handing anything back to the destroyed primitive.
template <class Primitive, class Wait, class HandOver>
awaitable<void> primitive_goes_after_a_woken_waiter_was_cancelled(std::unique_ptr<Primitive> p, Wait wait,
                                                                   HandOver hand_over)
{
  auto& loop = asyncpp::get_running_loop();
  auto waiter = loop.create_task([&]() -> awaitable<void> { co_await wait(*p); });
  co_await yield(); // suspended in the primitive
  hand_over(*p);    // woken: on its way, not resumed yet
  waiter.cancel();
  p.reset();
  auto outcome = co_await asyncpp::gather(asyncpp::return_exceptions, waiter);
  BOOST_TEST(asyncpp::is_cancellation(std::get<0>(outcome).exception()));
}
} // namespace

ASYNCPP_TEST_CASE(a_primitive_may_go_while_a_woken_waiter_is_cancelled)
{
  auto held_lock = std::make_unique<asyncpp::lock>();
  co_await held_lock->acquire();
  co_await primitive_goes_after_a_woken_waiter_was_cancelled(
      std::move(held_lock), [](asyncpp::lock& l) { return l.acquire(); }, [](asyncpp::lock& l) { l.release(); });
  co_await primitive_goes_after_a_woken_waiter_was_cancelled(
      std::make_unique<asyncpp::semaphore>(0), [](asyncpp::semaphore& s) { return s.acquire(); },
      [](asyncpp::semaphore& s) { s.release(); });
  auto held_condition = std::make_unique<asyncpp::condition>();
  co_await held_condition->acquire();
  co_await primitive_goes_after_a_woken_waiter_was_cancelled(
      std::move(held_condition),
      [](asyncpp::condition& c) -> awaitable<void> {
        co_await c.acquire(); // handed over by the release below
        c.release();
      },
      [](asyncpp::condition& c) { c.release(); });
}

ASYNCPP_TEST_CASE(semaphore_storm_conserves_units)
{
  auto& loop = asyncpp::get_running_loop();
  const unsigned seed = std::random_device{}();
  BOOST_TEST_MESSAGE("storm seed " << seed);
  std::mt19937 rng(seed);
  asyncpp::semaphore sem(3);
  int inside = 0, most = 0;
  std::vector<asyncpp::task<void>> ts;
  for (int i = 0; i < 200; ++i)
    ts.push_back(loop.create_task([&, steps = int(rng() % 3)]() -> awaitable<void> {
      auto guard = co_await sem.scoped();
      most = std::max(most, ++inside);
      try {
        co_await yield(steps);
      } catch (...) {
        --inside;
        throw;
      }
      --inside;
    }));
  for (int round = 0; round < 50; ++round) {
    ts[rng() % ts.size()].cancel();
    co_await yield(int(rng() % 3));
  }
  co_await asyncpp::gather(asyncpp::return_exceptions, ts);
  BOOST_TEST_INFO("seed " << seed);
  BOOST_TEST(most <= 3);
  BOOST_TEST(inside == 0);
  BOOST_TEST(!sem.locked()); // all three units are back
  for (int i = 0; i < 3; ++i)
    co_await sem.acquire();
  BOOST_TEST(sem.locked());
}

BOOST_AUTO_TEST_SUITE_END()
