// Asio's own idioms inside and around asyncpp tasks: executors that outlive their task,
// coroutines spawned on a task's executor, waits in plain Asio coroutines, and every
// awaitable form a wait accepts. Run under ASan+UBSan in CI: a use of a task's freed
// state through its executor shows there.
#include <asyncpp/asyncpp.hpp>

#include "test_util.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace asyncpp_test;
using asyncpp::awaitable;

namespace {

awaitable<int> value_later(int v)
{
  co_await asyncpp::sleep(1ms);
  co_return v;
}

/// Waits until `flag` is set, yielding to the loop (the test's own timeout ends a hang).
awaitable<void> until(const bool& flag)
{
  while (!flag)
    co_await asyncpp::sleep(1ms);
}

/// A coroutine on the io_context's own executor type, as Asio code written against
/// io_context::executor_type has.
asio::awaitable<int, asio::io_context::executor_type> concrete_executor_value(int v)
{
  asio::steady_timer timer(co_await asio::this_coro::executor, 1ms);
  co_await timer.async_wait(asio::use_awaitable_t<asio::io_context::executor_type>{});
  co_return v;
}

} // namespace

BOOST_AUTO_TEST_SUITE(asio_interop)

// The idiom of every Asio example: an acceptor loop co_spawns each session on its own
// executor, then returns; the sessions go on with the acceptor's task gone.
ASYNCPP_TEST_CASE(an_acceptor_task_spawns_sessions_on_its_executor_and_returns)
{
  auto& loop = asyncpp::get_running_loop();
  asio::ip::tcp::acceptor acceptor(loop.get_executor(), {asio::ip::address_v4::loopback(), 0});
  const asio::ip::tcp::endpoint at(asio::ip::address_v4::loopback(), acceptor.local_endpoint().port());
  int served = 0;
  int outside_any_task = 0;
  auto session = [&](asio::ip::tcp::socket sock) -> awaitable<void> {
    asio::streambuf in;
    co_await asio::async_read_until(sock, in, '\n', asio::use_awaitable);
    co_await asyncpp::sleep(2ms); // an asyncpp wait on the ended task's executor
    asio::steady_timer timer(co_await asio::this_coro::executor, 2ms);
    co_await timer.async_wait(asio::use_awaitable);
    outside_any_task += !asyncpp::current_task(); // resumed as the loop's own work
    co_await asio::async_write(sock, in.data(), asio::use_awaitable);
    ++served;
  };
  auto accepting = loop.create_task([&]() -> awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      auto sock = co_await acceptor.async_accept(asio::use_awaitable);
      asio::co_spawn(co_await asio::this_coro::executor, session(std::move(sock)), asio::detached);
    }
  });
  std::vector<asio::ip::tcp::socket> clients;
  for (int i = 0; i < 3; ++i) {
    auto& c = clients.emplace_back(loop.get_executor());
    co_await c.async_connect(at, asio::use_awaitable);
  }
  co_await accepting.wait(); // the acceptor's task has ended; its sessions have not
  for (auto& c : clients)
    co_await asio::async_write(c, asio::buffer(std::string("hello\n")), asio::use_awaitable);
  for (auto& c : clients) {
    asio::streambuf echo;
    const std::size_t n = co_await asio::async_read_until(c, echo, '\n', asio::use_awaitable);
    BOOST_TEST(std::string(asio::buffers_begin(echo.data()), asio::buffers_begin(echo.data()) + n) == "hello\n");
  }
  while (served < 3)
    co_await yield();
  BOOST_TEST(outside_any_task == 3);
}

ASYNCPP_TEST_CASE(an_executor_copy_is_usable_after_its_task_ended)
{
  auto& loop = asyncpp::get_running_loop();
  auto ended = loop.create_task([]() -> awaitable<asio::any_io_executor> { co_return co_await asio::this_coro::executor; });
  const asio::any_io_executor ex = co_await ended.wait();
  // Later tasks reuse what the ended one held.
  for (int i = 0; i < 4; ++i)
    co_await loop.create_task(value_later(i)).wait();
  int ran = 0;
  int in_a_task = 0;
  auto note = [&] {
    ++ran;
    in_a_task += asyncpp::current_task().has_value();
  };
  asio::post(ex, note);
  asio::dispatch(ex, note);
  asio::defer(ex, note);
  bool spawned = false;
  asio::co_spawn(ex, [&]() -> awaitable<void> {
    co_await asyncpp::sleep(1ms);
    spawned = true;
  }, asio::detached);
  co_await until(spawned);
  while (ran < 3)
    co_await yield();
  BOOST_TEST(in_a_task == 0);
}

