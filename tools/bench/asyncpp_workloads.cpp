// The asyncpp side of every workload: the code an asyncio user would write.

#include "../common/echo.hpp"
#include "workloads.hpp"

#include <asyncpp/asyncpp.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <optional>

#include <thread>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace bench::asyncpp_side {

namespace {

asyncpp::awaitable<std::uint64_t> child(std::uint64_t index, bool yield_once)
{
  if (yield_once)
    co_await asyncpp::sleep(std::chrono::seconds(0));
  co_return index;
}

asyncpp::awaitable<void> sleeper(std::size_t& fired, int ms)
{
  co_await asyncpp::sleep(std::chrono::milliseconds(ms));
  ++fired;
}

/// Runs `make()` on a fresh loop (owning its io_context, or on a strand of one) and times it.
template <class Make>
auto timed(Make make, bool on_strand = false)
{
  std::optional<asio::io_context> strand_ctx; // only a strand loop adopts a context
  std::optional<asyncpp::event_loop> loop;
  if (on_strand)
    loop.emplace(asio::make_strand(strand_ctx.emplace(1)));
  else
    loop.emplace();
  const auto start = clock_type::now();
  auto result = loop->run_until_complete(make(*loop));
  return std::make_pair(seconds_since(start), std::move(result));
}

} // namespace

measurement spawn_gather(const params& p, bool yield_once, bool on_strand)
{
  auto [seconds, sum] = timed([&](asyncpp::event_loop&) -> asyncpp::awaitable<std::uint64_t> {
    std::vector<asyncpp::awaitable<std::uint64_t>> children;
    children.reserve(p.n);
    for (std::uint64_t i = 0; i < p.n; ++i)
      children.push_back(child(i, yield_once));
    std::uint64_t total = 0;
    for (auto v : co_await asyncpp::gather(std::move(children)))
      total += v;
    co_return total;
  }, on_strand);
  check(sum == p.n * (p.n - 1) / 2, "asyncpp spawn_gather sum");
  return {seconds, p.n};
}

measurement yield(const params& p, bool on_strand)
{
  auto [seconds, steps] = timed([&](asyncpp::event_loop& loop) -> asyncpp::awaitable<std::uint64_t> {
    std::uint64_t count = 0;
    std::vector<asyncpp::task<void>> tasks;
    tasks.reserve(p.n);
    for (std::size_t t = 0; t < p.n; ++t)
      tasks.push_back(loop.create_task([&count, k = p.per_task]() -> asyncpp::awaitable<void> {
        for (std::size_t i = 0; i < k; ++i) {
          co_await asyncpp::sleep(std::chrono::seconds(0));
          ++count;
        }
      }));
    co_await asyncpp::gather(std::move(tasks));
    co_return count;
  }, on_strand);
  check(steps == p.n * p.per_task, "asyncpp yield steps");
  return {seconds, steps};
}

measurement timers(const params& p)
{
  const auto delays = timer_delays(p.n);
  auto [seconds, fired] = timed([&](asyncpp::event_loop&) -> asyncpp::awaitable<std::size_t> {
    std::size_t count = 0;
    std::vector<asyncpp::awaitable<void>> sleepers;
    sleepers.reserve(p.n);
    for (int ms : delays)
      sleepers.push_back(sleeper(count, ms));
    co_await asyncpp::gather(std::move(sleepers));
    co_return count;
  });
  check(fired == p.n, "asyncpp timers fired");
  return {seconds, p.n};
}

measurement executor(const params& p)
{
  asio::thread_pool pool(p.threads);
  auto [seconds, sum] = timed([&](asyncpp::event_loop& loop) -> asyncpp::awaitable<std::uint64_t> {
    std::uint64_t total = 0;
    for (std::size_t next = 0; next < p.n;) {
      std::vector<asyncpp::awaitable<std::uint64_t>> batch;
      for (std::size_t i = 0; i < p.per_task && next < p.n; ++i, ++next)
        batch.push_back(loop.run_in_executor(pool, [](std::uint64_t v) { return v * 2; }, next));
      for (auto r : co_await asyncpp::gather(std::move(batch)))
        total += r;
    }
    co_return total;
  });
  pool.join();
  check(sum == p.n * (p.n - 1), "asyncpp executor results");
  return {seconds, p.n};
}

namespace {

/// Answers every line with itself until EOF.
asyncpp::awaitable<void> line_session(asyncpp::stream_reader reader, asyncpp::stream_writer writer)
{
  try {
    for (std::string line; !(line = co_await reader.readline()).empty();) {
      writer.write(line);
      co_await writer.drain();
    }
  } catch (const boost::system::system_error&) {
  }
}

/// A streams server running `session` per connection, measured while `client` runs on its
/// own thread: the server's wall and CPU time.
measurement serve(const params& p, asyncpp::awaitable<void> (*session)(asyncpp::stream_reader, asyncpp::stream_writer),
                  client_fn client)
{
  asyncpp::event_loop loop;
  auto server = loop.run_until_complete([&]() -> asyncpp::awaitable<asyncpp::server> {
    asyncpp::server_options options;
    options.backlog = asio::socket_base::max_listen_connections; // as the Asio side's acceptor
    co_return co_await asyncpp::start_server(session, "127.0.0.1", p.port, options);
  }());
  std::uint64_t served = 0;
  std::thread client_thread([&, port = server.port()] {
    served = client(port, p);
    loop.call_soon_threadsafe([&] { loop.stop(); });
  });
  const auto start = clock_type::now();
  const double cpu_start = thread_cpu_seconds();
  loop.run_forever();
  const double cpu = thread_cpu_seconds() - cpu_start;
  const double seconds = seconds_since(start);
  client_thread.join();
  server.close();
  server.close_clients();
  loop.run_until_complete(server.wait_closed());
  return {seconds, served, cpu};
}

} // namespace

measurement echo(const params& p, client_fn client)
{
  return serve(p, echo::session, client);
}

measurement stream_lines(const params& p)
{
  return serve(p, line_session, run_lines_client);
}

} // namespace bench::asyncpp_side
