#include <asyncpp/executor.hpp>

#include "test_util.hpp"

#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace asyncpp_test;
using asyncpp::awaitable;

namespace {

/// Lets a test hold functions running on pool threads until it releases them.
struct gate {
  std::mutex m;
  std::condition_variable cv;
  int arrived = 0;
  bool open = false;

  /// Counts the caller in and waits (at most `limit`) until `quorum` have arrived or the
  /// gate opens; true if that happened.
  bool arrive_and_wait(int quorum, std::chrono::milliseconds limit)
  {
    std::unique_lock<std::mutex> lock(m);
    ++arrived;
    cv.notify_all();
    return cv.wait_for(lock, limit, [&] { return open || arrived >= quorum; });
  }
  void release()
  {
    std::lock_guard<std::mutex> lock(m);
    open = true;
    cv.notify_all();
  }
};

/// Where a function found itself running.
enum where { on_first, on_second, on_strand, on_default, elsewhere };

} // namespace

BOOST_AUTO_TEST_SUITE(executor_hpp)

ASYNCPP_TEST_CASE(default_pool_runs_on_another_thread_and_resumes_on_the_loop)
{
  auto& loop = asyncpp::get_running_loop();
  const auto loop_thread = std::this_thread::get_id();
  std::thread::id worker;
  const int r = co_await loop.run_in_executor(nullptr, [&](int a, const std::string& b) {
    worker = std::this_thread::get_id();
    return a + static_cast<int>(b.size());
  }, 40, std::string("xy"));
  BOOST_TEST(r == 42);
  BOOST_TEST((worker != loop_thread));
  BOOST_TEST((std::this_thread::get_id() == loop_thread));
  co_await loop.run_in_executor(nullptr, [] {}); // void
  auto p = co_await loop.run_in_executor(nullptr, [] { return std::make_unique<int>(3); });
  BOOST_TEST(*p == 3);
}

ASYNCPP_TEST_CASE(exceptions_come_back_to_the_awaiter)
{
  auto& loop = asyncpp::get_running_loop();
  BOOST_CHECK_THROW(co_await loop.run_in_executor(nullptr, []() -> int { throw std::invalid_argument("no"); }),
                    std::invalid_argument);
  BOOST_CHECK_THROW(co_await asyncpp::to_thread([] { throw std::runtime_error("t"); }), std::runtime_error);
}

namespace {
std::string repeat(const std::string& text, int times)
{
  std::string out;
  for (int i = 0; i < times; ++i)
    out += text;
  return out;
}
} // namespace

// to_thread is a class deduced from its arguments (it records where it is called): awaited
// the way users write it, with a string literal, a number and a function, inline.
ASYNCPP_TEST_CASE(to_thread_takes_arguments_as_users_pass_them)
{
  BOOST_TEST(co_await asyncpp::to_thread(repeat, "ab", 3) == "ababab");
  const std::string word = "xy";
  BOOST_TEST(co_await asyncpp::to_thread(repeat, word, 2) == "xyxy");
  BOOST_TEST(word == "xy"); // bound by value, as std::thread binds
  asyncpp::awaitable<std::string> kept = asyncpp::to_thread(repeat, "z", 4); // converts to its awaitable
  BOOST_TEST(co_await std::move(kept) == "zzzz");
}

ASYNCPP_TEST_CASE(thread_pools_and_other_asio_executors)
{
  auto& loop = asyncpp::get_running_loop();
  boost::asio::thread_pool pool(2);
  std::thread::id on_pool;
  co_await loop.run_in_executor(pool, [&] { on_pool = std::this_thread::get_id(); });
  BOOST_TEST((on_pool != std::this_thread::get_id()));
  auto strand = boost::asio::make_strand(pool);
  std::vector<awaitable<int>> calls;
  int shared = 0; // only touched on the strand
  for (int i = 0; i < 20; ++i)
    calls.push_back(loop.run_in_executor(strand, [&shared] { return ++shared; }));
  auto seen = co_await asyncpp::gather(std::move(calls));
  std::sort(seen.begin(), seen.end());
  for (int i = 0; i < 20; ++i)
    BOOST_TEST(seen[i] == i + 1);
  co_await loop.run_in_executor(pool.get_executor(), [] {});
  pool.join();
}

