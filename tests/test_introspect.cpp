// g++ 12 inlines some of these test bodies' coroutine ramps and then mistakes Asio's
// frame allocator (thread_info_base::allocate, aligned_new) for a mismatched new/delete.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <asyncpp/introspect.hpp>

#include "test_util.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>
#include <string_view>
#include <thread>

using namespace asyncpp_test;
using asyncpp::awaitable;

namespace {

/// The line of the caller: compared with what a wait recorded.
unsigned line_here(std::source_location where = std::source_location::current())
{
  return where.line();
}

bool in_this_file(const std::source_location& where)
{
  return std::string_view(where.file_name()).ends_with("test_introspect.cpp");
}

bool contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

/// "test_introspect.cpp:N", as the formatted output names a line of this file.
std::string at_line(unsigned line)
{
  return "test_introspect.cpp:" + std::to_string(line);
}

/// Sleeps an hour, recording the line of its sleep.
awaitable<void> sleeper(unsigned& line)
{
  line = line_here(); co_await asyncpp::sleep(1h);
}

} // namespace

BOOST_AUTO_TEST_SUITE(introspect_hpp)

ASYNCPP_TEST_CASE(a_sleep_records_what_and_where)
{
  unsigned line = 0;
  auto& loop = asyncpp::get_running_loop();
  const unsigned created = line_here(); auto t = loop.create_task(sleeper(line), "sleepy");
  co_await yield();
  const asyncpp::call_graph g = asyncpp::capture_call_graph(t);
  BOOST_TEST((g.task == asyncpp::task_handle(t)));
  BOOST_REQUIRE(g.waiting_on.size() == 1u);
  BOOST_TEST(g.waiting_on[0].what == "sleep(3600s)");
  BOOST_TEST(g.waiting_on[0].where.line() == line);
  BOOST_TEST(in_this_file(g.waiting_on[0].where));
  BOOST_TEST(g.awaited_by.empty());
  const std::string text = asyncpp::format_call_graph(t);
  BOOST_TEST(contains(text, "* task 'sleepy'"));
  BOOST_TEST(contains(text, "sleep(3600s) at " + at_line(line)));
  BOOST_TEST(contains(text, "created at " + at_line(created)));
  t.cancel();
  co_await asyncpp::gather(asyncpp::return_exceptions, t);
  BOOST_TEST(asyncpp::capture_call_graph(t).waiting_on.empty()); // done: waits on nothing
}

ASYNCPP_TEST_CASE(the_current_task_runs_and_waits_on_nothing)
{
  const asyncpp::call_graph g = asyncpp::capture_call_graph();
  BOOST_TEST((g.task == *asyncpp::current_task()));
  BOOST_TEST(g.waiting_on.empty());
  BOOST_TEST(contains(asyncpp::format_call_graph(), "running"));
  co_return;
}

BOOST_AUTO_TEST_CASE(outside_a_task_capture_throws)
{
  BOOST_CHECK_THROW(asyncpp::capture_call_graph(), std::runtime_error);
}

