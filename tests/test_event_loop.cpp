#include <asyncpp/event_loop.hpp>

#include "test_util.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <set>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace asio = boost::asio;
using namespace asyncpp_test;
using asyncpp::awaitable;

namespace {
awaitable<int> answer()
{
  co_await yield();
  co_return 42;
}
} // namespace

BOOST_AUTO_TEST_SUITE(event_loop_hpp)

BOOST_AUTO_TEST_CASE(owned_context)
{
  asyncpp::event_loop loop;
  BOOST_TEST(!loop.is_running());
  BOOST_TEST(!loop.is_closed());
  BOOST_TEST((loop.get_executor() == loop.context().get_executor()));
  BOOST_TEST(loop.run_until_complete(answer()) == 42);
  loop.close();
  BOOST_TEST(loop.is_closed());
  loop.close(); // idempotent
}

BOOST_AUTO_TEST_CASE(adopted_context_mixes_with_plain_asio)
{
  asio::io_context ctx;
  int from_asio = 0;
  {
    asyncpp::event_loop loop(ctx);
    BOOST_TEST(&loop.context() == &ctx);
    auto t = loop.create_task(answer());
    asio::co_spawn(ctx, [&]() -> awaitable<void> { from_asio = co_await t.wait(); }, asio::detached);
    BOOST_TEST(loop.run_until_complete(t) == 42);
    loop.run_until_complete(yield(2));
  }
  BOOST_TEST(from_asio == 42);
}

BOOST_AUTO_TEST_CASE(adopted_context_run_by_its_owner)
{
  asio::io_context ctx;
  asyncpp::event_loop loop(ctx);
  asyncpp::event_loop* seen = nullptr;
  int sum = 0;
  loop.create_task([&]() -> awaitable<void> {
    seen = &asyncpp::get_running_loop(); // the task's loop, though ctx.run() is not the loop's
    auto [a, b] = co_await asyncpp::gather(answer(), answer());
    sum = a + b;
  });
  ctx.run();
  BOOST_TEST(seen == &loop);
  BOOST_TEST(sum == 84);
}

BOOST_AUTO_TEST_CASE(call_soon_runs_in_fifo_order_and_can_be_cancelled)
{
  asyncpp::event_loop loop;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i)
    loop.call_soon([&, i] { order.push_back(i); });
  auto h = loop.call_soon([&] { order.push_back(99); });
  BOOST_TEST(!h.cancelled());
  h.cancel();
  BOOST_TEST(h.cancelled());
  loop.call_soon([&] { loop.stop(); });
  loop.run_forever();
  BOOST_TEST((order == std::vector<int>{0, 1, 2, 3, 4}));
}

BOOST_AUTO_TEST_CASE(callbacks_woken_tasks_and_done_callbacks_share_one_fifo)
{
  // Python's single ready queue: what the loop schedules runs in the order it was
  // scheduled, whether it is a callback, a woken coroutine or a done callback.
  asyncpp::event_loop loop;
  std::vector<std::string> order;
  asyncpp::event ev;
  auto waiter = loop.create_task([&]() -> awaitable<void> {
    co_await ev.wait();
    order.push_back("waiter");
  });
  auto finisher = loop.create_task([]() -> awaitable<int> { co_return 1; });
  loop.run_until_complete([&]() -> awaitable<void> {
    co_await yield(); // the waiter waits, the finisher is done
    loop.call_soon([&] { order.push_back("a"); });
    ev.set();
    finisher.add_done_callback([&](asyncpp::task<int>&) { order.push_back("done"); });
    loop.call_soon([&] { order.push_back("b"); });
    co_await waiter.wait();
    co_await yield();
  }());
  BOOST_TEST((order == std::vector<std::string>{"a", "waiter", "done", "b"}));
}

