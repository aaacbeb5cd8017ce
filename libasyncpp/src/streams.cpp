// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// stream_reader, stream_writer, open_connection and open_unix_connection: asyncio's
// streams.py read algorithms over a stream_connection.

#include <asyncpp/event_loop.hpp>
#include <asyncpp/streams.hpp>

#include "stream_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <stdexcept>

namespace asyncpp {

namespace asio = boost::asio;
using detail::stream_connection;
using detail::stream_handle;

incomplete_read_error::incomplete_read_error(std::string partial_bytes, std::optional<std::size_t> expected_bytes)
    : std::runtime_error(std::to_string(partial_bytes.size()) + " bytes read on a total of " +
                         (expected_bytes ? std::to_string(*expected_bytes) : std::string("undefined")) +
                         " expected bytes"),
      partial(std::move(partial_bytes)), expected(expected_bytes)
{
}

limit_overrun_error::limit_overrun_error(const char* message, std::size_t consumed_bytes)
    : std::runtime_error(message), consumed(consumed_bytes)
{
}

namespace {

using handle_ptr = std::shared_ptr<stream_handle>;

// The coroutines hold the handle (not the reader object, which a caller may drop while
// a read is suspended).

awaitable<std::string> read_some(handle_ptr h, std::size_t n, std::source_location where)
{
  stream_connection& c = *h->connection;
  while (c.buffer().empty() && !c.eof()) {
    co_await c.wait_for_data(detail::wait_frame::counted("stream_reader.read", n, where));
  }
  co_return c.take(n);
}

awaitable<std::string> read_to_eof(handle_ptr h, std::source_location where)
{
  stream_connection& c = *h->connection;
  std::string out;
  for (;;) {
    // Consumed as it comes, so flow control keeps working while the whole is gathered.
    out.append(c.buffer().view());
    c.buffer().clear();
    c.consumed();
    if (c.eof())
      co_return out;
    co_await c.wait_for_data(detail::wait_frame::named("stream_reader.read()", where));
  }
}

awaitable<std::string> read_exactly(handle_ptr h, std::size_t n, std::source_location where)
{
  stream_connection& c = *h->connection;
  while (c.buffer().size() < n) {
    if (c.eof()) {
      throw incomplete_read_error(c.take(c.buffer().size()), n);
    }
    co_await c.wait_for_data(detail::wait_frame::counted("stream_reader.readexactly", n, where));
  }
  co_return c.take(n);
}

awaitable<std::string> read_through(handle_ptr h, std::string separator, bool for_readline,
                                    std::source_location where);

} // namespace

detail::stream_connection& stream_reader::connection() const
{
  if (!handle_)
    throw std::runtime_error("asyncpp: use of an empty stream_reader");
  return *handle_->connection;
}

awaitable<std::string> stream_reader::read(std::ptrdiff_t n, std::source_location where) const
{
  connection();
  if (n == 0)
    return [](handle_ptr) -> awaitable<std::string> { co_return std::string(); }(handle_);
  if (n < 0)
    return read_to_eof(handle_, where);
  return read_some(handle_, static_cast<std::size_t>(n), where);
}

awaitable<std::string> stream_reader::readexactly(std::size_t n, std::source_location where) const
{
  connection();
  return read_exactly(handle_, n, where);
}

awaitable<std::string> stream_reader::readuntil(std::string_view separator, std::source_location where) const
{
  connection();
  if (separator.empty())
    throw std::invalid_argument("asyncpp: readuntil(): the separator must not be empty");
  return read_through(handle_, std::string(separator), false, where);
}

awaitable<std::string> stream_reader::readline(std::source_location where) const
{
  connection();
  return read_through(handle_, "\n", true, where);
}

namespace {

/// readuntil(), and readline() with its differences at EOF and over the limit.
awaitable<std::string> read_through(handle_ptr h, std::string separator, bool for_readline,
                                    std::source_location where)
{
  const auto frame = detail::wait_frame::named(for_readline ? "stream_reader.readline()" : "stream_reader.readuntil()", where);
  stream_connection& c = *h->connection;
  const std::size_t seplen = separator.size();
  std::size_t offset = 0; // where the separator may start, as far as the buffer was searched
  std::size_t found = std::string_view::npos;
  for (;;) {
    const std::string_view data = c.buffer().view();
    if (data.size() >= offset + seplen) {
      found = data.find(separator, offset);
      if (found != std::string_view::npos)
        break;
      offset = data.size() + 1 - seplen;
      if (offset > c.limit()) {
        if (!for_readline)
          throw limit_overrun_error("Separator is not found, and chunk exceed the limit", offset);
        c.buffer().clear(); // readline: the overlong line goes
        c.consumed();
        throw limit_overrun_error("Separator is not found, and chunk exceed the limit", offset);
      }
    }
    if (c.eof()) {
      std::string partial = c.take(data.size());
      if (for_readline)
        co_return partial; // readline returns what is left at EOF
      throw incomplete_read_error(std::move(partial), std::nullopt);
    }
    co_await c.wait_for_data(frame);
  }
  if (found > c.limit()) {
    if (for_readline) { // the line goes, through its separator
      c.buffer().consume(found + seplen);
      c.consumed();
    }
    throw limit_overrun_error("Separator is found, but chunk is longer than limit", found);
  }
  co_return c.take(found + seplen);
}

} // namespace

bool stream_reader::at_eof() const
{
  const auto& c = connection();
  return c.eof() && c.buffer().empty();
}

detail::stream_connection& stream_writer::connection() const
{
  if (!handle_)
    throw std::runtime_error("asyncpp: use of an empty stream_writer");
  return *handle_->connection;
}

void stream_writer::write(std::string_view data) const
{
  connection().write(data);
}

namespace {

awaitable<void> drain_connection(handle_ptr h, std::source_location where)
{
  stream_connection& c = *h->connection;
  while (!c.write_error() && !c.closed() && c.buffered() > stream_connection::high_water)
    co_await detail::wait_in(c.drain_waiters(), [] {}, detail::wait_frame::named("stream_writer.drain()", where));
  if (c.write_error())
    throw boost::system::system_error(c.write_error());
}

awaitable<void> wait_connection_closed(handle_ptr h, std::source_location where)
{
  stream_connection& c = *h->connection;
  while (!c.closed())
    co_await detail::wait_in(c.closed_waiters(), [] {}, detail::wait_frame::named("stream_writer.wait_closed()", where));
}

} // namespace

awaitable<void> stream_writer::drain(std::source_location where) const
{
  connection();
  return drain_connection(handle_, where);
}

bool stream_writer::can_write_eof() const
{
  auto* t = connection().transport();
  return t && t->can_write_eof();
}

void stream_writer::write_eof() const
{
  connection().write_eof();
}

void stream_writer::close() const
{
  connection().close();
}

bool stream_writer::is_closing() const
{
  return connection().is_closing();
}

awaitable<void> stream_writer::wait_closed(std::source_location where) const
{
  connection();
  return wait_connection_closed(handle_, where);
}

std::string stream_writer::peername() const
{
  return connection().peername();
}

std::string stream_writer::sockname() const
{
  return connection().sockname();
}

boost::asio::ip::tcp::socket* stream_writer::tcp_socket() const
{
  auto* t = connection().transport();
  return t ? t->tcp_socket() : nullptr;
}

boost::asio::local::stream_protocol::socket* stream_writer::unix_socket() const
{
  auto* t = connection().transport();
  return t ? t->unix_socket() : nullptr;
}

void* stream_writer::ssl_stream() const
{
  auto* t = connection().transport();
  return t ? t->ssl_stream() : nullptr;
}

namespace {

awaitable<std::pair<stream_reader, stream_writer>> connect_tcp(std::string host, std::uint16_t port,
                                                               stream_options options)
{
  const auto& core = detail::loop_access::core(get_running_loop());
  asio::ip::tcp::resolver resolver(core->io_executor());
  const auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), asio::use_awaitable);
  asio::ip::tcp::socket socket(core->io_executor());
  co_await asio::async_connect(socket, endpoints, asio::use_awaitable);
  std::unique_ptr<detail::stream_transport> transport;
  if (options.ssl) {
    transport = detail::make_ssl_transport(std::move(socket), *options.ssl);
    co_await transport->handshake(false, options.server_hostname.empty() ? host : options.server_hostname);
  } else {
    transport = detail::make_transport(std::move(socket));
  }
  auto connection = stream_connection::create(core, std::move(transport), options.limit);
  connection->start();
  co_return stream_handle::handles(std::move(connection));
}

awaitable<std::pair<stream_reader, stream_writer>> connect_unix(std::string path, stream_options options)
{
  if (options.ssl)
    throw std::invalid_argument("asyncpp: open_unix_connection: TLS over a unix socket is not supported");
  const auto& core = detail::loop_access::core(get_running_loop());
  asio::local::stream_protocol::socket socket(core->io_executor());
  co_await socket.async_connect(asio::local::stream_protocol::endpoint(path), asio::use_awaitable);
  auto connection = stream_connection::create(core, detail::make_transport(std::move(socket)), options.limit);
  connection->start();
  co_return stream_handle::handles(std::move(connection));
}

} // namespace

awaitable<std::pair<stream_reader, stream_writer>> open_connection(std::string host, std::uint16_t port,
                                                                   stream_options options)
{
  return detail::cancellable(connect_tcp(std::move(host), port, std::move(options)));
}

awaitable<std::pair<stream_reader, stream_writer>> open_unix_connection(std::string path, stream_options options)
{
  return detail::cancellable(connect_unix(std::move(path), std::move(options)));
}

} // namespace asyncpp
