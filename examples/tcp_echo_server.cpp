// The streams echo server of Python's asyncio documentation, line for line (the Python
// is beside it in examples/README.md). Usage: tcp_echo_server [PORT] (default 8888; 0
// picks a free port). Ctrl-C stops it.
#include <asyncpp/asyncpp.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

using asyncpp::awaitable;

awaitable<void> handle_echo(asyncpp::stream_reader reader, asyncpp::stream_writer writer)
{
  std::string data = co_await reader.read(100);
  std::string addr = writer.peername();
  std::cout << "Received '" << data << "' from " << addr << std::endl;

  std::cout << "Send: '" << data << "'" << std::endl;
  writer.write(data);
  co_await writer.drain();

  std::cout << "Close the connection" << std::endl;
  writer.close();
  co_await writer.wait_closed();
}

awaitable<void> serve(std::uint16_t port)
{
  auto server = co_await asyncpp::start_server(handle_echo, "127.0.0.1", port);

  std::string addrs;
  for (const auto& address : server.addresses())
    addrs += (addrs.empty() ? "" : ", ") + address;
  std::cout << "Serving on " << addrs << std::endl;

  co_await server.serve_forever(); // until Ctrl-C cancels it
}

int main(int argc, char** argv)
{
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8888);
  try {
    asyncpp::run(serve(port));
  } catch (const asyncpp::keyboard_interrupt&) {
    std::cout << "Stopped" << std::endl;
  }
}