// Beast's stream timeouts: a timer armed with a plain callback, whose executor is the
// task's, fires after the task has ended.
ASYNCPP_TEST_CASE(a_timer_armed_in_a_task_fires_after_it_ended)
{
  auto& loop = asyncpp::get_running_loop();
  bool fired = false;
  std::shared_ptr<asio::steady_timer> awaited;
  co_await loop.create_task([&]() -> awaitable<void> {
    auto callback_timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, 5ms);
    callback_timer->async_wait([&fired, callback_timer](boost::system::error_code ec) { fired = !ec; });
    awaited = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, 10ms);
  }).wait();
  // A plain coroutine awaits the ended task's timer, and so does this task.
  bool plain_done = false;
  asio::co_spawn(loop.get_executor(), [&]() -> awaitable<void> {
    co_await awaited->async_wait(asio::use_awaitable);
    plain_done = true;
  }, asio::detached);
  co_await awaited->async_wait(asio::use_awaitable);
  co_await until(plain_done);
  co_await until(fired);
}

ASYNCPP_TEST_CASE(a_coroutine_spawned_from_a_gather_child_outlives_it)
{
  int finished = 0;
  int outside_any_task = 0;
  auto child = [&](int v) -> awaitable<int> {
    asio::co_spawn(co_await asio::this_coro::executor, [&]() -> awaitable<void> {
      co_await asyncpp::sleep(5ms); // resumed after the child (and the gather) finished
      outside_any_task += !asyncpp::current_task();
      asio::steady_timer timer(co_await asio::this_coro::executor, 1ms);
      co_await timer.async_wait(asio::use_awaitable);
      ++finished;
    }, asio::detached);
    co_return v;
  };
  auto [a, b] = co_await asyncpp::gather(child(1), child(2));
  BOOST_TEST(a + b == 3);
  while (finished < 2)
    co_await yield();
  BOOST_TEST(outside_any_task == 2);
}

// A coroutine spawned on a task's executor is not that task: its waits are not shown as
// the task's, and it resumes under no task's name.
ASYNCPP_TEST_CASE(a_coroutine_spawned_on_a_task_executor_is_shown_apart)
{
  auto& loop = asyncpp::get_running_loop();
  asyncpp::event release, spawned_waiting;
  bool spawned_done = false;
  auto owner = loop.create_task([&]() -> awaitable<void> {
    asio::co_spawn(co_await asio::this_coro::executor, [&]() -> awaitable<void> {
      spawned_waiting.set();
      co_await asyncpp::sleep(1h);
      spawned_done = true;
    }, asio::detached);
    co_await release.wait();
  }, "owner");
  co_await spawned_waiting.wait();
  co_await yield();
  const std::string graph = asyncpp::format_call_graph(owner);
  BOOST_TEST_INFO(graph);
  BOOST_TEST(graph.find("event.wait()") != std::string::npos);
  BOOST_TEST(graph.find("sleep") == std::string::npos);
  const std::string table = asyncpp::format_all_tasks();
  BOOST_TEST_INFO(table);
  BOOST_TEST(table.find("sleep") == std::string::npos);
  release.set();
  co_await owner.wait();
  BOOST_TEST(!spawned_done);
}