ASYNCPP_TEST_CASE(awaiting_a_task_is_an_edge)
{
  unsigned sleep_line = 0;
  unsigned wait_line = 0;
  auto& loop = asyncpp::get_running_loop();
  auto inner = loop.create_task(sleeper(sleep_line), "inner");
  auto outer = loop.create_task([&]() -> awaitable<void> {
    wait_line = line_here(); co_await inner.wait();
  }, "outer");
  co_await yield(2);
  const asyncpp::call_graph g = asyncpp::capture_call_graph(inner);
  BOOST_REQUIRE(g.awaited_by.size() == 1u);
  const asyncpp::call_graph& by = g.awaited_by[0];
  BOOST_TEST((by.task == asyncpp::task_handle(outer)));
  BOOST_REQUIRE(by.waiting_on.size() == 1u);
  BOOST_TEST(by.waiting_on[0].what == "wait(inner)");
  BOOST_TEST(by.waiting_on[0].where.line() == wait_line);

  // This task awaits outer: the chain goes on to it.
  auto main_task = *asyncpp::current_task();
  auto check = loop.create_task([&]() -> awaitable<void> {
    co_await yield();
    const asyncpp::call_graph chain = asyncpp::capture_call_graph(inner);
    BOOST_REQUIRE(chain.awaited_by.size() == 1u);
    BOOST_REQUIRE(chain.awaited_by[0].awaited_by.size() == 1u);
    BOOST_TEST((chain.awaited_by[0].awaited_by[0].task == main_task));
    const std::string table = asyncpp::format_all_tasks();
    BOOST_TEST(contains(table, "'outer' (#"));
    BOOST_TEST(contains(table, "└── 'inner' (#"));
    inner.cancel();
  });
  co_await asyncpp::gather(asyncpp::return_exceptions, outer); // it ends as inner does: cancelled
  BOOST_TEST(outer.cancelled());
  co_await check.wait();
}

ASYNCPP_TEST_CASE(gather_children_and_owner)
{
  unsigned a_line = 0;
  unsigned b_line = 0;
  unsigned gather_line = 0;
  auto& loop = asyncpp::get_running_loop();
  auto a = loop.create_task(sleeper(a_line), "a");
  auto b = loop.create_task(sleeper(b_line), "b");
  auto owner = loop.create_task([&]() -> awaitable<void> {
    gather_line = line_here(); co_await asyncpp::gather(a, b);
  }, "owner");
  co_await yield(2);
  for (const auto& child : {asyncpp::task_handle(a), asyncpp::task_handle(b)}) {
    const asyncpp::call_graph g = asyncpp::capture_call_graph(child);
    BOOST_REQUIRE(g.awaited_by.size() == 1u);
    BOOST_TEST((g.awaited_by[0].task == asyncpp::task_handle(owner)));
    BOOST_REQUIRE(g.awaited_by[0].waiting_on.size() == 1u);
    BOOST_TEST(g.awaited_by[0].waiting_on[0].what == "gather(2)");
    BOOST_TEST(g.awaited_by[0].waiting_on[0].where.line() == gather_line);
  }
  owner.cancel();
  co_await asyncpp::gather(asyncpp::return_exceptions, owner);
  BOOST_TEST(a.cancelled());
}

ASYNCPP_TEST_CASE(gather_of_awaitables_shows_each_child_inside_the_task)
{
  unsigned first = 0;
  unsigned second = 0;
  unsigned gather_line = 0;
  auto& loop = asyncpp::get_running_loop();
  auto owner = loop.create_task([&]() -> awaitable<void> {
    gather_line = line_here(); co_await asyncpp::gather(sleeper(first), sleeper(second));
  }, "owner");
  co_await yield(2);
  const asyncpp::call_graph g = asyncpp::capture_call_graph(owner);
  BOOST_REQUIRE(g.waiting_on.size() == 1u);
  BOOST_TEST(g.waiting_on[0].what == "gather(2)");
  BOOST_TEST(g.waiting_on[0].where.line() == gather_line);
  const std::string table = asyncpp::format_all_tasks();
  BOOST_TEST(contains(table, "gather child 1: sleep(3600s) at " + at_line(first)));
  BOOST_TEST(contains(table, "gather child 2: sleep(3600s) at " + at_line(second)));
  // The vector form counts its children too.
  std::vector<awaitable<void>> many;
  for (int i = 0; i < 3; ++i)
    many.push_back(yield(2));
  auto ranged = loop.create_task(asyncpp::gather(std::move(many)), "ranged");
  co_await yield();
  BOOST_TEST(asyncpp::capture_call_graph(ranged).waiting_on.at(0).what == "gather(3)");
  co_await ranged.wait();
  owner.cancel();
  co_await asyncpp::gather(asyncpp::return_exceptions, owner);
}

