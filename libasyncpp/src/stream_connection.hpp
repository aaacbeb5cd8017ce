// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The shared state of one stream connection (private to src/): the socket behind a small
// transport interface (TCP, unix, TLS), the receive buffer with its read pump, the send
// buffer with its write pump, and the waits of readers and writers.
#ifndef ASYNCPP_SRC_STREAM_CONNECTION_HPP
#define ASYNCPP_SRC_STREAM_CONNECTION_HPP

#include <asyncpp/detail/loop_core.hpp>
#include <asyncpp/detail/sync.hpp>
#include <asyncpp/detail/task_state.hpp>
#include <asyncpp/streams.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace asyncpp::detail {

class stream_connection;

/// A connection's receive buffer: bytes [begin, end) of a block that grows when needed;
/// a read in flight owns the free space after `end`, so the data only moves in prepare(),
/// which is only called with no read in flight.
class byte_buffer {
public:
  std::string_view view() const noexcept { return {data_.get() + begin_, end_ - begin_}; }
  std::size_t size() const noexcept { return end_ - begin_; }
  bool empty() const noexcept { return begin_ == end_; }
  /// The free space after the data, at least `min` bytes (moving or growing the block).
  boost::asio::mutable_buffer prepare(std::size_t min);
  void commit(std::size_t n) noexcept { end_ += n; }
  /// Never moves the data: a read in flight writes after `end` (prepare() compacts).
  void consume(std::size_t n) noexcept { begin_ += n; }
  /// The first `n` bytes, consumed.
  std::string take(std::size_t n)
  {
    std::string out(view().substr(0, n));
    consume(out.size());
    return out;
  }
  void clear() noexcept { begin_ = end_; }

private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

/// Where a transport's completion goes: a member of the connection, run as a step of its
/// loop (nothing once the loop has closed). Holds the connection while the operation runs.
struct io_completion {
  std::shared_ptr<stream_connection> connection;
  void (stream_connection::*member)(const boost::system::error_code&, std::size_t);
  void operator()(const boost::system::error_code& ec, std::size_t n);
};

/// What every transport's start_read does with its Asio stream (socket, TLS stream, pipe).
template <class Stream>
void start_stream_read(const loop_core& core, Stream& stream, boost::asio::mutable_buffer into, io_completion done)
{
  loop_core::start_on_loop(
      &core, [&](auto handler) { stream.async_read_some(into, std::move(handler)); }, std::move(done));
}

/// What every transport's start_write does: all of `data`, however many writes it takes.
template <class Stream>
void start_stream_write(const loop_core& core, Stream& stream, boost::asio::const_buffer data, io_completion done)
{
  loop_core::start_on_loop(
      &core, [&](auto handler) { boost::asio::async_write(stream, data, std::move(handler)); }, std::move(done));
}

/// The socket of a connection, whatever it is.
class stream_transport {
public:
  virtual ~stream_transport() = default;
  /// Reads some bytes into `into`.
  virtual void start_read(const loop_core& core, boost::asio::mutable_buffer into, io_completion done) = 0;
  /// Writes all of `data`.
  virtual void start_write(const loop_core& core, boost::asio::const_buffer data, io_completion done) = 0;
  /// Writes what the socket takes now without waiting; would_block when it takes nothing.
  /// A TLS stream takes nothing this way (its records are written by start_write).
  virtual std::size_t try_write(boost::asio::const_buffer data, boost::system::error_code& ec) = 0;
  virtual bool can_write_eof() const noexcept = 0;
  virtual void shutdown_send(boost::system::error_code& ec) = 0;
  /// Starts an orderly close that ends in `done` (TLS: close_notify) and returns true, or
  /// returns false when close() does it all (a plain socket).
  virtual bool close_gracefully(const loop_core&, io_completion) { return false; }
  /// Closes the socket (operations in flight complete with operation_aborted).
  virtual void close() noexcept = 0;
  /// Resets the connection (SO_LINGER 0, then close): the peer sees ECONNRESET.
  virtual void abort() noexcept = 0;
  virtual std::string peername() const = 0;
  virtual std::string sockname() const = 0;
  virtual boost::asio::ip::tcp::socket* tcp_socket() noexcept { return nullptr; }
  virtual boost::asio::local::stream_protocol::socket* unix_socket() noexcept { return nullptr; }
  virtual void* ssl_stream() noexcept { return nullptr; }
  /// TLS: the handshake, as client (verifying `hostname`) or server. Plain: nothing.
  virtual awaitable<void> handshake(bool as_server, const std::string& hostname);
  /// TLS: sends close_notify before close() (best effort, bounded). Plain: nothing.
  virtual awaitable<void> shutdown_tls();
};

/// FD_CLOEXEC on a descriptor Asio opened (it does not ask for it): no child started by
/// anyone (exec, system(), posix_spawn) inherits the loop's sockets, as in Python (PEP 446).
void set_close_on_exec(int fd) noexcept;

std::unique_ptr<stream_transport> make_transport(boost::asio::ip::tcp::socket socket);
std::unique_ptr<stream_transport> make_transport(boost::asio::local::stream_protocol::socket socket);
/// A child process's pipe (src/subprocess.cpp): the read end of its stdout or stderr, the
/// write end of its stdin. write_eof() closes the write end, as Python's pipe transport.
std::unique_ptr<stream_transport> make_transport(boost::asio::readable_pipe pipe);
std::unique_ptr<stream_transport> make_transport(boost::asio::writable_pipe pipe);
/// A TLS client (`as_server` false) or server transport over `socket` (src/ssl.cpp;
/// std::runtime_error in a build without OpenSSL).
std::unique_ptr<stream_transport> make_ssl_transport(boost::asio::ip::tcp::socket socket,
                                                     boost::asio::ssl::context& context);

struct server_member_tag {};

/// One connection, shared by its reader and writer handles (through stream_handle) and by
/// the operations in flight. Belongs to one loop: everything runs in its steps.
class stream_connection final : public std::enable_shared_from_this<stream_connection>,
                                public loop_resource,
                                public list_hook<server_member_tag> {
public:
  static constexpr std::size_t high_water = 64 * 1024;
  static constexpr std::size_t low_water = 16 * 1024;

  /// A connection of `core`'s loop over `transport`, reading as soon as start() is called.
  static std::shared_ptr<stream_connection> create(std::shared_ptr<loop_core> core,
                                                   std::unique_ptr<stream_transport> transport, std::size_t limit);
  stream_connection(std::shared_ptr<loop_core> core, std::unique_ptr<stream_transport> transport, std::size_t limit);
  ~stream_connection();

  /// Starts the read pump (after a TLS handshake, if any).
  void start() { read_more(false); }
  stream_transport* transport() noexcept { return transport_.get(); }
  loop_core& core_ref() const noexcept { return *core_; }

  // The read side (stream_reader).
  byte_buffer& buffer() noexcept { return in_; }
  const byte_buffer& buffer() const noexcept { return in_; }
  std::size_t limit() const noexcept { return limit_; }
  bool eof() const noexcept { return eof_; }
  const boost::system::error_code& read_error() const noexcept { return read_error_; }
  /// Suspends until more data, EOF or an error arrives; throws the connection's read
  /// error if there was one, std::runtime_error if another coroutine already waits (`who`
  /// names the read). Resumes a paused read pump.
  awaitable<void> wait_for_data(const wait_frame& frame);
  /// The first `n` bytes of the buffer, consumed (a paused read pump may resume).
  std::string take(std::size_t n)
  {
    std::string out = in_.take(n);
    consumed();
    return out;
  }
  /// Data left the buffer: a paused read pump resumes once the buffer is at the limit.
  void consumed();

  // The write side (stream_writer).
  void write(std::string_view data);
  std::size_t buffered() const noexcept { return out_.size() + sending_.size(); }
  const boost::system::error_code& write_error() const noexcept { return write_error_; }
  waiter_list& drain_waiters() noexcept { return drain_waiters_; }
  void write_eof();
  void close() noexcept;
  void abort() noexcept;
  bool is_closing() const noexcept { return closing_ || closed_; }
  bool closed() const noexcept { return closed_; }
  waiter_list& closed_waiters() noexcept { return closed_waiters_; }
  std::string peername() const;
  std::string sockname() const;

  void release_io() noexcept override;

private:
  void read_more(bool forced);
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void start_sending();
  void on_written(const boost::system::error_code& ec, std::size_t n);
  void on_closed(const boost::system::error_code& ec, std::size_t n);
  void send_eof_if_requested() noexcept;
  /// The connection is gone (an error, or a local close): wakes every waiter.
  void connection_lost(const boost::system::error_code& ec) noexcept;
  void finish_close() noexcept;

  std::shared_ptr<loop_core> core_;
  std::unique_ptr<stream_transport> transport_;
  std::size_t limit_;
  std::string peername_; // kept: asked for after the socket is gone

  byte_buffer in_;
  bool reading_ = false;
  bool paused_ = false;
  bool eof_ = false;
  boost::system::error_code read_error_;
  waiter_list read_waiters_;

  std::string out_;     // queued, not yet handed to the socket
  std::string sending_; // handed to the socket
  bool writing_ = false;
  bool eof_requested_ = false;
  bool eof_sent_ = false;
  bool closing_ = false;
  bool closed_ = false;
  boost::system::error_code write_error_;
  waiter_list drain_waiters_;
  waiter_list closed_waiters_;
};

/// What reader and writer handles share: the last one to go closes the connection.
struct stream_handle {
  explicit stream_handle(std::shared_ptr<stream_connection> c) noexcept : connection(std::move(c)) {}
  stream_handle(const stream_handle&) = delete;
  stream_handle& operator=(const stream_handle&) = delete;
  ~stream_handle() { connection->close(); }
  std::shared_ptr<stream_connection> connection;

