// The echo session and listener: plain Asio socket code, run unchanged as asyncpp tasks or
// as co_spawned Asio coroutines (the drop-in story). Shared by asyncpp-bench and asyncpp-demo.
#ifndef ASYNCPP_TOOLS_COMMON_ECHO_HPP
#define ASYNCPP_TOOLS_COMMON_ECHO_HPP

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>

namespace echo {

/// Echoes what the peer sends until it closes the connection.
inline boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket)
{
  namespace asio = boost::asio;
  std::array<char, 4096> buf;
  socket.set_option(asio::ip::tcp::no_delay(true));
  try {
    for (;;) {
      const std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::use_awaitable);
      co_await asio::async_write(socket, asio::buffer(buf.data(), n), asio::use_awaitable);
    }
  } catch (const boost::system::system_error&) {
    // the peer went away (eof, reset) or the session was cancelled: the session ends
  }
}

/// Accepts connections and starts `spawn(socket)` for each, until the acceptor closes.
template <class Spawn>
boost::asio::awaitable<void> listen(boost::asio::ip::tcp::acceptor& acceptor, Spawn spawn)
{
  for (;;) {
    auto socket = co_await acceptor.async_accept(boost::asio::use_awaitable);
    spawn(std::move(socket));
  }
}

} // namespace echo

#endif