BOOST_AUTO_TEST_CASE(call_later_and_call_at_never_fire_early)
{
  asyncpp::event_loop loop;
  const auto start = loop.time();
  std::vector<std::pair<int, asyncpp::event_loop::clock::time_point>> fired;
  loop.call_later(30ms, [&] { fired.emplace_back(30, loop.time()); });
  loop.call_later(10ms, [&] { fired.emplace_back(10, loop.time()); });
  loop.call_at(start + 20ms, [&] { fired.emplace_back(20, loop.time()); });
  auto cancelled = loop.call_later(5ms, [&] { fired.emplace_back(5, loop.time()); });
  cancelled.cancel();
  loop.call_later(40ms, [&] { loop.stop(); });
  loop.run_forever();
  BOOST_TEST_REQUIRE(fired.size() == 3u);
  BOOST_TEST(fired[0].first == 10);
  BOOST_TEST(fired[1].first == 20);
  BOOST_TEST(fired[2].first == 30);
  for (auto& [ms, when] : fired)
    BOOST_TEST((when - start >= std::chrono::milliseconds(ms)));
}

BOOST_AUTO_TEST_CASE(timed_callbacks_and_sleeps_share_one_timeline)
{
  // One timer heap serves call_later, call_at and sleep; a callback cancelled from a step
  // leaves the heap at once, one cancelled from outside the loop's steps never runs.
  asyncpp::event_loop loop;
  std::vector<std::string> order;
  auto outside = loop.call_later(12ms, [&] { order.push_back("cancelled outside"); });
  outside.cancel(); // the owner's thread, the loop not running
  loop.call_later(45ms, [&] { order.push_back("callback 45"); });
  loop.run_until_complete([&]() -> awaitable<void> {
    auto inside = loop.call_later(5ms, [&] { order.push_back("cancelled inside"); });
    loop.call_at(loop.time() + 20ms, [&] { order.push_back("callback 20"); });
    auto sleeper = loop.create_task([&]() -> awaitable<void> {
      co_await asyncpp::sleep(30ms);
      order.push_back("sleep 30");
    });
    inside.cancel();
    BOOST_TEST(inside.cancelled());
    co_await asyncpp::sleep(10ms);
    order.push_back("sleep 10");
    co_await sleeper.wait();
    co_await asyncpp::sleep(30ms); // past 45 ms
  }());
  BOOST_TEST((order == std::vector<std::string>{"sleep 10", "callback 20", "sleep 30", "callback 45"}));
}

BOOST_AUTO_TEST_CASE(call_soon_threadsafe_from_several_threads)
{
  asyncpp::event_loop loop;
  std::atomic<int> count{0};
  constexpr int threads = 4, per_thread = 250;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i)
        loop.call_soon_threadsafe([&] {
          if (++count == threads * per_thread)
            loop.stop();
        });
    });
  loop.run_forever();
  for (auto& th : pool)
    th.join();
  BOOST_TEST(count == threads * per_thread);
}

BOOST_AUTO_TEST_CASE(a_strand_loop_serialises_its_work_on_a_context_run_by_four_threads)
{
  // An Asio codebase runs one io_context on several threads; asyncpp tasks keep asyncio's
  // model there (a step runs alone) through the strand constructor. A plain counter, a
  // lock, a queue, callbacks, timers and executor jobs, all without atomics.
  asio::io_context ctx(4);
  asyncpp::event_loop loop(asio::make_strand(ctx));
  long counter = 0;
  long guarded = 0;
  int callbacks = 0;
  std::set<std::thread::id> threads_seen;
  asyncpp::lock lock;
  asyncpp::queue<int> items(8);
  long consumed = 0;
  int from_pool = 0;
  auto work = asio::make_work_guard(ctx);
  loop.create_task([&]() -> awaitable<void> {
    std::vector<asyncpp::task<void>> tasks;
    for (int t = 0; t < 100; ++t)
      // t by value: the loop's variable lives across no suspension, so clang keeps it on
      // the stack of the step that runs this loop, gone when the task reads it.
      tasks.push_back(loop.create_task([&, t]() -> awaitable<void> {
        for (int i = 0; i < 1000; ++i) {
          const long seen = counter; // no co_await between the read and the write
          counter = seen + 1;
          threads_seen.insert(std::this_thread::get_id());
          if (i % 100 == 0) {
            auto guard = co_await lock.scoped();
            const long before = guarded;
            co_await asyncpp::sleep(0s); // others run while this task holds the lock
            guarded = before + 1;
            loop.call_soon([&] { ++callbacks; });
          }
          if (i == 500) // the timer heap, from steps on four threads
            co_await asyncpp::sleep(std::chrono::microseconds(10 * (t % 7)));
          co_await asyncpp::sleep(0s);
        }
      }));
    auto producer = loop.create_task([&]() -> awaitable<void> {
      for (int i = 0; i < 1000; ++i)
        co_await items.put(i);
    });
    auto consumer = loop.create_task([&]() -> awaitable<void> {
      for (int i = 0; i < 1000; ++i)
        consumed += co_await items.get();
    });
    from_pool = co_await loop.run_in_executor(nullptr, [] { return 7; });
    co_await asyncpp::sleep(1ms);
    co_await asyncpp::gather(tasks);
    co_await asyncpp::gather(producer, consumer);
    co_await asyncpp::sleep(0s); // the last call_soon callbacks
    work.reset(); // then ctx.run() returns on every thread
  });
  // Task handles belong to the loop's steps: from here on only the threads touch them.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] { ctx.run(); });
  for (auto& t : threads)
    t.join();
  BOOST_TEST(counter == 100000);
  BOOST_TEST(guarded == 1000);
  BOOST_TEST(callbacks == 1000);
  BOOST_TEST(consumed == 999L * 1000 / 2);
  BOOST_TEST(from_pool == 7);
  BOOST_TEST_MESSAGE("threads that ran the loop's steps: " << threads_seen.size());
}

