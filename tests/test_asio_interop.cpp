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
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
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

/// Beast's HTTP session as its examples write it: a stream timeout per request, keep-alive
/// as the client asks, HTTP/1.0 answered as 1.0. The stream is made on the session task's
/// own executor, so its timer's handlers run there after the task has ended.
awaitable<void> http_session(tcp::socket accepted)
{
  beast::tcp_stream stream(tcp::socket(co_await asio::this_coro::executor, tcp::v4(), accepted.release()));
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(30s);
    http::request<http::string_body> req;
    try {
      co_await http::async_read(stream, buffer, req, asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
      if (e.code() == http::error::end_of_stream)
        break;
      throw;
    }
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(req.keep_alive());
    res.body() = "hello " + std::string(req.target());
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::use_awaitable);
    if (!res.keep_alive())
      break;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

/// A listener task that serves `connections` connections, each as a task, then returns.
awaitable<void> http_listener(tcp::acceptor& acceptor, int connections)
{
  auto& loop = asyncpp::get_running_loop();
  for (int i = 0; i < connections; ++i)
    loop.create_task(http_session(co_await acceptor.async_accept(asio::use_awaitable)));
}

/// Beast's WebSocket echo session with a wait_for around each read.
awaitable<void> websocket_session(tcp::socket accepted, int& echoed)
{
  websocket::stream<beast::tcp_stream> ws(std::move(accepted));
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  co_await ws.async_accept(asio::use_awaitable);
  for (;;) {
    beast::flat_buffer buffer;
    try {
      co_await asyncpp::wait_for(ws.async_read(buffer, asio::deferred), 10s);
    } catch (const boost::system::system_error& e) {
      if (e.code() == websocket::error::closed)
        co_return;
      throw;
    }
    ws.text(ws.got_text());
    co_await ws.async_write(buffer.data(), asio::use_awaitable);
    ++echoed;
  }
}

awaitable<int> websocket_client(tcp::endpoint at, int id, int messages)
{
  websocket::stream<beast::tcp_stream> ws(co_await asio::this_coro::executor);
  co_await beast::get_lowest_layer(ws).async_connect(at, asio::use_awaitable);
  co_await ws.async_handshake("127.0.0.1", "/", asio::use_awaitable);
  int matched = 0;
  for (int i = 0; i < messages; ++i) {
    const std::string text = "client " + std::to_string(id) + " message " + std::to_string(i);
    co_await ws.async_write(asio::buffer(text), asio::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, asio::use_awaitable);
    matched += beast::buffers_to_string(buffer.data()) == text;
  }
  co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
  co_return matched;
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

// Beast's HTTP server, driven by Python's http.client: keep-alive requests, one with
// "Connection: close", and an HTTP/1.0 request.
ASYNCPP_TEST_CASE(a_beast_http_session_serves_python_http_client)
{
  if (::access("/usr/bin/python3", X_OK) != 0 && std::system("python3 -c '' 2>/dev/null") != 0) {
    BOOST_TEST_MESSAGE("python3 is not installed: the Beast HTTP test needs it as its client");
    co_return;
  }
  auto& loop = asyncpp::get_running_loop();
  tcp::acceptor acceptor(loop.get_executor(), {asio::ip::address_v4::loopback(), 0});
  auto listener = loop.create_task(http_listener(acceptor, 2));
  const char* client = R"(
import http.client, sys
port = int(sys.argv[1])
c = http.client.HTTPConnection("127.0.0.1", port)
for path in ("/a", "/b"):
    c.request("GET", path)
    r = c.getresponse()
    print(r.status, r.version, r.read().decode())
c.request("GET", "/c", headers={"Connection": "close"})
r = c.getresponse()
print(r.status, r.version, r.read().decode())
c = http.client.HTTPConnection("127.0.0.1", port)
c._http_vsn = 10
c._http_vsn_str = "HTTP/1.0"
c.request("GET", "/d")
r = c.getresponse()
print(r.status, r.version, r.read().decode())
)";
  asyncpp::subprocess_options options;
  options.out = asyncpp::redirect::pipe;
  const std::string port = std::to_string(acceptor.local_endpoint().port());
  auto python = co_await asyncpp::create_subprocess_exec("python3", "-c", client, port, options);
  auto [out, err] = co_await python.communicate();
  BOOST_TEST(co_await python.wait() == 0);
  BOOST_TEST(out == "200 11 hello /a\n200 11 hello /b\n200 11 hello /c\n200 10 hello /d\n");
  co_await listener.wait();
  co_await yield(5); // the sessions' streams go, cancelling their timers on ended tasks' executors
}

// Beast's WebSocket server with a wait_for around every read, under 50 concurrent clients.
ASYNCPP_TEST_CASE(a_beast_websocket_echo_with_wait_for_under_50_clients)
{
  constexpr int clients = 50;
  constexpr int messages = 20;
  auto& loop = asyncpp::get_running_loop();
  tcp::acceptor acceptor(loop.get_executor(), {asio::ip::address_v4::loopback(), 0});
  const tcp::endpoint at(asio::ip::address_v4::loopback(), acceptor.local_endpoint().port());
  int echoed = 0;
  std::vector<asyncpp::task<void>> sessions;
  auto listener = loop.create_task([&]() -> awaitable<void> {
    for (int i = 0; i < clients; ++i)
      sessions.push_back(loop.create_task(websocket_session(co_await acceptor.async_accept(asio::use_awaitable), echoed)));
  });
  std::vector<awaitable<int>> running;
  for (int i = 0; i < clients; ++i)
    running.push_back(websocket_client(at, i, messages));
  const auto matched = co_await asyncpp::gather(std::move(running));
  int total = 0;
  for (int m : matched)
    total += m;
  BOOST_TEST(total == clients * messages);
  co_await listener.wait();
  co_await asyncpp::gather(sessions);
  BOOST_TEST(echoed == clients * messages);
}

// wait_for makes no task of its own: its inner work runs inside the waiting task, and the
// task table shows the wait at the caller's line.
ASYNCPP_TEST_CASE(wait_for_runs_inside_the_waiting_task)
{
  auto& loop = asyncpp::get_running_loop();
  const std::size_t before = asyncpp::all_tasks(loop).size();
  std::optional<asyncpp::task_handle> inside;
  std::size_t during = 0;
  asyncpp::event release;
  auto inner = [&]() -> awaitable<void> {
    inside = asyncpp::current_task();
    during = asyncpp::all_tasks().size();
    co_await release.wait();
  };
  auto waiter = loop.create_task([&]() -> awaitable<void> { co_await asyncpp::wait_for(inner(), 10s); }, "waiter");
  co_await yield(2);
  BOOST_TEST(during == before + 1); // the waiter only
  BOOST_REQUIRE(inside.has_value());
  BOOST_TEST(inside->get_name() == "waiter");
  const std::string table = asyncpp::format_all_tasks();
  BOOST_TEST_INFO(table);
  BOOST_TEST(table.find("wait_for(10s) at test_asio_interop.cpp") != std::string::npos);
  BOOST_TEST(table.find("event.wait()") != std::string::npos);
  release.set();
  co_await waiter.wait();
}

BOOST_AUTO_TEST_SUITE_END()
