// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// asyncio's streams (asyncio/streams.py): open_connection, start_server, stream_reader,
// stream_writer, on Boost.Asio sockets. Bytes are std::string (any byte values).
#ifndef ASYNCPP_STREAMS_HPP
#define ASYNCPP_STREAMS_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/errors.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context; // <boost/asio/ssl/context.hpp>: only TLS users need it (see ssl.hpp)
}

namespace asyncpp {

/// asyncio.IncompleteReadError: EOF came before readexactly's n bytes or readuntil's
/// separator. `partial` holds what was read (and consumed) before EOF.
class ASYNCPP_DECL incomplete_read_error : public std::runtime_error {
public:
  incomplete_read_error(std::string partial, std::optional<std::size_t> expected);
  std::string partial;
  std::optional<std::size_t> expected; ///< readexactly's n; nullopt for readuntil
};

/// asyncio.LimitOverrunError: the reader's buffer reached its limit before a separator.
class ASYNCPP_DECL limit_overrun_error : public std::runtime_error {
public:
  limit_overrun_error(const char* message, std::size_t consumed);
  std::size_t consumed; ///< bytes to consume to get past the limit
};

/// True when this asyncpp was built with TLS (OpenSSL); else a TLS option throws
/// std::runtime_error.
ASYNCPP_DECL bool tls_available() noexcept;

/// Options of a connection. Not an aggregate: g++ 12 destroys an aggregate with
/// strings twice when it is built in a co_await operand (README, "Streams, servers, TLS").
struct stream_options {
  stream_options() = default;
  std::size_t limit = 64 * 1024;             ///< reader buffer limit (readline/readuntil)
  boost::asio::ssl::context* ssl = nullptr;  ///< TLS when set (<asyncpp/ssl.hpp>)
  std::string server_hostname;               ///< SNI and certificate host check (client; default: host)
};

class server;

namespace detail {
class stream_connection;
struct stream_handle;
class server_state;
} // namespace detail

/// The read side of one connection: a cheap, copyable handle (like Python's object). When
/// the last reader and writer handle of a connection goes, the connection is close()d.
///
/// Thread safety: belongs to the loop that made the connection; use it from its steps.
/// Cancellation (every read): cancelled_error; every byte that had arrived stays in the
/// buffer, so a following read sees it. Only one coroutine may wait in a read at a time
/// (std::runtime_error otherwise, as in Python).
class ASYNCPP_DECL stream_reader {
public:
  stream_reader() = default;
  /// Up to `n` bytes as soon as any are available; -1: everything until EOF; "" at EOF.
  [[nodiscard]] awaitable<std::string> read(std::ptrdiff_t n = -1, std::source_location where = std::source_location::current()) const;
  /// Through "\n"; at EOF what is left (maybe ""). Over the limit: limit_overrun_error,
  /// after discarding through the separator (or the whole buffer if there is none).
  [[nodiscard]] awaitable<std::string> readline(std::source_location where = std::source_location::current()) const;
  /// Through `separator`. EOF first: incomplete_read_error (the partial data consumed).
  /// Buffer over the limit without a separator: limit_overrun_error, data kept.
  [[nodiscard]] awaitable<std::string> readuntil(std::string_view separator = "\n",
                                                     std::source_location where = std::source_location::current()) const;
  /// Exactly `n` bytes. EOF first: incomplete_read_error{partial, n}.
  [[nodiscard]] awaitable<std::string> readexactly(std::size_t n, std::source_location where = std::source_location::current()) const;
  /// EOF seen and nothing left in the buffer.
  bool at_eof() const;

private:
  friend class stream_writer;
  friend struct detail::stream_handle;
  explicit stream_reader(std::shared_ptr<detail::stream_handle> h) : handle_(std::move(h)) {}
  detail::stream_connection& connection() const;
  std::shared_ptr<detail::stream_handle> handle_;
};

/// The write side of the same connection: a cheap, copyable handle.
///
/// Flow control: write() never suspends; drain() returns at once while at most 64 KiB
/// wait to be sent, else suspends until 16 KiB or less do. After the connection is lost,
/// write() drops the data and drain() throws the connection's error (system_error).
///
/// Thread safety: belongs to the loop that made the connection; use it from its steps.
/// Cancellation: drain() and wait_closed() throw cancelled_error; the data stays queued.
class ASYNCPP_DECL stream_writer {
public:
  stream_writer() = default;
  /// Queues `data` and starts sending; std::runtime_error after close() or write_eof().
  void write(std::string_view data) const;
  /// write() of each element of `lines` (no separator added, as in Python).
  template <class Range>
  void writelines(const Range& lines) const
  {
    for (const auto& line : lines)
      write(std::string_view(line));
  }
  /// Waits while too much is queued (see the class comment).
  [[nodiscard]] awaitable<void> drain(std::source_location where = std::source_location::current()) const;
  /// True for TCP and unix sockets, false for TLS.
  bool can_write_eof() const;
  /// Shuts the sending side down once everything queued is sent (the peer reads EOF).
  void write_eof() const;
  /// Sends what is queued, then closes the connection; idempotent.
  void close() const;
  bool is_closing() const;
  /// Until the connection is closed.
  [[nodiscard]] awaitable<void> wait_closed(std::source_location where = std::source_location::current()) const;
  /// "127.0.0.1:5000", "[::1]:5000", or the unix socket's path.
  std::string peername() const;
  std::string sockname() const;
  /// The reader of the same connection.
  stream_reader reader() const { return stream_reader(handle_); }

