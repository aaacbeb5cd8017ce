// The raw Boost.Asio side of every workload, each in the fastest idiomatic form we know
// (named per workload): what a hand-written Asio program would do. Every co_await takes
// asio::deferred, which measured faster than use_awaitable here (1000 x 1000 yields 0.109
// against 0.134 s, spawn_yield_gather 0.20 against 0.245 s, 100k timers 0.23 against 0.27 s).

#include "workloads.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>
#include <thread>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace bench::asio_side {

namespace {

asio::awaitable<std::uint64_t> child(std::uint64_t index, bool yield_once)
{
  if (yield_once)
    co_await asio::post(co_await asio::this_coro::executor, asio::deferred);
  co_return index;
}

} // namespace

// Runs `spawn_all` as a handler on `ex` and the io_context until it runs out of work.
// Spawning from inside the running loop is the fastest idiom we found: co_spawn then
// dispatches each coroutine's start inline instead of queueing 200k starts (measured
// here: spawn_gather 0.146 s against 0.181 s issued before ctx.run(), timers 0.24 against
// 0.29 s; yield alike).
template <class Executor, class SpawnAll>
double run_spawned_inside(asio::io_context& ctx, const Executor& ex, SpawnAll spawn_all)
{
  const auto start = clock_type::now();
  asio::post(ex, spawn_all);
  ctx.run();
  return seconds_since(start);
}

// Idiom: co_spawn each child (from inside the loop) with a completion handler that adds
// its result (no parent coroutine waiting on them).
template <class Executor>
measurement spawn_gather_on(asio::io_context& ctx, const Executor& ex, const params& p, bool yield_once,
                            bool bind_slots)
{
  std::uint64_t sum = 0;
  std::unique_ptr<asio::cancellation_signal[]> signals(bind_slots ? new asio::cancellation_signal[p.n] : nullptr);
  const double seconds = run_spawned_inside(ctx, ex, [&] {
    for (std::uint64_t i = 0; i < p.n; ++i) {
      auto done = [&sum](std::exception_ptr e, std::uint64_t v) {
        if (e)
          std::rethrow_exception(e);
        sum += v;
      };
      if (bind_slots)
        asio::co_spawn(ex, child(i, yield_once), asio::bind_cancellation_slot(signals[i].slot(), done));
      else
        asio::co_spawn(ex, child(i, yield_once), done);
    }
  });
  check(sum == p.n * (p.n - 1) / 2, "asio spawn_gather sum");
  return {seconds, p.n};
}

measurement spawn_gather(const params& p, bool yield_once, bool bind_slots, bool on_strand)
{
  asio::io_context ctx(1);
  if (on_strand)
    return spawn_gather_on(ctx, asio::make_strand(ctx), p, yield_once, bind_slots);
  return spawn_gather_on(ctx, ctx.get_executor(), p, yield_once, bind_slots);
}

// Idiom: co_spawned coroutines (from inside the loop), each `co_await post(executor,
// deferred)` in a loop.
template <class Executor>
measurement yield_on(asio::io_context& ctx, const Executor& ex, const params& p)
{
  std::uint64_t steps = 0;
  const double seconds = run_spawned_inside(ctx, ex, [&] {
    for (std::size_t t = 0; t < p.n; ++t)
      asio::co_spawn(ex, [&steps, k = p.per_task]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        for (std::size_t i = 0; i < k; ++i) {
          co_await asio::post(ex, asio::deferred);
          ++steps;
        }
      }, asio::detached);
  });
  check(steps == p.n * p.per_task, "asio yield steps");
  return {seconds, steps};
}

measurement yield(const params& p, bool on_strand)
{
  asio::io_context ctx(1);
  if (on_strand)
    return yield_on(ctx, asio::make_strand(ctx), p);
  return yield_on(ctx, ctx.get_executor(), p);
}

// Idiom: a co_spawned coroutine per timer (from inside the loop), each with its own
// steady_timer.
measurement timers(const params& p)
{
  const auto delays = timer_delays(p.n);
  asio::io_context ctx(1);
  std::size_t fired = 0;
  const double seconds = run_spawned_inside(ctx, ctx.get_executor(), [&] {
    for (int ms : delays)
      asio::co_spawn(ctx, [&fired, ms]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
        co_await timer.async_wait(asio::deferred);
        ++fired;
      }, asio::detached);
  });
  check(fired == p.n, "asio timers fired");
  return {seconds, p.n};
}

