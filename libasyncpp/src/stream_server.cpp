// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// start_server, start_unix_server and server: listening sockets, the accept loops (which
// survive accept errors), a task per connection, and the server's shutdown.

#include <asyncpp/event_loop.hpp>
#include <asyncpp/streams.hpp>
#include <asyncpp/task.hpp>

#include "stream_connection.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace asyncpp {

namespace asio = boost::asio;
using boost::system::error_code;

namespace detail {

/// One listening socket and its accept loop.
class listener {
public:
  virtual ~listener() = default;
  virtual void accept_next() = 0;
  /// After an accept error: accept again in a second.
  virtual void pause_then_accept() = 0;
  virtual void close() noexcept = 0;
  virtual std::string address() const = 0;
  virtual std::uint16_t port() const = 0;
};

/// What a server is, shared by the server object, its accept loops and its connections'
/// tasks: the callback lives here until the last of them is gone.
class server_state final : public std::enable_shared_from_this<server_state>, public loop_resource {
public:
  server_state(event_loop& loop, client_callback cb, server_options options, const std::source_location& where)
      : loop_(&loop), core_(loop_access::core(loop)), cb_(std::move(cb)), options_(std::move(options)),
        started_at_(where)
  {
  }
  ~server_state()
  {
    close();
    while (connections_.pop_front()) { // connections may outlive the server
    }
  }
  /// The public object for `state` (server's constructor is private).
  static server make_server(std::shared_ptr<server_state> state) { return server(std::move(state)); }

  template <class Protocol>
  void listen(const typename Protocol::endpoint& where);
  void start_serving()
  {
    serving_ = true;
    core_->add_resource(*this);
    for (auto& l : listeners_)
      l->accept_next();
  }

  template <class Protocol>
  void accepted(typename Protocol::socket socket);
  /// An accept failed: reported, then accepting pauses for a second (Python's delay), so a
  /// server out of descriptors neither stops nor spins.
  void accept_failed(listener& l, const error_code& ec);

  void close() noexcept
  {
    if (closed_)
      return;
    closed_ = true;
    serving_ = false;
    for (auto& l : listeners_)
      l->close();
    if (!unix_path_.empty())
      ::unlink(unix_path_.c_str());
    forever_waiters_.wake_all();
    if (active_ == 0)
      idle_waiters_.wake_all();
  }
  void release_io() noexcept override
  {
    close();
    listeners_.clear();
  }
  void close_clients() noexcept
  {
    connections_.for_each([](stream_connection& c) { c.close(); });
  }
  void abort_clients() noexcept
  {
    connections_.for_each([](stream_connection& c) { c.abort(); });
  }
  void client_finished() noexcept
  {
    if (--active_ == 0 && closed_)
      idle_waiters_.wake_all();
  }

  bool serving() const noexcept { return serving_; }
  bool closed() const noexcept { return closed_; }
  bool idle() const noexcept { return closed_ && active_ == 0; }
  loop_core& core() const noexcept { return *core_; }
  event_loop& loop() const noexcept { return *loop_; }
  const client_callback& callback() const noexcept { return cb_; }
  const server_options& options() const noexcept { return options_; }
  waiter_list& idle_waiters() noexcept { return idle_waiters_; }
  waiter_list& forever_waiters() noexcept { return forever_waiters_; }
  std::uint16_t port() const { return listeners_.empty() ? 0 : listeners_.front()->port(); }
  std::vector<std::string> addresses() const
  {
    std::vector<std::string> out;
    for (auto& l : listeners_)
      out.push_back(l->address());
    return out;
  }
  void set_unix_path(std::string path) { unix_path_ = std::move(path); }

private:
  event_loop* loop_;
  std::shared_ptr<loop_core> core_;
  client_callback cb_;
  server_options options_;
  std::source_location started_at_; // where start_server was called: its handlers' creation site
  std::vector<std::unique_ptr<listener>> listeners_;
  bool serving_ = false;
  bool closed_ = false;
  std::size_t active_ = 0; // connection tasks not finished
  intrusive_list<stream_connection, server_member_tag> connections_;
  waiter_list idle_waiters_;
  waiter_list forever_waiters_;
  std::string unix_path_;
};

namespace {

template <class Protocol>
class acceptor_listener final : public listener {
public:
  acceptor_listener(server_state& owner, typename Protocol::acceptor acceptor)
      : owner_(owner), acceptor_(std::move(acceptor)), retry_(acceptor_.get_executor())
  {
  }

