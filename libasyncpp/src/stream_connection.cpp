// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// One stream connection: the plain socket transports, the read pump and the write pump.

#include "stream_connection.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace asyncpp::detail {

namespace asio = boost::asio;
using boost::system::error_code;

asio::mutable_buffer byte_buffer::prepare(std::size_t min)
{
  if (begin_ == end_)
    begin_ = end_ = 0;
  if (capacity_ - end_ < min) {
    const std::size_t used = size();
    if (capacity_ - used >= min && begin_ > 0) {
      std::memmove(data_.get(), data_.get() + begin_, used);
    } else {
      const std::size_t capacity = std::max({capacity_ * 2, used + min, std::size_t(4096)});
      auto grown = std::make_unique<char[]>(capacity);
      if (used > 0) // (no block yet: nothing to copy, and memcpy takes no null pointer)
        std::memcpy(grown.get(), data_.get() + begin_, used);
      data_ = std::move(grown);
      capacity_ = capacity;
    }
    begin_ = 0;
    end_ = used;
  }
  return asio::buffer(data_.get() + end_, capacity_ - end_);
}

void io_completion::operator()(const error_code& ec, std::size_t n)
{
  stream_connection* c = connection.get();
  c->core_ref().run_as_step([&] { (c->*member)(ec, n); });
}

awaitable<void> stream_transport::handshake(bool, const std::string&)
{
  co_return;
}

awaitable<void> stream_transport::shutdown_tls()
{
  co_return;
}

std::string endpoint_name(const asio::ip::tcp::endpoint& ep)
{
  // Appended piece by piece: g++ 12 -O3 warns (-Wrestrict) about "[" + std::string.
  const auto address = ep.address();
  std::string out;
  if (address.is_v6())
    out.append("[").append(address.to_string()).append("]");
  else
    out.append(address.to_string());
  out.append(":").append(std::to_string(ep.port()));
  return out;
}

std::string endpoint_name(const asio::local::stream_protocol::endpoint& ep)
{
  return ep.path();
}

namespace {

/// A plain TCP or unix socket. Non-blocking, so write() can send at once.
template <class Socket>
class socket_transport final : public stream_transport {
public:
  explicit socket_transport(Socket socket) : socket_(std::move(socket))
  {
    error_code ignored;
    socket_.non_blocking(true, ignored);
  }

  void start_read(const loop_core& core, asio::mutable_buffer into, io_completion done) override
  {
    start_stream_read(core, socket_, into, std::move(done));
  }
  void start_write(const loop_core& core, asio::const_buffer data, io_completion done) override
  {
    start_stream_write(core, socket_, data, std::move(done));
  }
  std::size_t try_write(asio::const_buffer data, error_code& ec) override { return socket_.write_some(data, ec); }
  bool can_write_eof() const noexcept override { return true; }
  void shutdown_send(error_code& ec) override { socket_.shutdown(asio::socket_base::shutdown_send, ec); }
  void close() noexcept override
  {
    error_code ignored;
    socket_.close(ignored);
  }
  void abort() noexcept override
  {
    error_code ignored;
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
  }
  std::string peername() const override
  {
    error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    return ec ? std::string() : endpoint_name(ep);
  }
  std::string sockname() const override
  {
    error_code ec;
    const auto ep = socket_.local_endpoint(ec);
    return ec ? std::string() : endpoint_name(ep);
  }
  asio::ip::tcp::socket* tcp_socket() noexcept override
  {
    if constexpr (std::is_same_v<Socket, asio::ip::tcp::socket>)
      return &socket_;
    else
      return nullptr;
  }
  asio::local::stream_protocol::socket* unix_socket() noexcept override
  {
    if constexpr (std::is_same_v<Socket, asio::local::stream_protocol::socket>)
      return &socket_;
    else
      return nullptr;
  }

private:
  Socket socket_;
};

/// One end of a pipe to or from a child process. Only the matching direction is ever
/// started (a stdout connection has no writer, a stdin one is never start()ed).
template <class Pipe>
class pipe_transport final : public stream_transport {
public:
  explicit pipe_transport(Pipe pipe) : pipe_(std::move(pipe)) {}