// Idiom: completion-handler callbacks, each batch handed to the pool as one queue that
// posted steps take functions from (a step that finds functions left posts one more
// first), the results brought back through a locked vector with one post per batch of
// them, the next batch started when one is done: by hand, what asyncpp does inside
// run_in_executor. The fastest of the three forms tried: this (0.05 us per call), the
// queue with each result posted back, and one post per function and per result, the
// form Asio's documentation shows (`batched` false: the extra anchor asio_per_call,
// 0.4-1.0 us per call, its context switches varying from run to run).
measurement executor(const params& p, bool batched)
{
  asio::io_context ctx(1);
  asio::thread_pool pool(p.threads);
  auto work = asio::make_work_guard(ctx);
  std::uint64_t sum = 0, completed = 0;
  std::size_t in_flight = 0, next = 0;
  std::function<void()> start_batch;
  const auto take = [&](std::uint64_t r) {
    sum += r;
    ++completed;
    if (--in_flight == 0) {
      if (next < p.n)
        start_batch();
      else
        work.reset();
    }
  };
  std::mutex inbox_mutex;
  std::vector<std::uint64_t> inbox, taking;
  bool inbox_posted = false;
  const auto call = [&](std::uint64_t v) {
    const std::uint64_t r = v * 2; // the trivial function
    if (!batched) {
      asio::post(ctx, [&take, r] { take(r); });
      return;
    }
    std::lock_guard<std::mutex> lock(inbox_mutex);
    inbox.push_back(r);
    if (!std::exchange(inbox_posted, true))
      asio::post(ctx, [&] {
        {
          std::lock_guard<std::mutex> lock(inbox_mutex);
          taking.swap(inbox);
          inbox_posted = false;
        }
        for (auto r : taking)
          take(r);
        taking.clear();
      });
  };
  struct queue {
    std::uint64_t first = 0;
    std::size_t size = 0;
    std::atomic<std::size_t> taken{0};
  };
  std::function<void(std::shared_ptr<queue>)> drain_step = [&](std::shared_ptr<queue> q) {
    if (q->taken.load(std::memory_order_relaxed) < q->size)
      asio::post(pool, [&drain_step, q] { drain_step(q); });
    for (std::size_t i; (i = q->taken.fetch_add(1, std::memory_order_relaxed)) < q->size;)
      call(q->first + i);
  };
  start_batch = [&] {
    const std::size_t batch = std::min(p.per_task, p.n - next);
    in_flight = batch;
    if (batched) {
      auto q = std::make_shared<queue>();
      q->first = next;
      q->size = batch;
      next += batch;
      asio::post(pool, [&drain_step, q] { drain_step(q); });
      return;
    }
    for (std::size_t i = 0; i < batch; ++i, ++next)
      asio::post(pool, [&call, v = next] { call(v); });
  };
  const auto start = clock_type::now();
  asio::post(ctx, start_batch);
  ctx.run();
  const double seconds = seconds_since(start);
  pool.join();
  check(completed == p.n && sum == p.n * (p.n - 1), "asio executor results");
  return {seconds, p.n};
}

// Idiom: one co_spawned coroutine per connection, reading what is there into a fixed
// buffer and writing it back with async_write.
asio::awaitable<void> echo_session(asio::ip::tcp::socket socket)
{
  std::array<char, 64 * 1024> buf; // the size asyncpp's echo reads at most
  socket.set_option(asio::ip::tcp::no_delay(true));
  try {
    for (;;) {
      const std::size_t n = co_await socket.async_read_some(asio::buffer(buf), asio::deferred);
      co_await asio::async_write(socket, asio::buffer(buf.data(), n), asio::deferred);
    }
  } catch (const boost::system::system_error&) { // EOF or reset: the session ends
  }
}

// Idiom: async_read_until on an asio::streambuf, each line written back with async_write.
// streambuf, not dynamic_buffer(std::string): its consume() is O(1), where the string's
// erases the front, moving everything read ahead once per line.
asio::awaitable<void> line_session(asio::ip::tcp::socket socket)
{
  asio::streambuf buf;
  socket.set_option(asio::ip::tcp::no_delay(true));
  try {
    for (;;) {
      const std::size_t n = co_await asio::async_read_until(socket, buf, '\n', asio::deferred);
      // The pointer, not buf.data(): asio::buffer(buf.data(), n) sent the bytes of the
      // buffer descriptor itself in this build.
      co_await asio::async_write(socket, asio::buffer(buf.data().data(), n), asio::deferred);
      buf.consume(n);
    }
  } catch (const boost::system::system_error&) {
  }
}

// A co_spawned listener starting `session` per connection; measured while `client` runs
// on its own thread: the server's wall and CPU time. (The acceptor listens with Asio's
// default backlog, SOMAXCONN; the asyncpp side asks for the same.)
measurement serve(const params& p, asio::awaitable<void> (*session)(asio::ip::tcp::socket), client_fn client)
{
  asio::io_context ctx(1);
  asio::ip::tcp::acceptor acceptor(ctx, {asio::ip::make_address("127.0.0.1"), p.port});
  const unsigned short port = acceptor.local_endpoint().port();
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    for (;;)
      asio::co_spawn(ctx, session(co_await acceptor.async_accept(asio::deferred)), asio::detached);
  }, asio::detached);
  std::uint64_t served = 0;
  std::thread client_thread([&] {
    served = client(port, p);
    asio::post(ctx, [&] { ctx.stop(); });
  });
  const auto start = clock_type::now();
  const double cpu_start = thread_cpu_seconds();
  ctx.run();
  const double cpu = thread_cpu_seconds() - cpu_start;
  const double seconds = seconds_since(start);
  client_thread.join();
  return {seconds, served, cpu};
}

measurement echo(const params& p, client_fn client)
{
  return serve(p, echo_session, client);
}

measurement stream_lines(const params& p)
{
  return serve(p, line_session, run_lines_client);
}

} // namespace bench::asio_side
