// A program outside asyncpp's source tree, built against an installed asyncpp by each of
// the supported routes (CMake package, add_subdirectory, pkg-config, b2).
#include <asyncpp/asyncpp.hpp>
#if defined(ASYNCPP_WITH_SSL)
#include <asyncpp/ssl.hpp>
#endif

#include <iostream>

asyncpp::awaitable<int> twice(int x)
{
  co_await asyncpp::sleep(std::chrono::milliseconds(1));
  co_return 2 * x;
}

asyncpp::awaitable<bool> cancelled_before_start()
{
  auto t = asyncpp::get_running_loop().create_task(twice(0));
  t.cancel();
  try {
    co_await t.wait(); // the cancelled_error is made inside the library
  } catch (const asyncpp::cancelled_error&) {
    co_return true;    // and caught by type here, also across a shared library
  }
  co_return false;
}

asyncpp::awaitable<void> echo_line(asyncpp::stream_reader reader, asyncpp::stream_writer writer)
{
  writer.write(co_await reader.readline());
}

/// One line through a loopback server: streams (and TLS, when built with it) link.
asyncpp::awaitable<bool> streams_work()
{
  asyncpp::server_options options;
#if defined(ASYNCPP_WITH_SSL)
  const auto cert = asyncpp::make_self_signed_certificate("localhost");
  auto server_context = asyncpp::make_server_context(cert.certificate_pem, cert.private_key_pem);
  options.ssl = &server_context;
  boost::asio::ssl::context client_context(boost::asio::ssl::context::tls_client);
  client_context.add_certificate_authority(boost::asio::buffer(cert.certificate_pem));
  client_context.set_verify_mode(boost::asio::ssl::verify_peer);
  asyncpp::stream_options client_options;
  client_options.ssl = &client_context;
  client_options.server_hostname = "localhost";
#else
  asyncpp::stream_options client_options;
#endif
  auto server = co_await asyncpp::start_server(echo_line, "127.0.0.1", 0, options);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", server.port(), client_options);
  writer.write("ping\n");
  co_return co_await reader.readline() == "ping\n";
}

int main()
{
  auto [a, b] = asyncpp::run(asyncpp::gather(twice(1), twice(2)));
  const bool caught = asyncpp::run(cancelled_before_start());
  const bool streams = asyncpp::run(streams_work());
  std::cout << "asyncpp " << ASYNCPP_VERSION_STRING << ": " << a + b << (caught ? " ok" : " FAILED")
            << (streams ? (asyncpp::tls_available() ? ", TLS streams ok" : ", streams ok") : ", streams FAILED")
            << std::endl;
  return a + b == 6 && caught && streams ? 0 : 1;
}