  void start_read(const loop_core& core, asio::mutable_buffer into, io_completion done) override
  {
    if constexpr (std::is_same_v<Pipe, asio::readable_pipe>)
      start_stream_read(core, pipe_, into, std::move(done));
    else
      throw std::logic_error("asyncpp: reading from a child's stdin");
  }
  void start_write(const loop_core& core, asio::const_buffer data, io_completion done) override
  {
    if constexpr (std::is_same_v<Pipe, asio::writable_pipe>)
      start_stream_write(core, pipe_, data, std::move(done));
    else
      throw std::logic_error("asyncpp: writing to a child's stdout");
  }
  std::size_t try_write(asio::const_buffer data, error_code& ec) override
  {
    // The parent's end is O_NONBLOCK (Asio's pipes have no non_blocking() to ask for it):
    // a full pipe is would_block here, not a blocked loop.
    const ssize_t n = ::write(pipe_.native_handle(), data.data(), data.size());
    if (n >= 0)
      return static_cast<std::size_t>(n);
    ec.assign(errno, boost::system::system_category());
    return 0;
  }
  bool can_write_eof() const noexcept override { return std::is_same_v<Pipe, asio::writable_pipe>; }
  void shutdown_send(error_code& ec) override { pipe_.close(ec); }
  void close() noexcept override
  {
    error_code ignored;
    pipe_.close(ignored);
  }
  void abort() noexcept override { close(); }
  std::string peername() const override { return {}; }
  std::string sockname() const override { return {}; }

private:
  Pipe pipe_;
};

} // namespace

std::unique_ptr<stream_transport> make_transport(asio::readable_pipe pipe)
{
  return std::make_unique<pipe_transport<asio::readable_pipe>>(std::move(pipe));
}

std::unique_ptr<stream_transport> make_transport(asio::writable_pipe pipe)
{
  return std::make_unique<pipe_transport<asio::writable_pipe>>(std::move(pipe));
}

void set_close_on_exec(int fd) noexcept
{
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0)
    ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

std::unique_ptr<stream_transport> make_transport(asio::ip::tcp::socket socket)
{
  set_close_on_exec(socket.native_handle());
  error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored); // as asyncio does
  return std::make_unique<socket_transport<asio::ip::tcp::socket>>(std::move(socket));
}

std::unique_ptr<stream_transport> make_transport(asio::local::stream_protocol::socket socket)
{
  set_close_on_exec(socket.native_handle());
  return std::make_unique<socket_transport<asio::local::stream_protocol::socket>>(std::move(socket));
}

std::shared_ptr<stream_connection> stream_connection::create(std::shared_ptr<loop_core> core,
                                                             std::unique_ptr<stream_transport> transport,
                                                             std::size_t limit)
{
  auto c = std::make_shared<stream_connection>(std::move(core), std::move(transport), limit);
  c->core_->add_resource(*c);
  return c;
}

stream_connection::stream_connection(std::shared_ptr<loop_core> core, std::unique_ptr<stream_transport> transport,
                                     std::size_t limit)
    : core_(std::move(core)), transport_(std::move(transport)), limit_(limit == 0 ? 1 : limit),
      peername_(transport_->peername())
{
}

stream_connection::~stream_connection()
{
  list_hook<server_member_tag>::unlink();
}

void stream_connection::read_more(bool forced)
{
  if (reading_ || eof_ || read_error_ || closing_ || closed_ || !transport_)
    return; // close() stops reading at once, as in Python
  // Flow control: a reader that does not keep up stops the socket being read (the
  // kernel's buffers, then TCP, push back on the peer), unless it waits for more.
  if (!forced && in_.size() > 2 * limit_) {
    paused_ = true;
    return;
  }
  paused_ = false;
  reading_ = true;
  transport_->start_read(*core_, in_.prepare(4096), io_completion{shared_from_this(), &stream_connection::on_read});
}

void stream_connection::on_read(const error_code& ec, std::size_t n)
{
  reading_ = false;
  if (!ec) {
    in_.commit(n);
    read_more(false);
  } else if (ec == asio::error::eof) {
    eof_ = true;
  } else if (ec != asio::error::operation_aborted) { // aborted: our own close()
    read_error_ = ec;
    connection_lost(ec);
  }
  read_waiters_.wake_one_here(); // last: the reader may run inline, right here
}

