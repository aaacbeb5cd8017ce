// g++ 12 inlines some of these test bodies' coroutine ramps and then mistakes Asio's
// frame allocator (thread_info_base::allocate, aligned_new) for a mismatched new/delete.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <asyncpp/streams.hpp>

#include "test_util.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace asyncpp_test;
using asyncpp::awaitable;
using asyncpp::stream_reader;
using asyncpp::stream_writer;

namespace {

/// A connection callback that sets `connected`, then reads until EOF (or an error).
asyncpp::detail::client_callback holder(asyncpp::event& connected)
{
  return [&connected](stream_reader reader, stream_writer) -> awaitable<void> {
    connected.set();
    co_await reader.read();
  };
}

/// A server on 127.0.0.1, a free port.
awaitable<asyncpp::server> local_server(asyncpp::detail::client_callback cb)
{
  return asyncpp::start_server(std::move(cb), "127.0.0.1", 0);
}

std::string unix_path(const char* name)
{
  return "/tmp/asyncpp-test-" + std::to_string(::getpid()) + "-" + name + ".sock";
}

} // namespace

BOOST_AUTO_TEST_SUITE(streams_hpp)

ASYNCPP_TEST_CASE(echo_over_tcp_with_names)
{
  auto srv = co_await local_server(echo_lines);
  BOOST_TEST(srv.is_serving());
  BOOST_TEST(srv.port() != 0);
  BOOST_TEST(srv.addresses().at(0) == "127.0.0.1:" + std::to_string(srv.port()));
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  BOOST_TEST(writer.peername() == "127.0.0.1:" + std::to_string(srv.port()));
  BOOST_TEST(writer.sockname().rfind("127.0.0.1:", 0) == 0);
  BOOST_TEST(writer.can_write_eof());
  BOOST_TEST(writer.tcp_socket() != nullptr);
  BOOST_TEST(writer.unix_socket() == nullptr);
  writer.write("hello\n");
  std::vector<std::string> lines{"a\n", "bc\n"};
  writer.writelines(lines);
  co_await writer.drain();
  BOOST_TEST(co_await reader.readline() == "hello\n");
  BOOST_TEST(co_await reader.readline() == "a\n");
  BOOST_TEST(co_await reader.readline() == "bc\n");
  writer.close();
  BOOST_TEST(writer.is_closing());
  co_await writer.wait_closed();
  srv.close();
  BOOST_TEST(!srv.is_serving());
  co_await srv.wait_closed();
}

ASYNCPP_TEST_CASE(called_as_users_write_it)
{
  // An inline lambda (capturing by reference), string literals and default options, all
  // inside the co_await operand (g++ 12: checked under ASan).
  int served = 0;
  auto srv = co_await asyncpp::start_server(
      [&served](stream_reader reader, stream_writer writer) -> awaitable<void> {
        ++served;
        writer.write(co_await reader.readline());
      },
      "127.0.0.1", 0);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  writer.write("inline\n");
  BOOST_TEST(co_await reader.readuntil("\n") == "inline\n");
  BOOST_TEST(served == 1);
}

ASYNCPP_TEST_CASE(ipv6_loopback_and_host_names)
{
  auto srv = co_await asyncpp::start_server(echo_lines, "localhost", 0);
  const std::vector<std::string> hosts{"localhost", "127.0.0.1"};
  for (const std::string& host : hosts) {
    auto [reader, writer] = co_await asyncpp::open_connection(host, srv.port());
    writer.write("x\n");
    BOOST_TEST(co_await reader.readline() == "x\n");
  }
  bool has_v6 = false;
  for (const auto& a : srv.addresses())
    has_v6 = has_v6 || a.rfind("[::1]:", 0) == 0;
  if (has_v6) {
    auto [reader, writer] = co_await asyncpp::open_connection("::1", srv.port());
    BOOST_TEST(writer.peername() == "[::1]:" + std::to_string(srv.port()));
    writer.write("six\n");
    BOOST_TEST(co_await reader.readline() == "six\n");
  } else {
    BOOST_TEST_MESSAGE("no IPv6 loopback here: the IPv6 part was skipped");
  }
}