  void accept_next() override
  {
    if (!owner_.serving())
      return;
    auto keep = owner_.shared_from_this();
    loop_core::start_on_loop(
        &owner_.core(), [&](auto handler) { acceptor_.async_accept(std::move(handler)); },
        [this, keep](const error_code& ec, typename Protocol::socket socket) {
          keep->core().run_as_step([&] {
            if (!keep->serving())
              return;
            if (ec)
              keep->accept_failed(*this, ec);
            else {
              keep->template accepted<Protocol>(std::move(socket));
              accept_next();
            }
          });
        });
  }
  void pause_then_accept() override
  {
    auto keep = owner_.shared_from_this();
    retry_.expires_after(std::chrono::seconds(1));
    loop_core::start_on_loop(
        &owner_.core(), [&](auto handler) { retry_.async_wait(std::move(handler)); },
        [this, keep](const error_code& ec) {
          if (!ec)
            keep->core().run_as_step([&] { accept_next(); });
        });
  }
  void close() noexcept override
  {
    error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
  }
  std::string address() const override
  {
    error_code ec;
    const auto ep = acceptor_.local_endpoint(ec);
    return ec ? std::string() : endpoint_name(ep);
  }
  std::uint16_t port() const override
  {
    if constexpr (std::is_same_v<Protocol, asio::ip::tcp>) {
      error_code ec;
      const auto ep = acceptor_.local_endpoint(ec);
      return ec ? 0 : ep.port();
    } else {
      return 0;
    }
  }

private:
  server_state& owner_; // owns this listener
  typename Protocol::acceptor acceptor_;
  asio::steady_timer retry_;
};

/// The task of one connection: the TLS handshake if any, then the callback. What the
/// callback throws is reported (it is nobody else's to catch) and the connection closed.
awaitable<void> serve_client(std::shared_ptr<server_state> server, std::shared_ptr<stream_connection> connection)
{
  struct finished {
    server_state& s;
    ~finished() { s.client_finished(); }
  } guard{*server};
  const std::string peer = connection->peername();
  std::exception_ptr failure;
  const char* what = "Unhandled exception in client_connected_cb";
  try {
    if (server->options().ssl) {
      what = "TLS handshake failed";
      co_await connection->transport()->handshake(true, {});
      what = "Unhandled exception in client_connected_cb";
    }
    connection->start();
    auto [reader, writer] = stream_handle::handles(connection);
    co_await server->callback()(std::move(reader), std::move(writer));
  } catch (...) {
    if (is_cancellation(std::current_exception()))
      throw;
    failure = std::current_exception();
  }
  if (failure) {
    connection->close();
    server->loop().call_exception_handler({what, failure, peer});
  }
}

} // namespace

template <class Protocol>
void server_state::listen(const typename Protocol::endpoint& where)
{
  typename Protocol::acceptor acceptor(core_->io_executor());
  acceptor.open(where.protocol());
  set_close_on_exec(acceptor.native_handle());
  if constexpr (std::is_same_v<Protocol, asio::ip::tcp>) {
    acceptor.set_option(asio::socket_base::reuse_address(true)); // as asyncio does on POSIX
    if (where.address().is_v6())
      acceptor.set_option(asio::ip::v6_only(true)); // the IPv4 socket takes IPv4
    if (options_.reuse_port) {
      const int on = 1;
      if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
        throw boost::system::system_error(error_code(errno, boost::system::system_category()), "SO_REUSEPORT");
    }
  }
  acceptor.bind(where);
  acceptor.listen(options_.backlog);
  listeners_.push_back(std::make_unique<acceptor_listener<Protocol>>(*this, std::move(acceptor)));
}

template <class Protocol>
void server_state::accepted(typename Protocol::socket socket)
{
  try {
    std::unique_ptr<stream_transport> transport;
    if constexpr (std::is_same_v<Protocol, asio::ip::tcp>) {
      if (options_.ssl)
        transport = make_ssl_transport(std::move(socket), *options_.ssl);
      else
        transport = make_transport(std::move(socket));
    } else {
      transport = make_transport(std::move(socket));
    }
    auto connection = stream_connection::create(core_, std::move(transport), options_.limit);
    const std::string peer = connection->peername();
    connections_.push_back(*connection);
    loop_->create_task(serve_client(shared_from_this(), connection), peer.empty() ? std::string("client") : peer,
                       started_at_);
    ++active_;
  } catch (...) {
    loop_->call_exception_handler({"Error while accepting a connection", std::current_exception(), {}});
  }
}

void server_state::accept_failed(listener& l, const error_code& ec)
{
  // Python's wording for EMFILE and the like; the server goes on either way.
  loop_->call_exception_handler({"socket.accept() out of system resource",
                                 std::make_exception_ptr(boost::system::system_error(ec, "accept")), {}});
  l.pause_then_accept();
}

namespace {

awaitable<server> start_tcp(std::shared_ptr<server_state> state, std::string host, std::uint16_t port)
{
  asio::ip::tcp::resolver resolver(state->core().io_executor());
  auto flags = asio::ip::resolver_base::passive | asio::ip::resolver_base::address_configured;
  const auto results = co_await resolver.async_resolve(host.empty() ? std::string_view() : std::string_view(host),
                                                       std::to_string(port), flags, asio::use_awaitable);
  std::uint16_t bound = port;
  for (const auto& entry : results) {
    auto where = entry.endpoint();
    if (bound != 0)
      where.port(bound); // port 0: every socket on the port the first one got
    state->listen<asio::ip::tcp>(where);
    bound = state->port();
  }
  if (results.empty())
    throw std::runtime_error("asyncpp: start_server: no address to listen on for '" + host + "'");
  state->start_serving();
  co_return server_state::make_server(std::move(state));
}

awaitable<server> start_local(std::shared_ptr<server_state> state, std::string path)
{
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
    ::unlink(path.c_str()); // a stale socket of an earlier server, as Python removes it
  state->listen<asio::local::stream_protocol>(asio::local::stream_protocol::endpoint(path));
  state->set_unix_path(path);
  state->start_serving();
  co_return server_state::make_server(std::move(state));
}

} // namespace

awaitable<server> start_tcp_server(client_callback cb, std::string host, std::uint16_t port, server_options options,
                                   const std::source_location& where)
{
  auto state = std::make_shared<server_state>(get_running_loop(), std::move(cb), std::move(options), where);
  return cancellable(start_tcp(std::move(state), std::move(host), port));
}

awaitable<server> start_local_server(client_callback cb, std::string path, server_options options,
                                     const std::source_location& where)
{
  if (options.ssl)
    throw std::invalid_argument("asyncpp: start_unix_server: TLS over a unix socket is not supported");
  auto state = std::make_shared<server_state>(get_running_loop(), std::move(cb), std::move(options), where);
  return cancellable(start_local(std::move(state), std::move(path)));
}

} // namespace detail