BOOST_AUTO_TEST_CASE(a_plain_loop_run_by_two_threads_at_once_fails_loudly)
{
#if !ASYNCPP_CHECK_LOOP_THREADS
  BOOST_TEST_MESSAGE("the check is compiled out (ASYNCPP_CHECK_LOOP_THREADS=0)");
  return;
#endif
  // In a child process: the failure is an abort with a message naming the remedy.
  int err[2];
  BOOST_REQUIRE(::pipe(err) == 0);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGABRT, SIG_DFL); // Boost.Test's handler would go on running tests in the child
    ::dup2(err[1], 2);
    asio::io_context ctx(2);
    asyncpp::event_loop loop(ctx);
    for (int t = 0; t < 8; ++t)
      loop.create_task([]() -> awaitable<void> {
        for (int i = 0; i < 20000; ++i) {
          const auto busy_until = std::chrono::steady_clock::now() + 20us; // steps long enough to overlap
          while (std::chrono::steady_clock::now() < busy_until) {
          }
          co_await asyncpp::sleep(0s);
        }
      });
    std::thread other([&] { ctx.run(); });
    ctx.run();
    other.join();
    ::_exit(0); // not detected: the parent fails the test
  }
  ::close(err[1]);
  const std::string message = read_to_end(err[0]);
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFSIGNALED(status));
  BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT));
  BOOST_TEST(message.find("strand constructor") != std::string::npos, "stderr: " << message);
}

BOOST_AUTO_TEST_CASE(threadsafe_calls_race_close_safely)
{
  // Other threads keep calling call_soon_threadsafe while the loop's thread closes the
  // loop: each call runs, or throws runtime_error once the loop is closed; never a race
  // (ThreadSanitizer runs this) or a post into a destroyed io_context.
  for (int round = 0; round < 20; ++round) {
    asyncpp::event_loop loop;
    std::atomic<bool> go{false};
    std::atomic<int> refused{0}, accepted{0};
    std::vector<std::thread> callers;
    for (int i = 0; i < 2; ++i)
      callers.emplace_back([&] {
        while (!go.load()) {
        }
        for (int k = 0; k < 2000; ++k) {
          try {
            loop.call_soon_threadsafe([] {});
            accepted.fetch_add(1);
          } catch (const std::runtime_error&) {
            refused.fetch_add(1);
          }
        }
      });
    go = true;
    loop.run_until_complete(yield(3));
    loop.close();
    for (auto& c : callers)
      c.join();
    BOOST_TEST(accepted.load() + refused.load() == 4000);
  }
}

