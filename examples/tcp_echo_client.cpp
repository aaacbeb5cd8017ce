// The streams echo client of Python's asyncio documentation, line for line (the Python
// is beside it in examples/README.md). Usage: tcp_echo_client [PORT] (default 8888).
#include <asyncpp/asyncpp.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

using asyncpp::awaitable;

awaitable<void> tcp_echo_client(std::string message, std::uint16_t port)
{
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", port);

  std::cout << "Send: '" << message << "'" << std::endl;
  writer.write(message);
  co_await writer.drain();

  std::string data = co_await reader.read(100);
  std::cout << "Received: '" << data << "'" << std::endl;

  std::cout << "Close the connection" << std::endl;
  writer.close();
  co_await writer.wait_closed();
}

int main(int argc, char** argv)
{
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8888);
  asyncpp::run(tcp_echo_client("Hello World!", port));
}