ASYNCPP_TEST_CASE(the_call_is_lazy)
{
  std::atomic<bool> ran{false};
  auto pending = asyncpp::to_thread([&] { ran = true; });
  co_await asyncpp::sleep(10ms);
  BOOST_TEST(!ran.load());
  co_await std::move(pending);
  BOOST_TEST(ran.load());
}

ASYNCPP_TEST_CASE(default_pool_size_matches_python)
{
  auto& loop = asyncpp::get_running_loop();
  const int expected = static_cast<int>(std::min(32u, std::max(1u, std::thread::hardware_concurrency()) + 4));
  // `expected` functions can all run at once...
  gate all;
  std::vector<awaitable<bool>> calls;
  for (int i = 0; i < expected; ++i)
    calls.push_back(loop.run_in_executor(nullptr, [&] { return all.arrive_and_wait(expected, 10s); }));
  for (bool met : co_await asyncpp::gather(std::move(calls)))
    BOOST_TEST(met);
  // ...but one more cannot join them before one of them returns.
  gate more;
  std::vector<awaitable<bool>> extra;
  for (int i = 0; i <= expected; ++i)
    extra.push_back(loop.run_in_executor(nullptr, [&] { return more.arrive_and_wait(expected + 1, 50ms); }));
  int met = 0;
  for (bool m : co_await asyncpp::gather(std::move(extra)))
    met += m;
  BOOST_TEST(met < expected + 1);
}

// Calls awaited together are handed over in one step of the loop, each run of calls for
// one executor as one queue (job_drain): each call still reaches its own executor.
ASYNCPP_TEST_CASE(one_batch_for_several_executors_reaches_each_of_them)
{
  auto& loop = asyncpp::get_running_loop();
  boost::asio::thread_pool first(2), second(2);
  auto strand = boost::asio::make_strand(first);
  std::vector<awaitable<where>> calls;
  std::vector<where> expected;
  for (int i = 0; i < 24; ++i) {
    // Runs of one, two and three calls for the same executor, mixed.
    switch ((i / 3 + i % 2) % 4) {
    case 0:
      calls.push_back(loop.run_in_executor(first, [&] {
        return first.get_executor().running_in_this_thread() ? on_first : elsewhere;
      }));
      expected.push_back(on_first);
      break;
    case 1:
      calls.push_back(loop.run_in_executor(second.get_executor(), [&] {
        return second.get_executor().running_in_this_thread() ? on_second : elsewhere;
      }));
      expected.push_back(on_second);
      break;
    case 2:
      calls.push_back(loop.run_in_executor(strand, [&] { return strand.running_in_this_thread() ? on_strand : elsewhere; }));
      expected.push_back(on_strand);
      break;
    default:
      calls.push_back(loop.run_in_executor(nullptr, [&] {
        return first.get_executor().running_in_this_thread() || second.get_executor().running_in_this_thread()
                   ? elsewhere
                   : on_default;
      }));
      expected.push_back(on_default);
    }
  }
  const auto seen = co_await asyncpp::gather(std::move(calls));
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
  first.join();
  second.join();
}

// A queue of calls spreads over the executor's threads: as many run at once as it has.
ASYNCPP_TEST_CASE(a_batch_runs_on_every_thread_of_its_pool_and_no_more)
{
  auto& loop = asyncpp::get_running_loop();
  boost::asio::thread_pool pool(3);
  gate all;
  std::atomic<int> running{0}, most{0};
  std::vector<awaitable<bool>> calls;
  for (int i = 0; i < 12; ++i)
    calls.push_back(loop.run_in_executor(pool, [&] {
      const int now = ++running;
      for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
      }
      const bool met = all.arrive_and_wait(3, 10s); // the first three meet, the rest pass
      --running;
      return met;
    }));
  for (bool met : co_await asyncpp::gather(std::move(calls)))
    BOOST_TEST(met);
  BOOST_TEST(most.load() == 3);
  pool.join();
}