ASYNCPP_TEST_CASE(the_read_family)
{
  auto sender = [](stream_reader, stream_writer writer) -> awaitable<void> {
    writer.write("0123456789line one\nrest|tail");
    writer.write_eof();
    co_return;
  };
  auto srv = co_await local_server(sender);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  BOOST_TEST(co_await reader.readexactly(4) == "0123");
  BOOST_TEST(co_await reader.read(0) == "");
  const std::string some = co_await reader.read(3);
  BOOST_TEST(!some.empty());
  BOOST_TEST(some.size() <= 3);
  BOOST_TEST(some == std::string("456").substr(0, some.size()));
  std::string rest_of_digits = co_await reader.readuntil("line");
  BOOST_TEST(some + rest_of_digits == "456789line");
  BOOST_TEST(co_await reader.readline() == " one\n");
  BOOST_TEST(co_await reader.readuntil("|") == "rest|");
  BOOST_TEST(!reader.at_eof());
  BOOST_TEST(co_await reader.read() == "tail"); // to EOF
  BOOST_TEST(reader.at_eof());
  BOOST_TEST(co_await reader.read(10) == "");
  BOOST_TEST(co_await reader.readline() == "");
}

ASYNCPP_TEST_CASE(data_arriving_after_the_buffer_was_emptied)
{
  // The read pump reads ahead while the reader empties the buffer: what arrives next must
  // land after what was there, not over it.
  auto pacer = [](stream_reader, stream_writer writer) -> awaitable<void> {
    for (const char* line : {"first\n", "second\n", "third\n"}) {
      writer.write(line);
      co_await writer.drain();
      co_await asyncpp::sleep(20ms);
    }
  };
  auto srv = co_await local_server(pacer);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  BOOST_TEST(co_await reader.readline() == "first\n");
  BOOST_TEST(co_await reader.readline() == "second\n");
  BOOST_TEST(co_await reader.read(100) == "third\n");
}

ASYNCPP_TEST_CASE(eof_mid_readexactly_and_mid_readuntil)
{
  auto sender = [](stream_reader, stream_writer writer) -> awaitable<void> {
    writer.write("abc");
    co_return; // the connection closes when the handles go
  };
  auto srv = co_await local_server(sender);
  {
    auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
    try {
      co_await reader.readexactly(10);
      BOOST_FAIL("readexactly returned at EOF");
    } catch (const asyncpp::incomplete_read_error& e) {
      BOOST_TEST(e.partial == "abc");
      BOOST_TEST(e.expected.value() == 10u);
    }
    BOOST_TEST(reader.at_eof());
  }
  {
    auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
    try {
      co_await reader.readuntil("\n");
      BOOST_FAIL("readuntil returned at EOF");
    } catch (const asyncpp::incomplete_read_error& e) {
      BOOST_TEST(e.partial == "abc");
      BOOST_TEST(!e.expected.has_value());
    }
  }
  {
    auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
    BOOST_TEST(co_await reader.readline() == "abc"); // a client that vanished mid-line
  }
}