ASYNCPP_TEST_CASE(task_group_children_are_awaited_by_the_group_owner)
{
  unsigned line = 0;
  unsigned wait_line = 0;
  auto& loop = asyncpp::get_running_loop();
  asyncpp::task<void> child;
  auto owner = loop.create_task([&]() -> awaitable<void> {
    asyncpp::task_group group;
    child = group.create_task(sleeper(line), "child");
    wait_line = line_here(); co_await group.wait();
  }, "owner");
  co_await yield(2);
  const asyncpp::call_graph g = asyncpp::capture_call_graph(child);
  BOOST_REQUIRE(g.awaited_by.size() == 1u);
  BOOST_TEST((g.awaited_by[0].task == asyncpp::task_handle(owner)));
  BOOST_REQUIRE(g.awaited_by[0].waiting_on.size() == 1u);
  BOOST_TEST(g.awaited_by[0].waiting_on[0].what == "task_group.wait(1)");
  BOOST_TEST(g.awaited_by[0].waiting_on[0].where.line() == wait_line);
  owner.cancel();
  co_await asyncpp::gather(asyncpp::return_exceptions, owner);
  BOOST_TEST(child.cancelled());
}

ASYNCPP_TEST_CASE(wait_for_wait_as_completed_and_shield_are_edges)
{
  unsigned line = 0;
  auto& loop = asyncpp::get_running_loop();
  auto target = loop.create_task(sleeper(line), "target");
  unsigned lines[4] = {};
  std::vector<asyncpp::task<void>> waiters;
  waiters.push_back(loop.create_task([&]() -> awaitable<void> {
    lines[0] = line_here(); co_await asyncpp::wait_for(target, 2h);
  }, "by-wait_for"));
  waiters.push_back(loop.create_task([&]() -> awaitable<void> {
    std::vector<asyncpp::task<void>> one{target}; // named: no braced list in a co_await operand (g++ 12)
    lines[1] = line_here(); co_await asyncpp::wait(one);
  }, "by-wait"));
  waiters.push_back(loop.create_task([&]() -> awaitable<void> {
    std::vector<asyncpp::task<void>> one{target};
    lines[2] = line_here(); for (auto&& next : asyncpp::as_completed(one))
      co_await std::move(next);
  }, "by-as_completed"));
  waiters.push_back(loop.create_task([&]() -> awaitable<void> {
    lines[3] = line_here(); co_await asyncpp::shield(target);
  }, "by-shield"));
  co_await yield(2);
  const asyncpp::call_graph g = asyncpp::capture_call_graph(target);
  BOOST_REQUIRE(g.awaited_by.size() == 4u);
  const char* expected[4] = {"wait_for(7200s)", "wait(1)", "as_completed(1)", "shield(target)"};
  for (int i = 0; i < 4; ++i) {
    BOOST_TEST((g.awaited_by[i].task == asyncpp::task_handle(waiters[i])));
    BOOST_REQUIRE(g.awaited_by[i].waiting_on.size() == 1u);
    BOOST_TEST(g.awaited_by[i].waiting_on[0].what == expected[i]);
    BOOST_TEST(g.awaited_by[i].waiting_on[0].where.line() == lines[i]);
  }
  for (auto& w : waiters)
    w.cancel();
  target.cancel();
  co_await asyncpp::gather(asyncpp::return_exceptions, std::move(waiters));
}