  static std::pair<stream_reader, stream_writer> handles(std::shared_ptr<stream_connection> c)
  {
    auto h = std::make_shared<stream_handle>(std::move(c));
    return {stream_reader(h), stream_writer(h)};
  }
  /// One side only (a pipe): the connection closes when the last copy goes.
  static stream_reader reader_of(std::shared_ptr<stream_connection> c)
  {
    return stream_reader(std::make_shared<stream_handle>(std::move(c)));
  }
  static stream_writer writer_of(std::shared_ptr<stream_connection> c)
  {
    return stream_writer(std::make_shared<stream_handle>(std::move(c)));
  }
};

/// "127.0.0.1:5000", "[::1]:5000", or a unix socket's path.
std::string endpoint_name(const boost::asio::ip::tcp::endpoint& ep);
std::string endpoint_name(const boost::asio::local::stream_protocol::endpoint& ep);

/// Runs `body`, turning Asio's operation_aborted (a raw Asio operation cancelled with the
/// task) into cancelled_error, with Asio's sticky cancellation state reset, as asyncpp's
/// own waits do.
template <class T>
awaitable<T> cancellable(awaitable<T> body)
{
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(body);
      co_return;
    } else {
      co_return co_await std::move(body);
    }
  } catch (const boost::system::system_error& e) {
    if (e.code() != boost::asio::error::operation_aborted)
      throw;
  }
  // Here, in the frame that caught it (a nested frame would throw again on entry).
  co_await boost::asio::this_coro::reset_cancellation_state();
  throw cancellation_of(current_task_state());
}

} // namespace asyncpp::detail

#endif