ASYNCPP_TEST_CASE(limit_overrun)
{
  auto sender = [](stream_reader, stream_writer writer) -> awaitable<void> {
    writer.write(std::string(40, 'x') + "\nshort\n" + std::string(40, 'y'));
    co_await asyncpp::sleep(10ms);
    writer.write("\nafter\n");
    co_await writer.drain();
  };
  auto srv = co_await local_server(sender);
  asyncpp::stream_options options;
  options.limit = 16;
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port(), options);
  try {
    co_await reader.readuntil("\n");
    BOOST_FAIL("no limit_overrun_error");
  } catch (const asyncpp::limit_overrun_error& e) {
    BOOST_TEST(e.consumed == 40u);
  }
  // readuntil left the data; readline discards the overlong line through its separator.
  try {
    co_await reader.readline();
    BOOST_FAIL("no limit_overrun_error");
  } catch (const asyncpp::limit_overrun_error&) {
  }
  BOOST_TEST(co_await reader.readline() == "short\n");
  try {
    co_await reader.readline(); // 40 'y' with no separator yet: over the limit
    BOOST_FAIL("no limit_overrun_error");
  } catch (const asyncpp::limit_overrun_error&) {
  }
  std::string next = co_await reader.readline();
  BOOST_TEST((next == "\n" || next == "after\n"));
}

ASYNCPP_TEST_CASE(a_cancelled_read_loses_nothing)
{
  asyncpp::event go;
  auto sender = [&go](stream_reader, stream_writer writer) -> awaitable<void> {
    writer.write("12345");
    co_await go.wait();
    writer.write("67890\n");
    co_await writer.drain();
    co_await asyncpp::sleep(50ms);
  };
  auto srv = co_await local_server(sender);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  // Times out with 5 of the 10 bytes in the buffer, then again with nothing new.
  BOOST_CHECK_THROW(co_await asyncpp::wait_for(reader.readexactly(10), 50ms), asyncpp::timeout_error);
  BOOST_CHECK_THROW(co_await asyncpp::wait_for(reader.readline(), 20ms), asyncpp::timeout_error);
  go.set();
  BOOST_TEST(co_await reader.readline() == "1234567890\n");
}

ASYNCPP_TEST_CASE(two_coroutines_may_not_wait_in_one_reader)
{
  auto quiet = [](stream_reader reader, stream_writer) -> awaitable<void> { co_await reader.read(); };
  auto srv = co_await local_server(quiet);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  auto first = asyncpp::get_running_loop().create_task(reader.read(1));
  co_await yield();
  BOOST_CHECK_THROW(co_await reader.read(1), std::runtime_error);
  first.cancel();
  BOOST_CHECK_THROW(co_await first.wait(), asyncpp::cancelled_error);
}

ASYNCPP_TEST_CASE(refused_connection_and_address_in_use)
{
  auto srv = co_await local_server(echo_lines);
  const auto port = srv.port();
  try {
    co_await asyncpp::start_server(echo_lines, "127.0.0.1", port);
    BOOST_FAIL("a second server bound the same port");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST(e.code() == boost::asio::error::address_in_use);
  }
  srv.close();
  co_await srv.wait_closed();
  try {
    co_await asyncpp::open_connection("127.0.0.1", port);
    BOOST_FAIL("connected to a closed port");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST(e.code() == boost::asio::error::connection_refused);
  }
}

ASYNCPP_TEST_CASE(peer_reset_mid_read)
{
  asyncpp::event connected;
  auto srv = co_await local_server(holder(connected));
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  co_await connected.wait();
  srv.abort_clients();
  try {
    co_await reader.read(10);
    BOOST_FAIL("read after a reset returned");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST(e.code() == boost::asio::error::connection_reset);
  }
  // Writing to a gone peer drops the data; drain() says what happened.
  writer.write("into the void");
  BOOST_CHECK_THROW(co_await writer.drain(), boost::system::system_error);
}

ASYNCPP_TEST_CASE(a_peer_that_never_reads_blocks_drain)
{
  asyncpp::event done;
  auto sleeper = [&done](stream_reader, stream_writer) -> awaitable<void> { co_await done.wait(); };
  auto srv = co_await local_server(sleeper);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  // The server reads nothing: its read pump stops at 2 x limit, the kernel's buffers fill,
  // and our drain() has to wait. 64 MiB is far more than any socket buffer.
  const std::string chunk(64 * 1024, 'z');
  std::size_t written = 0;
  bool blocked = false;
  while (written < 64u * 1024 * 1024 && !blocked) {
    writer.write(chunk);
    written += chunk.size();
    try {
      co_await asyncpp::wait_for(writer.drain(), 100ms);
    } catch (const asyncpp::timeout_error&) {
      blocked = true;
    }
  }
  BOOST_TEST(blocked);
  BOOST_TEST_MESSAGE("drain() blocked after " << written / 1024 << " KiB");
  done.set();
  writer.close();
}