BOOST_AUTO_TEST_CASE(an_adopted_context_may_outlive_its_loop)
{
  // What the loop queued in the context does nothing once the loop is gone: callbacks,
  // timers, a task's step, a task suspended in a raw Asio timer (ASan sees any touch of
  // the freed loop).
  asio::io_context ctx;
  bool ran = false;
  bool resumed = false;
  bool frame_gone = false;
  {
    asyncpp::event_loop loop(ctx);
    loop.call_soon([&] { ran = true; });
    loop.call_later(1ms, [&] { ran = true; });
    loop.call_soon_threadsafe([&] { ran = true; });
    loop.add_signal_handler(SIGUSR2, [&] { ran = true; });
    loop.create_task([&]() -> awaitable<void> {
      ran = true;
      co_return;
    });
    auto sleeper = loop.create_task([&]() -> awaitable<void> {
      destroy_flag flag{frame_gone};
      asio::steady_timer timer(co_await asio::this_coro::executor, 5ms);
      co_await timer.async_wait(asio::use_awaitable);
      resumed = true;
    });
    loop.run_until_complete(yield(2)); // the sleeper is suspended in its raw timer
    ran = false;
    loop.call_soon([&] { ran = true; });
  } // the loop closes and goes; the context keeps what it queued
  ctx.restart(); // run_until_complete stopped it
  ctx.run();
  BOOST_TEST(!ran);
  BOOST_TEST(!resumed);
  BOOST_TEST(frame_gone); // the suspended frame was destroyed, not resumed
}

BOOST_AUTO_TEST_CASE(stop_before_run_forever_runs_ready_callbacks_once)
{
  asyncpp::event_loop loop;
  int ran = 0;
  loop.call_soon([&] { ++ran; });
  loop.stop();
  loop.run_forever(); // returns after one pass
  BOOST_TEST(ran == 1);
  BOOST_TEST(!loop.is_running());
}