awaitable<void> stream_connection::wait_for_data(const wait_frame& frame)
{
  if (read_error_)
    throw boost::system::system_error(read_error_);
  if (!read_waiters_.empty())
    throw std::runtime_error(std::string("asyncpp: ") + frame.what +
                             (frame.kind == wait_frame::kind_type::plain ? "" : "()") + " called while another coroutine is already waiting for incoming data");
  read_more(true);
  return wait_in(read_waiters_, [] {}, frame);
}

void stream_connection::consumed()
{
  if (paused_ && in_.size() <= limit_)
    read_more(false);
}

void stream_connection::write(std::string_view data)
{
  if (closing_ || eof_requested_)
    throw std::runtime_error("asyncpp: stream_writer::write() after close() or write_eof()");
  if (write_error_ || closed_ || data.empty())
    return; // the connection is gone: drain() says so, as in Python
  if (!writing_ && out_.empty()) {
    // Straight into the socket when it takes it: no buffer, no completion to run.
    error_code ec;
    const std::size_t sent = transport_->try_write(asio::buffer(data), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      connection_lost(ec);
      return;
    }
    data.remove_prefix(sent);
    if (data.empty())
      return;
  }
  out_.append(data);
  start_sending();
}

void stream_connection::start_sending()
{
  if (writing_ || out_.empty() || !transport_)
    return;
  writing_ = true;
  sending_.swap(out_); // out_ takes sending_'s old block: no allocation in the steady state
  transport_->start_write(*core_, asio::buffer(sending_),
                          io_completion{shared_from_this(), &stream_connection::on_written});
}

void stream_connection::on_written(const error_code& ec, std::size_t)
{
  writing_ = false;
  sending_.clear();
  if (ec) {
    if (ec != asio::error::operation_aborted)
      connection_lost(ec);
    return;
  }
  if (!out_.empty()) {
    start_sending();
  } else {
    send_eof_if_requested();
    if (closing_)
      finish_close();
  }
  if (buffered() <= low_water)
    drain_waiters_.wake_all();
}

void stream_connection::write_eof()
{
  if (closing_)
    throw std::runtime_error("asyncpp: stream_writer::write_eof() after close()");
  if (!transport_ || !transport_->can_write_eof())
    throw std::runtime_error("asyncpp: stream_writer::write_eof(): not supported by a TLS connection");
  eof_requested_ = true;
  if (!writing_ && out_.empty())
    send_eof_if_requested();
}

void stream_connection::send_eof_if_requested() noexcept
{
  if (!eof_requested_ || eof_sent_ || closed_ || !transport_)
    return;
  eof_sent_ = true;
  error_code ignored;
  transport_->shutdown_send(ignored);
}

void stream_connection::close() noexcept
{
  if (closing_ || closed_)
    return;
  closing_ = true;
  if (!writing_)
    finish_close(); // else once what is queued has been sent
}

void stream_connection::abort() noexcept
{
  if (closed_)
    return;
  closing_ = true;
  out_.clear();
  if (transport_)
    transport_->abort();
  connection_lost({});
}

void stream_connection::finish_close() noexcept
{
  if (transport_) {
    try {
      if (transport_->close_gracefully(*core_, io_completion{shared_from_this(), &stream_connection::on_closed}))
        return; // on_closed() finishes
    } catch (...) { // no memory for the orderly close: close at once
    }
    transport_->close();
  }
  connection_lost({});
}

void stream_connection::on_closed(const error_code&, std::size_t)
{
  if (transport_)
    transport_->close();
  connection_lost({});
}

void stream_connection::connection_lost(const error_code& ec) noexcept
{
  if (ec && !write_error_)
    write_error_ = ec;
  if (closed_)
    return;
  closed_ = true;
  if (!eof_ && !read_error_)
    eof_ = true; // what was received stays readable, then EOF
  if (transport_ && ec)
    transport_->close();
  out_.clear();
  drain_waiters_.wake_all();
  closed_waiters_.wake_all();
  read_waiters_.wake_all();
}

std::string stream_connection::peername() const
{
  return peername_;
}

std::string stream_connection::sockname() const
{
  return transport_ ? transport_->sockname() : std::string();
}

void stream_connection::release_io() noexcept
{
  // The loop closes (nothing of it runs any more): the socket goes before its io_context.
  closed_ = true;
  transport_.reset();
}

} // namespace asyncpp::detail