server& server::operator=(server&& other) noexcept
{
  if (this != &other) {
    if (state_)
      state_->close();
    state_ = std::move(other.state_);
  }
  return *this;
}

server::~server()
{
  if (state_)
    state_->close();
}

detail::server_state& server::state() const
{
  if (!state_)
    throw std::runtime_error("asyncpp: use of an empty server");
  return *state_;
}

void server::close()
{
  state().close();
}

namespace {

awaitable<void> wait_server_idle(std::shared_ptr<detail::server_state> s, detail::wait_frame frame)
{
  while (!s->idle())
    co_await detail::wait_in(s->idle_waiters(), [] {}, frame);
}

awaitable<void> serve_until_cancelled(std::shared_ptr<detail::server_state> s, std::source_location where)
{
  if (s->closed())
    throw std::runtime_error("asyncpp: serve_forever(): the server is closed");
  bool cancelled = false;
  try {
    while (!s->closed())
      co_await detail::wait_in(s->forever_waiters(), [] {}, detail::wait_frame::named("server.serve_forever()", where));
  } catch (const cancelled_error&) {
    cancelled = true;
  }
  s->close();
  if (cancelled)
    co_await wait_server_idle(s, detail::wait_frame::named("server.serve_forever()", where));
  throw detail::cancellation_of(detail::current_task_state());
}

} // namespace

awaitable<void> server::wait_closed(std::source_location where) const
{
  state();
  return wait_server_idle(state_, detail::wait_frame::named("server.wait_closed()", where));
}

awaitable<void> server::serve_forever(std::source_location where) const
{
  state();
  return serve_until_cancelled(state_, where);
}

bool server::is_serving() const
{
  return state_ && state_->serving();
}

void server::close_clients()
{
  state().close_clients();
}

void server::abort_clients()
{
  state().abort_clients();
}

std::uint16_t server::port() const
{
  return state().port();
}

std::vector<std::string> server::addresses() const
{
  return state().addresses();
}

} // namespace asyncpp