BOOST_AUTO_TEST_CASE(stop_inside_run_until_complete)
{
  asyncpp::event_loop loop;
  loop.call_soon([&] { loop.stop(); });
  BOOST_CHECK_THROW(loop.run_until_complete(asyncpp::sleep(1h)), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(no_nesting_and_no_close_while_running)
{
  asyncpp::event_loop loop;
  loop.run_until_complete([&]() -> awaitable<void> {
    BOOST_TEST(loop.is_running());
    BOOST_TEST(&asyncpp::get_running_loop() == &loop);
    BOOST_CHECK_THROW(loop.run_until_complete(answer()), std::runtime_error);
    BOOST_CHECK_THROW(loop.run_forever(), std::runtime_error);
    BOOST_CHECK_THROW(loop.close(), std::runtime_error);
    asyncpp::event_loop other;
    BOOST_CHECK_THROW(other.run_until_complete(answer()), std::runtime_error);
    co_return;
  }());
  BOOST_TEST(!loop.is_running());
}

BOOST_AUTO_TEST_CASE(a_closed_loop_refuses_work)
{
  asyncpp::event_loop loop;
  loop.close();
  BOOST_CHECK_THROW(loop.create_task(answer()), std::runtime_error);
  BOOST_CHECK_THROW(loop.run_until_complete(answer()), std::runtime_error);
  BOOST_CHECK_THROW(loop.run_forever(), std::runtime_error);
  BOOST_CHECK_THROW(loop.call_soon([] {}), std::runtime_error);
  BOOST_CHECK_THROW(loop.call_later(1ms, [] {}), std::runtime_error);
  BOOST_CHECK_THROW(loop.call_at(loop.time(), [] {}), std::runtime_error);
  BOOST_CHECK_THROW(loop.call_soon_threadsafe([] {}), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(close_reports_done_callbacks_that_never_run)
{
  handler_log log;
  bool called = false;
  {
    asyncpp::event_loop loop;
    log.install(loop);
    auto t = loop.create_task([]() -> awaitable<void> { co_await asyncpp::sleep(1h); }, "sleeper");
    t.add_done_callback([&](asyncpp::task<void>&) { called = true; });
    loop.run_until_complete(yield(2));
    loop.close(); // the task is pending: its frame goes, its callback never runs
  }
  BOOST_TEST(!called);
  BOOST_REQUIRE(log.count("Task was destroyed but it is pending: its done callbacks never run") == 1u);
  BOOST_TEST(log.seen.back().task_name == "sleeper");
}

BOOST_AUTO_TEST_CASE(close_destroys_pending_frames_without_resuming_them)
{
  bool destroyed_waiting = false, destroyed_queued = false, destroyed_sleeping = false, caught = false;
  asyncpp::task<void> waiting, queued, sleeping;
  {
    asyncpp::event_loop loop;
    sleeping = loop.create_task([&]() -> awaitable<void> {
      destroy_flag guard{destroyed_sleeping};
      try {
        co_await asyncpp::sleep(1h);
      } catch (...) {
        caught = true;
      }
    });
    waiting = loop.create_task([&]() -> awaitable<void> {
      destroy_flag guard{destroyed_waiting};
      try {
        co_await sleeping.wait();
      } catch (...) {
        caught = true;
      }
    });
    loop.run_until_complete(yield(2));
    queued = loop.create_task([&]() -> awaitable<void> {
      destroy_flag guard{destroyed_queued};
      co_return;
    });
    loop.close();
    BOOST_TEST(destroyed_waiting);
    BOOST_TEST(destroyed_sleeping);
  }
  BOOST_TEST(!caught); // no catch block ran
  BOOST_TEST(!destroyed_queued); // never started: nothing to destroy
  BOOST_TEST(!waiting.done());
  BOOST_TEST(!sleeping.done());
  BOOST_TEST(!queued.done());
  BOOST_CHECK_THROW(waiting.result(), asyncpp::invalid_state_error);
}

BOOST_AUTO_TEST_CASE(exception_handler_sees_failing_callbacks)
{
  handler_log log;
  asyncpp::event_loop loop;
  log.install(loop);
  loop.call_soon([] { throw std::runtime_error("cb"); });
  loop.call_soon([&] { loop.stop(); });
  loop.run_forever();
  BOOST_TEST(log.count("Exception in callback") == 1u);
}

BOOST_AUTO_TEST_CASE(current_and_running_loops)
{
  BOOST_CHECK_THROW(asyncpp::get_running_loop(), std::runtime_error);
  asyncpp::event_loop& thread_loop = asyncpp::get_event_loop();
  BOOST_TEST(&asyncpp::get_event_loop() == &thread_loop); // created once
  asyncpp::event_loop mine;
  asyncpp::set_event_loop(&mine);
  BOOST_TEST(&asyncpp::get_event_loop() == &mine);
  asyncpp::event_loop other;
  other.run_until_complete([&]() -> awaitable<void> {
    BOOST_TEST(&asyncpp::get_event_loop() == &other); // the running loop wins
    co_return;
  }());
  asyncpp::set_event_loop(nullptr);
  BOOST_TEST(&asyncpp::get_event_loop() == &thread_loop); // not destroyed by set_event_loop(nullptr)
  asyncpp::set_event_loop(nullptr);
}

BOOST_AUTO_TEST_CASE(the_thread_loop_is_destroyed_at_thread_exit)
{
  bool destroyed = false;
  std::thread([&] {
    auto& loop = asyncpp::get_event_loop();
    loop.create_task([&]() -> awaitable<void> {
      destroy_flag guard{destroyed};
      co_await asyncpp::sleep(1h);
    });
    loop.run_until_complete(yield(2));
  }).join();
  BOOST_TEST(destroyed);
}

BOOST_AUTO_TEST_CASE(signal_handlers)
{
  asyncpp::event_loop loop;
  int seen = 0;
  loop.add_signal_handler(SIGUSR1, [&] {
    if (++seen == 2)
      loop.stop();
  });
  loop.call_soon([] { std::raise(SIGUSR1); });
  loop.call_later(5ms, [] { std::raise(SIGUSR1); });
  loop.run_forever();
  BOOST_TEST(seen == 2);
  BOOST_TEST(loop.remove_signal_handler(SIGUSR1));
  BOOST_TEST(!loop.remove_signal_handler(SIGUSR1));
  BOOST_TEST(!loop.remove_signal_handler(SIGUSR2));
  loop.close();
  BOOST_CHECK_THROW(loop.add_signal_handler(SIGUSR1, [] {}), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