BOOST_AUTO_TEST_CASE(cancelling_the_awaiter_is_prompt_and_the_loop_waits_for_the_function)
{
  gate hold;
  std::atomic<bool> function_returned{false};
  bool cancelled = false;
  asyncpp::run([&]() -> awaitable<void> {
    auto& loop = asyncpp::get_running_loop();
    auto t = loop.create_task(loop.run_in_executor(nullptr, [&] {
      hold.arrive_and_wait(1000, 60s); // held until the test releases it
      function_returned = true;
    }));
    co_await yield(2);
    t.cancel();
    try {
      co_await t.wait(); // returns while the function is still held
    } catch (const asyncpp::cancelled_error&) {
      cancelled = true;
    }
    BOOST_TEST(!function_returned.load());
    hold.release();
  }());
  BOOST_TEST(cancelled);
  BOOST_TEST(function_returned.load()); // run() (close) waited for it
}

BOOST_AUTO_TEST_CASE(close_does_not_wait_for_a_function_its_executor_dropped)
{
  // A stopped pool never runs what it is given: close() must not wait for it, and the
  // coroutine awaiting it (which the job and the frame kept alive for each other) goes.
  boost::asio::thread_pool stopped(1);
  stopped.stop();
  stopped.join();
  bool ran = false;
  bool frame_gone = false;
  {
    asyncpp::event_loop loop;
    loop.create_task([&]() -> awaitable<void> {
      destroy_flag flag{frame_gone};
      co_await loop.run_in_executor(stopped, [&] { ran = true; });
    });
    loop.run_until_complete(yield(3)); // submitted
    loop.close();
    BOOST_TEST(frame_gone);
  }
  BOOST_TEST(!ran);
}

// Returns come back to the loop through its inbox, a batch per post. One that arrives
// while the loop is stopped waits there: the next run resumes its awaiter, close() drops it.
BOOST_AUTO_TEST_CASE(a_return_that_arrives_while_the_loop_is_stopped_waits_for_it)
{
  boost::asio::thread_pool first(1), second(1);
  gate hold_first, hold_second; // each function returns only once the loop has stopped
  bool frame_gone = false;
  bool resumed = false;
  {
    asyncpp::event_loop loop;
    auto collected = loop.create_task(loop.run_in_executor(first, [&] {
      hold_first.arrive_and_wait(1000, 60s);
      return std::string(100, 'x');
    }));
    loop.run_until_complete(yield(3)); // submitted
    hold_first.release();
    first.join(); // returned: the result waits in the inbox
    BOOST_TEST(!collected.done());
    BOOST_TEST(loop.run_until_complete(collected.wait()) == std::string(100, 'x'));

    loop.create_task([&]() -> awaitable<void> {
      destroy_flag flag{frame_gone};
      co_await loop.run_in_executor(second, [&] { hold_second.arrive_and_wait(1000, 60s); });
      resumed = true;
    });
    loop.run_until_complete(yield(3));
    hold_second.release();
    second.join();
    loop.close(); // the return never runs: the awaiting frame goes with the loop
    BOOST_TEST(frame_gone);
  }
  BOOST_TEST(!resumed);
}

BOOST_AUTO_TEST_CASE(shut_down_default_executor_refuses_new_calls)
{
  asyncpp::event_loop loop;
  BOOST_TEST(loop.run_until_complete(loop.run_in_executor(nullptr, [] { return 1; })) == 1);
  loop.shutdown_default_executor();
  BOOST_CHECK_THROW(loop.run_until_complete(loop.run_in_executor(nullptr, [] { return 1; })), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
