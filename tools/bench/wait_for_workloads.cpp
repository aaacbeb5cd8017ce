// The wait_for workload, both sides: a wait_for around a socket read whose data is already
// there (so the read completes at once and what is measured is what the timeout costs),
// against raw Asio's timeout by hand around the same read. A file of its own: in
// asyncpp_workloads.cpp its awaitable<std::size_t> changed g++'s inlining of the spawn
// workloads' awaitable<std::uint64_t> (the same type: 13 instructions a child, callgrind).

#include "workloads.hpp"

#include <asyncpp/asyncpp.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <chrono>

namespace asio = boost::asio;

namespace bench {

namespace asyncpp_side {

// A wait_for around a socket read whose data is already there: the read completes at once,
// so what is measured is what the timeout costs around it.
measurement wait_for(const params& p)
{
  asyncpp::event_loop loop;
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t reads = loop.run_until_complete([&]() -> asyncpp::awaitable<std::uint64_t> {
    asio::local::stream_protocol::socket in(loop.get_executor()), out(loop.get_executor());
    asio::local::connect_pair(in, out);
    char byte = 'x';
    std::uint64_t count = 0;
    for (std::size_t i = 0; i < p.n; ++i) {
      asio::write(out, asio::buffer(&byte, 1));
      count += co_await asyncpp::wait_for(in.async_read_some(asio::buffer(&byte, 1), asio::deferred),
                                          std::chrono::seconds(10));
    }
    co_return count;
  }());
  const double seconds = seconds_since(start);
  check(reads == p.n, "asyncpp wait_for reads");
  return {seconds, p.n};
}

} // namespace asyncpp_side

namespace asio_side {

// Idiom: a timeout by hand, as Asio code without awaitable operators writes it: one
// steady_timer, armed before the read (its handler would cancel the socket) and cancelled
// after it.
measurement wait_for(const params& p)
{
  asio::io_context ctx(1);
  std::uint64_t reads = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
      asio::local::stream_protocol::socket in(ctx), out(ctx);
      asio::local::connect_pair(in, out);
      asio::steady_timer timeout(ctx);
      char byte = 'x';
      for (std::size_t i = 0; i < p.n; ++i) {
        asio::write(out, asio::buffer(&byte, 1));
        timeout.expires_after(std::chrono::seconds(10));
        timeout.async_wait([&in](const boost::system::error_code& ec) {
          if (!ec)
            in.cancel();
        });
        reads += co_await in.async_read_some(asio::buffer(&byte, 1), asio::deferred);
        timeout.cancel();
      }
    }, asio::detached);
    ctx.run();
  }
  const double seconds = seconds_since(start);
  check(reads == p.n, "asio wait_for reads");
  return {seconds, p.n};
}

} // namespace asio_side

} // namespace bench