ASYNCPP_TEST_CASE(write_after_close_throws_and_write_eof_half_closes)
{
  auto replier = [](stream_reader reader, stream_writer writer) -> awaitable<void> {
    const std::string all = co_await reader.read(); // until the client's EOF
    writer.write("got " + std::to_string(all.size()));
    co_await writer.drain();
  };
  auto srv = co_await local_server(replier);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  writer.write("12345");
  writer.write_eof();
  BOOST_CHECK_THROW(writer.write("more"), std::runtime_error);
  BOOST_TEST(co_await reader.read() == "got 5");
  writer.close();
  writer.close(); // idempotent
  BOOST_CHECK_THROW(writer.write("x"), std::runtime_error);
}

ASYNCPP_TEST_CASE(handler_exceptions_are_reported_and_the_server_goes_on)
{
  handler_log log;
  log.install(asyncpp::get_running_loop());
  auto failing = [](stream_reader reader, stream_writer writer) -> awaitable<void> {
    if (co_await reader.readline() == "fail\n")
      throw std::runtime_error("handler failed");
    writer.write("ok\n");
  };
  auto srv = co_await local_server(failing);
  std::string failing_peer;
  {
    auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
    failing_peer = writer.sockname();
    writer.write("fail\n");
    BOOST_TEST(co_await reader.read() == ""); // closed by the server
  }
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  writer.write("fine\n");
  BOOST_TEST(co_await reader.readline() == "ok\n");
  BOOST_TEST(log.count("Unhandled exception in client_connected_cb") == 1u);
  BOOST_TEST(log.seen.at(0).task_name == failing_peer);
  asyncpp::get_running_loop().set_exception_handler(nullptr); // `log` goes with this frame
}

ASYNCPP_TEST_CASE(wait_closed_waits_for_every_handler_and_the_server_keeps_its_callback)
{
  asyncpp::event release;
  int finished = 0;
  auto stateful = [&release, &finished, tag = std::string("kept alive")](stream_reader, stream_writer writer) -> awaitable<void> {
    co_await release.wait();
    writer.write(tag);
    ++finished;
  };
  // Bound to a named awaitable first: g++ 12 and by-value captures in a co_await operand.
  auto starting = asyncpp::start_server(stateful, "127.0.0.1", 0);
  auto srv = std::make_unique<asyncpp::server>(co_await std::move(starting));
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv->port());
  auto waiting = asyncpp::get_running_loop().create_task(srv->wait_closed());
  co_await yield(3);
  BOOST_TEST(!waiting.done()); // not closed yet
  srv->close();
  co_await yield(3);
  BOOST_TEST(!waiting.done()); // a handler still runs
  srv.reset();                 // the callback stays alive for its handler
  release.set();
  co_await waiting.wait();
  BOOST_TEST(finished == 1);
  BOOST_TEST(co_await reader.read() == "kept alive");
}

ASYNCPP_TEST_CASE(serve_forever_until_cancelled_and_closing_clients)
{
  asyncpp::event connected;
  auto srv = co_await local_server(holder(connected));
  auto forever = asyncpp::get_running_loop().create_task(srv.serve_forever());
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  co_await connected.wait();
  srv.close_clients();
  BOOST_TEST(co_await reader.read() == ""); // closed cleanly: EOF
  forever.cancel();
  BOOST_CHECK_THROW(co_await forever.wait(), asyncpp::cancelled_error);
  BOOST_TEST(!srv.is_serving());
}