ASYNCPP_TEST_CASE(primitives_and_executors_record_their_waits)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::event ev;
  asyncpp::lock lk;
  asyncpp::semaphore sem(0);
  asyncpp::condition cond;
  asyncpp::queue<int> q;
  std::atomic<bool> release_thread{false};
  unsigned lines[6] = {};
  co_await lk.acquire(); // held, so that acquire() waits
  std::vector<asyncpp::task<void>> ts;
  ts.push_back(loop.create_task([&]() -> awaitable<void> { lines[0] = line_here(); co_await ev.wait(); }));
  ts.push_back(loop.create_task([&]() -> awaitable<void> { lines[1] = line_here(); co_await lk.acquire(); lk.release(); }));
  ts.push_back(loop.create_task([&]() -> awaitable<void> { lines[2] = line_here(); co_await sem.acquire(); }));
  ts.push_back(loop.create_task([&]() -> awaitable<void> {
    auto guard = co_await cond.scoped();
    lines[3] = line_here(); co_await cond.wait();
  }));
  ts.push_back(loop.create_task([&]() -> awaitable<void> { lines[4] = line_here(); (void)co_await q.get(); }));
  ts.push_back(loop.create_task([&]() -> awaitable<void> {
    lines[5] = line_here(); co_await asyncpp::to_thread([&] { while (!release_thread) std::this_thread::sleep_for(1ms); });
  }));
  co_await yield(3);
  const char* expected[6] = {"event.wait()",     "lock.acquire()", "semaphore.acquire()",
                             "condition.wait()", "queue.get()",    "to_thread()"};
  for (int i = 0; i < 6; ++i) {
    const asyncpp::call_graph g = asyncpp::capture_call_graph(ts[i]);
    BOOST_REQUIRE(g.waiting_on.size() == 1u);
    BOOST_TEST(g.waiting_on[0].what == expected[i]);
    BOOST_TEST(g.waiting_on[0].where.line() == lines[i]);
  }
  release_thread = true;
  ev.set();
  lk.release();
  sem.release();
  {
    auto guard = co_await cond.scoped();
    cond.notify_all();
  }
  q.put_nowait(1);
  co_await asyncpp::gather(std::move(ts));
}

ASYNCPP_TEST_CASE(stream_reads_and_drain_record_their_waits)
{
  auto& loop = asyncpp::get_running_loop();
  unsigned read_line = 0;
  asyncpp::event connected;
  auto srv = co_await asyncpp::start_server(
      [&](asyncpp::stream_reader reader, asyncpp::stream_writer) -> awaitable<void> {
        connected.set();
        read_line = line_here(); (void)co_await reader.readline();
      },
      "127.0.0.1", 0);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  co_await connected.wait();
  co_await yield(2);
  bool found = false;
  for (const auto& t : asyncpp::all_tasks(loop)) {
    const asyncpp::call_graph g = asyncpp::capture_call_graph(t);
    if (!g.waiting_on.empty() && g.waiting_on[0].what == "stream_reader.readline()") {
      found = true;
      BOOST_TEST(g.waiting_on[0].where.line() == read_line);
    }
  }
  BOOST_TEST(found);
  writer.write("line\n");
  writer.close();
  srv.close();
  co_await srv.wait_closed();
}

ASYNCPP_TEST_CASE(a_raw_asio_operation_says_so)
{
  auto& loop = asyncpp::get_running_loop();
  boost::asio::steady_timer timer(loop.get_executor(), 1h);
  auto t = loop.create_task([&]() -> awaitable<void> {
    co_await asyncpp::sleep(0s); // an asyncpp wait first: what it recorded is gone once resumed
    co_await timer.async_wait(boost::asio::use_awaitable);
  });
  co_await yield(3);
  const asyncpp::call_graph g = asyncpp::capture_call_graph(t);
  BOOST_REQUIRE(g.waiting_on.size() == 1u);
  BOOST_TEST(g.waiting_on[0].what == "Asio operation");
  BOOST_TEST(std::string_view(g.waiting_on[0].where.file_name()).empty());
  timer.cancel();
  co_await asyncpp::gather(asyncpp::return_exceptions, t);
}