  /// The underlying socket, for what streams do not cover (socket options, ...). Null
  /// for another kind of connection, or once the connection is closed.
  boost::asio::ip::tcp::socket* tcp_socket() const;
  boost::asio::local::stream_protocol::socket* unix_socket() const;
  /// The TLS stream (type-erased: cast to boost::asio::ssl::stream<tcp::socket>*), or null.
  void* ssl_stream() const;

private:
  friend struct detail::stream_handle;
  explicit stream_writer(std::shared_ptr<detail::stream_handle> h) : handle_(std::move(h)) {}
  detail::stream_connection& connection() const;
  std::shared_ptr<detail::stream_handle> handle_;
};

/// asyncio.open_connection: resolves `host` asynchronously (IPv4 and IPv6), connects to
/// the first address that accepts, and returns the connection's reader and writer.
/// Errors: system_error (connection_refused, a resolver error, ...). Cancellation:
/// cancelled_error, nothing left open.
[[nodiscard]] ASYNCPP_DECL awaitable<std::pair<stream_reader, stream_writer>>
open_connection(std::string host, std::uint16_t port, stream_options options = stream_options());
/// asyncio.open_unix_connection.
[[nodiscard]] ASYNCPP_DECL awaitable<std::pair<stream_reader, stream_writer>>
open_unix_connection(std::string path, stream_options options = stream_options());

/// Options of a server. Not an aggregate: g++ 12 destroys an aggregate with
/// strings twice when it is built in a co_await operand (README, "Streams, servers, TLS").
struct server_options : stream_options {
  server_options() = default;
  int backlog = 100;
  bool reuse_port = false; ///< SO_REUSEPORT: several loops or processes share the port
};

namespace detail {
/// What a server calls for each connection, as a task of the loop named after the peer.
using client_callback = std::function<awaitable<void>(stream_reader, stream_writer)>;
/// `cb` as a client_callback, kept in one shared place (it may be move-only).
template <class Callback>
client_callback make_client_callback(Callback&& cb)
{
  auto kept = std::make_shared<std::decay_t<Callback>>(std::forward<Callback>(cb));
  return [kept](stream_reader reader, stream_writer writer) { return (*kept)(std::move(reader), std::move(writer)); };
}
ASYNCPP_DECL awaitable<server> start_tcp_server(client_callback cb, std::string host, std::uint16_t port,
                                               server_options options, const std::source_location& where);
ASYNCPP_DECL awaitable<server> start_local_server(client_callback cb, std::string path, server_options options,
                                                 const std::source_location& where);
} // namespace detail

/// A listening server (asyncio.Server). Move-only; destroying it close()s it.
///
/// Accept errors never stop it: running out of descriptors (EMFILE, ENFILE) or a
/// connection aborted before accept is reported to the exception handler, and accepting
/// resumes a second later. An exception from a connection's callback is reported with the
/// peer's name; the connection is closed and the server goes on.
///
/// Thread safety: belongs to the loop that started it; use it from its steps.
class ASYNCPP_DECL server {
public:
  server() = default;
  server(server&&) noexcept = default;
  server& operator=(server&& other) noexcept;
  ~server();

  /// Stops accepting and closes the listening sockets; accepted connections go on.
  void close();
  /// After close(): until every connection callback has finished.
  /// Cancellation: cancelled_error; the callbacks go on.
  [[nodiscard]] awaitable<void> wait_closed(std::source_location where = std::source_location::current()) const;
  /// Until cancelled (or close()d): then close()s and throws cancelled_error.
  [[nodiscard]] awaitable<void> serve_forever(std::source_location where = std::source_location::current()) const;
  bool is_serving() const;
  /// close() every open connection (Python 3.13).
  void close_clients();
  /// Resets every open connection, dropping what is queued.
  void abort_clients();
  /// The bound TCP port (0 for a unix server).
  std::uint16_t port() const;
  /// Each listening socket's local address.
  std::vector<std::string> addresses() const;

private:
  friend class detail::server_state;
  explicit server(std::shared_ptr<detail::server_state> s) : state_(std::move(s)) {}
  detail::server_state& state() const;
  std::shared_ptr<detail::server_state> state_;
};

/// asyncio.start_server: listening on `host` ("" : every interface, IPv4 and IPv6) and
/// `port` (0: a free one, see port()) when it returns; `cb(reader, writer)`, returning
/// awaitable<void>, runs as a task for each connection. The server keeps `cb` alive until
/// every callback it started has finished (the callbacks' tasks are named after the peer
/// and show as created where start_server was called). Errors: system_error
/// (address_in_use, ...).
/// Bind a lambda that captures by value to a named local before co_awaiting this (g++ 12,
/// see README).
template <class Callback>
[[nodiscard]] awaitable<server> start_server(Callback cb, std::string host, std::uint16_t port,
                                             server_options options = server_options(), std::source_location where = std::source_location::current())
{
  return detail::start_tcp_server(detail::make_client_callback(std::move(cb)), std::move(host), port,
                                  std::move(options), where);
}
/// asyncio.start_unix_server: listening on the unix socket `path` (replaced if it exists).
template <class Callback>
[[nodiscard]] awaitable<server> start_unix_server(Callback cb, std::string path,
                                                  server_options options = server_options(), std::source_location where = std::source_location::current())
{
  return detail::start_local_server(detail::make_client_callback(std::move(cb)), std::move(path), std::move(options),
                                    where);
}

} // namespace asyncpp

#endif