ASYNCPP_TEST_CASE(unix_sockets)
{
  const std::string path = unix_path("echo");
  auto srv = co_await asyncpp::start_unix_server(echo_lines, path);
  BOOST_TEST(srv.port() == 0);
  BOOST_TEST(srv.addresses().at(0) == path);
  auto [reader, writer] = co_await asyncpp::open_unix_connection(path);
  BOOST_TEST(writer.peername() == path);
  BOOST_TEST(writer.unix_socket() != nullptr);
  writer.write("over unix\n");
  BOOST_TEST(co_await reader.readline() == "over unix\n");
  srv.close();
  BOOST_TEST(::access(path.c_str(), F_OK) != 0); // the socket file is removed
}

ASYNCPP_TEST_CASE(a_large_transfer_both_ways)
{
  auto mirror = [](stream_reader reader, stream_writer writer) -> awaitable<void> {
    writer.write(co_await reader.readexactly(1 << 20));
    co_await writer.drain();
  };
  auto srv = co_await local_server(mirror);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i * 7 % 256); // every byte value
  writer.write(big);
  co_await writer.drain();
  BOOST_TEST((co_await reader.readexactly(big.size()) == big));
}

ASYNCPP_TEST_CASE(many_clients_at_once)
{
  auto srv = co_await local_server(echo_lines);
  auto client = [&](int i) -> awaitable<bool> {
    auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
    const std::string line = std::to_string(i) + "\n";
    writer.write(line);
    co_await writer.drain();
    co_return co_await reader.readline() == line;
  };
  std::vector<awaitable<bool>> clients;
  for (int i = 1; i <= 50; ++i)
    clients.push_back(client(i));
  for (bool ok : co_await asyncpp::gather(std::move(clients)))
    BOOST_TEST(ok);
}

BOOST_AUTO_TEST_CASE(accept_survives_descriptor_exhaustion)
{
  // In a child: it lowers RLIMIT_NOFILE for itself only.
  run_in_forked_child([]() -> awaitable<int> {
    auto& loop = asyncpp::get_running_loop();
    int out_of_resources = 0;
    loop.set_exception_handler([&](asyncpp::event_loop&, const asyncpp::exception_context& c) {
      out_of_resources += c.message == "socket.accept() out of system resource";
    });
    auto srv = co_await asyncpp::start_server(echo_lines, "127.0.0.1", 0);
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = 128; // a small table: filling it is quick
    ::setrlimit(RLIMIT_NOFILE, &limit);
    // Use up the descriptors with plain sockets; the last one becomes the client, so
    // the server's accept finds none left, whatever else the process has open.
    std::vector<int> hogs;
    for (;;) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      if (fd < 0)
        break;
      hogs.push_back(fd);
    }
    if (hogs.empty())
      co_return 4;
    const int client = hogs.back();
    hogs.pop_back();
    sockaddr_in server_address{};
    server_address.sin_family = AF_INET;
    server_address.sin_port = htons(srv.port());
    server_address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(client, reinterpret_cast<const sockaddr*>(&server_address), sizeof server_address) != 0)
      co_return 5; // (a loopback connect completes at once: the backlog takes it)
    ::send(client, "ping\n", 5, MSG_NOSIGNAL);
    for (int i = 0; i < 1000 && out_of_resources == 0; ++i)
      co_await asyncpp::sleep(10ms);
    if (out_of_resources == 0)
      co_return 6;
    for (int fd : hogs)
      ::close(fd);
    // A second later the server accepts again, and this client is served.
    std::string reply;
    for (int i = 0; i < 1000 && reply.size() < 5; ++i) {
      char buf[16];
      const ssize_t n = ::recv(client, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0)
        reply.append(buf, static_cast<std::size_t>(n));
      else
        co_await asyncpp::sleep(10ms);
    }
    ::close(client);
    co_return reply == "ping\n" && srv.is_serving() ? 0 : 2;
  });
}

BOOST_AUTO_TEST_SUITE_END()