ASYNCPP_TEST_CASE(the_task_table_lists_names_states_and_locations)
{
  unsigned line = 0;
  auto& loop = asyncpp::get_running_loop();
  auto waiting = loop.create_task(sleeper(line), "napper");
  co_await yield();
  const unsigned created = line_here(); auto pending = loop.create_task(yield(), "not-yet");
  const std::string table = asyncpp::format_all_tasks(loop);
  BOOST_TEST_INFO(table);
  BOOST_TEST(contains(table, "3 unfinished task(s)"));
  BOOST_TEST(contains(table, "napper"));
  BOOST_TEST(contains(table, "waiting"));
  BOOST_TEST(contains(table, "sleep(3600s) at " + at_line(line)));
  BOOST_TEST(contains(table, "not-yet"));
  BOOST_TEST(contains(table, "pending"));
  BOOST_TEST(contains(table, at_line(created)));
  BOOST_TEST(contains(table, "running")); // this task
  waiting.cancel();
  co_await asyncpp::gather(asyncpp::return_exceptions, waiting);
  BOOST_TEST(contains(asyncpp::format_all_tasks(loop), "napper") == false);
  co_await pending.wait();
}

BOOST_AUTO_TEST_CASE(debug_mode_reports_slow_steps)
{
  asyncpp::event_loop loop;
  BOOST_TEST(!loop.get_debug());
  BOOST_TEST(loop.slow_callback_duration() == std::chrono::milliseconds(100));
  loop.set_debug(true);
  loop.set_slow_callback_duration(20ms);
  handler_log log;
  log.install(loop);
  unsigned line = 0;
  auto slow = [&]() -> awaitable<void> {
    line = line_here(); co_await asyncpp::sleep(1ms);
    std::this_thread::sleep_for(60ms); // blocks the loop: the step after the sleep is slow
  };
  loop.call_soon([] { std::this_thread::sleep_for(60ms); });
  loop.run_until_complete(loop.create_task(slow, "sluggish"));
  BOOST_REQUIRE(log.seen.size() == 2u);
  BOOST_TEST(contains(log.seen[0].message, "Executing a callback took"));
  BOOST_TEST(contains(log.seen[1].message, "Executing task 'sluggish' took"));
  BOOST_TEST(contains(log.seen[1].message, "resumed from sleep(0.001s) at " + at_line(line)));
  BOOST_TEST(log.seen[1].task_name == "sluggish");
  loop.close();
}

BOOST_AUTO_TEST_CASE(debug_mode_off_reports_nothing_and_changes_nothing)
{
  asyncpp::event_loop loop;
  handler_log log;
  log.install(loop);
  auto slow = []() -> awaitable<int> {
    co_await asyncpp::sleep(1ms);
    std::this_thread::sleep_for(150ms);
    co_return 7;
  };
  BOOST_TEST(loop.run_until_complete(loop.create_task(slow)) == 7);
  BOOST_TEST(log.seen.empty());
  loop.close();
}

BOOST_AUTO_TEST_CASE(debug_mode_names_where_an_unretrieved_failure_was_created)
{
  asyncpp::event_loop loop;
  loop.set_debug(true);
  handler_log log;
  log.install(loop);
  auto fail = []() -> awaitable<void> {
    co_await asyncpp::sleep(0s);
    throw std::runtime_error("boom");
  };
  unsigned created = 0;
  {
    created = line_here(); auto t = loop.create_task(fail, "doomed");
    loop.run_until_complete(asyncpp::sleep(10ms));
  } // the last handle goes: reported
  BOOST_REQUIRE(log.seen.size() == 1u);
  BOOST_TEST(log.seen[0].message == "Task exception was never retrieved (task created at " + at_line(created) + ")");
  loop.close();
}

BOOST_AUTO_TEST_CASE(asyncpp_debug_in_the_environment_turns_debug_on)
{
  ::setenv("ASYNCPP_DEBUG", "1", 1);
  asyncpp::event_loop on;
  ::setenv("ASYNCPP_DEBUG", "0", 1);
  asyncpp::event_loop off;
  ::unsetenv("ASYNCPP_DEBUG");
  asyncpp::event_loop unset;
  BOOST_TEST(on.get_debug());
  BOOST_TEST(!off.get_debug());
  BOOST_TEST(!unset.get_debug());
}

BOOST_AUTO_TEST_SUITE_END()