// asyncpp's waits in a plain co_spawn coroutine on an adopted io_context that the
// application runs itself: they find the loop from the coroutine's executor.
BOOST_AUTO_TEST_CASE(waits_in_a_plain_coroutine_on_a_context_run_by_ctx_run)
{
  asio::io_context ctx;
  asyncpp::event_loop loop(ctx);
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(ctx, [&]() -> awaitable<void> {
    BOOST_TEST(co_await asyncpp::wait_for(value_later(5), 1s) == 5);
    bool timed_out = false;
    try {
      co_await asyncpp::wait_for(asyncpp::sleep(1h), 5ms);
    } catch (const asyncpp::timeout_error&) {
      timed_out = true;
    }
    BOOST_TEST(timed_out);
    BOOST_TEST(co_await asyncpp::shield(loop.create_task(value_later(7))) == 7);
    BOOST_TEST(co_await asyncpp::shield(value_later(8)) == 8);
    auto [a, b] = co_await asyncpp::gather(value_later(1), value_later(2));
    BOOST_TEST(a + b == 3);
    std::vector<asyncpp::task<int>> tasks{loop.create_task(value_later(3)), loop.create_task(value_later(4))};
    auto waited = co_await asyncpp::wait(tasks);
    BOOST_TEST(waited.done.size() == 2u);
    int sum = 0;
    for (auto&& next : asyncpp::as_completed(tasks))
      sum += co_await std::move(next);
    BOOST_TEST(sum == 7);
    co_await asyncpp::sleep(1ms);
    BOOST_TEST(co_await asyncpp::to_thread([] { return 42; }) == 42);
    asyncpp::lock lock;
    co_await lock.acquire();
    lock.release();
    asyncpp::queue<int> q;
    q.put_nowait(9);
    BOOST_TEST(co_await q.get() == 9);
    asyncpp::event e;
    loop.call_soon([&] { e.set(); });
    co_await e.wait();
    done = true;
  }, [&](std::exception_ptr e) { error = e; });
  ctx.run();
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      BOOST_FAIL(e.what());
    }
  }
  BOOST_TEST(done);
}

BOOST_AUTO_TEST_CASE(a_wait_with_no_loop_to_find_says_what_to_do)
{
  asio::io_context ctx; // no event_loop on it
  std::string message;
  asio::co_spawn(ctx, []() -> awaitable<int> { co_return co_await asyncpp::wait_for(value_later(1), 1s); },
                 [&](std::exception_ptr e, int) {
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::runtime_error& err) {
                     message = err.what();
                   }
                 });
  ctx.run();
  BOOST_TEST_INFO(message);
  BOOST_TEST(message.find("asyncpp::event_loop loop(ctx)") != std::string::npos);
}

ASYNCPP_TEST_CASE(deferred_operations_in_wait_for_shield_and_gather)
{
  auto& loop = asyncpp::get_running_loop();
  asio::local::stream_protocol::socket a(loop.get_executor()), b(loop.get_executor());
  asio::local::connect_pair(a, b);
  char buf[8];
  bool timed_out = false;
  try {
    co_await asyncpp::wait_for(a.async_read_some(asio::buffer(buf), asio::deferred), 5ms);
  } catch (const asyncpp::timeout_error&) {
    timed_out = true;
  }
  BOOST_TEST(timed_out);
  co_await asio::async_write(b, asio::buffer(std::string("xy")), asio::use_awaitable);
  const std::size_t n = co_await asyncpp::wait_for(a.async_read_some(asio::buffer(buf), asio::deferred), 1s);
  BOOST_TEST(n == 2u);

  asio::steady_timer timer(loop.get_executor(), 1ms);
  co_await asyncpp::wait_for(timer.async_wait(asio::deferred), 1s);
  timer.expires_after(1ms);
  co_await asyncpp::shield(timer.async_wait(asio::deferred));

  timer.expires_after(1ms);
  co_await asio::async_write(b, asio::buffer(std::string("z")), asio::use_awaitable);
  auto [waited, read] = co_await asyncpp::gather(timer.async_wait(asio::deferred),
                                                 a.async_read_some(asio::buffer(buf), asio::deferred));
  (void)waited;
  BOOST_TEST(read == 1u);
}

ASYNCPP_TEST_CASE(awaitables_of_another_executor_type)
{
  auto& loop = asyncpp::get_running_loop();
  auto t = loop.create_task(concrete_executor_value(5));
  BOOST_TEST(co_await t.wait() == 5);
  BOOST_TEST(co_await asyncpp::wait_for(concrete_executor_value(6), 1s) == 6);
  auto [a, b] = co_await asyncpp::gather(concrete_executor_value(1), value_later(2));
  BOOST_TEST(a + b == 3);
  BOOST_TEST(co_await asyncpp::shield(concrete_executor_value(7)) == 7);
}

BOOST_AUTO_TEST_SUITE_END()
