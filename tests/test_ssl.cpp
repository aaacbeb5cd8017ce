// g++ 12 inlines some of these test bodies' coroutine ramps and then mistakes Asio's
// frame allocator (thread_info_base::allocate, aligned_new) for a mismatched new/delete.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <asyncpp/streams.hpp>

#if defined(ASYNCPP_WITH_SSL) // a build without TLS has nothing to test here
#include <asyncpp/ssl.hpp>

#include "test_util.hpp"

#include <boost/asio/ssl/error.hpp>
#include <boost/system/system_error.hpp>

#include <string>

using namespace asyncpp_test;
using asyncpp::awaitable;
using asyncpp::stream_reader;
using asyncpp::stream_writer;

namespace {

/// A server context and a client context that trusts it, for `name`.
struct tls_pair {
  asyncpp::self_signed_certificate cert = asyncpp::make_self_signed_certificate("localhost");
  boost::asio::ssl::context server = asyncpp::make_server_context(cert.certificate_pem, cert.private_key_pem);
  boost::asio::ssl::context client = trusting(cert.certificate_pem);

  static boost::asio::ssl::context trusting(const std::string& pem)
  {
    boost::asio::ssl::context c(boost::asio::ssl::context::tls_client);
    c.add_certificate_authority(boost::asio::buffer(pem));
    c.set_verify_mode(boost::asio::ssl::verify_peer);
    return c;
  }
};

awaitable<asyncpp::server> tls_server(boost::asio::ssl::context& context, asyncpp::detail::client_callback cb)
{
  asyncpp::server_options options;
  options.ssl = &context;
  return asyncpp::start_server(std::move(cb), "127.0.0.1", 0, options);
}

awaitable<std::pair<stream_reader, stream_writer>> tls_connect(std::uint16_t port, boost::asio::ssl::context& context,
                                                               std::string server_hostname)
{
  asyncpp::stream_options options;
  options.ssl = &context;
  options.server_hostname = std::move(server_hostname);
  return asyncpp::open_connection("127.0.0.1", port, options);
}

} // namespace

BOOST_AUTO_TEST_SUITE(ssl_hpp)

ASYNCPP_TEST_CASE(tls_echo_both_ways)
{
  BOOST_TEST(asyncpp::tls_available());
  tls_pair tls;
  auto srv = co_await tls_server(tls.server, echo_lines);
  auto [reader, writer] = co_await tls_connect(srv.port(), tls.client, "localhost");
  BOOST_TEST(asyncpp::ssl_stream_of(writer) != nullptr);
  BOOST_TEST(writer.tcp_socket() != nullptr);
  BOOST_TEST(!writer.can_write_eof());
  BOOST_CHECK_THROW(writer.write_eof(), std::runtime_error);
  const std::string big(50 * 1024, 'q'); // several TLS records, under the line limit
  writer.write("hello\n");
  writer.write(big + "\n");
  co_await writer.drain();
  BOOST_TEST(co_await reader.readline() == "hello\n");
  BOOST_TEST((co_await reader.readexactly(big.size() + 1) == big + "\n"));
}

ASYNCPP_TEST_CASE(close_sends_close_notify)
{
  tls_pair tls;
  asyncpp::event done;
  bool clean_eof = false;
  auto reader_side = [&](stream_reader reader, stream_writer) -> awaitable<void> {
    try {
      clean_eof = (co_await reader.read()) == "bye"; // EOF, not stream_truncated
    } catch (const boost::system::system_error&) {
    }
    done.set();
  };
  auto srv = co_await tls_server(tls.server, reader_side);
  auto [reader, writer] = co_await tls_connect(srv.port(), tls.client, "localhost");
  writer.write("bye");
  writer.close();
  co_await writer.wait_closed();
  co_await asyncpp::wait_for(done.wait(), 10s);
  BOOST_TEST(clean_eof);
}

ASYNCPP_TEST_CASE(an_untrusted_certificate_is_refused)
{
  tls_pair tls;
  auto srv = co_await tls_server(tls.server, echo_lines);
  auto system_trust = asyncpp::make_client_context(); // does not know our certificate
  BOOST_CHECK_THROW(co_await tls_connect(srv.port(), system_trust, "localhost"), boost::system::system_error);
}

ASYNCPP_TEST_CASE(a_wrong_host_name_is_refused)
{
  tls_pair tls;
  auto srv = co_await tls_server(tls.server, echo_lines);
  BOOST_CHECK_THROW(co_await tls_connect(srv.port(), tls.client, "example.com"), boost::system::system_error);
  auto [reader, writer] = co_await tls_connect(srv.port(), tls.client, "localhost"); // the right one works
  writer.write("ok\n");
  BOOST_TEST(co_await reader.readline() == "ok\n");
}

ASYNCPP_TEST_CASE(plain_clients_do_not_hang_a_tls_server)
{
  handler_log log;
  log.install(asyncpp::get_running_loop());
  tls_pair tls;
  int callbacks = 0;
  auto counting = [&callbacks](stream_reader reader, stream_writer writer) -> awaitable<void> {
    ++callbacks;
    co_await echo_lines(std::move(reader), std::move(writer));
  };
  auto srv = co_await tls_server(tls.server, counting);
  // One plain client says something that is not TLS; another says nothing at all.
  auto [plain_reader, plain_writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  plain_writer.write("GET / HTTP/1.0\r\n\r\n");
  auto [silent_reader, silent_writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  // The server goes on serving TLS clients meanwhile.
  auto [reader, writer] = co_await tls_connect(srv.port(), tls.client, "localhost");
  writer.write("still serving\n");
  BOOST_TEST(co_await reader.readline() == "still serving\n");
  // The failed handshake was reported and closed the plain connection; no callback ran for it.
  try {
    co_await asyncpp::wait_for(plain_reader.read(), 10s);
  } catch (const boost::system::system_error&) { // an alert, then a reset: either way it is over
  }
  BOOST_TEST(log.count("TLS handshake failed") == 1u);
  BOOST_TEST(callbacks == 1);
  // The silent client's handshake fails when it goes, after this frame (and `log`).
  asyncpp::get_running_loop().set_exception_handler(nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

#endif
