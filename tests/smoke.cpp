// A test program that needs no compiled Boost library (no Boost.Test, no
// Program_options): built where those are not available for the standard library in use,
// as with clang's libc++ on Debian (scripts/check-toolchains.sh, sid-libcxx-*). It runs a
// little of every layer that depends on the standard library: tasks and cancellation,
// gather, waits with a timeout, queues, a TCP server and its clients, a subprocess.
// Prints one line per failed check and exits 1 if any failed.
#include <asyncpp/asyncpp.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

using asyncpp::awaitable;
using namespace std::chrono_literals;

namespace {

int failures = 0;

void check(bool ok, const char* what)
{
  if (!ok) {
    std::printf("FAILED: %s\n", what);
    ++failures;
  }
}

awaitable<int> square_later(int x)
{
  co_await asyncpp::sleep(1ms);
  co_return x * x;
}

awaitable<void> tasks_and_cancellation()
{
  auto& loop = asyncpp::get_running_loop();
  auto quick = loop.create_task(square_later(7));
  check(co_await quick.wait() == 49, "a task's result");

  auto forever = loop.create_task(asyncpp::sleep(1h));
  co_await asyncpp::sleep(0s);
  forever.cancel();
  bool cancelled = false;
  try {
    co_await forever.wait();
  } catch (const asyncpp::cancelled_error&) {
    cancelled = true;
  }
  check(cancelled && forever.cancelled(), "a cancelled task ends cancelled");

  bool timed_out = false;
  try {
    co_await asyncpp::wait_for(asyncpp::sleep(1h), 5ms);
  } catch (const asyncpp::timeout_error&) {
    timed_out = true;
  }
  check(timed_out, "wait_for times out");
}

awaitable<void> produce(asyncpp::queue<int>& q, int count)
{
  for (int i = 1; i <= count; ++i)
    co_await q.put(i);
}

awaitable<int> fail_soon()
{
  co_await asyncpp::sleep(0s);
  throw std::runtime_error("child failed");
}

awaitable<void> gather_and_queue()
{
  auto [a, b, c] = co_await asyncpp::gather(square_later(2), square_later(3), square_later(4));
  check(a == 4 && b == 9 && c == 16, "gather's results, in order");

  std::vector<awaitable<int>> many;
  for (int i = 0; i < 100; ++i)
    many.push_back(square_later(i));
  const std::vector<int> squares = co_await asyncpp::gather(std::move(many));
  check(squares.size() == 100 && squares[99] == 9801, "gather over a range");

  bool failed = false;
  try {
    co_await asyncpp::gather(square_later(1), fail_soon());
  } catch (const std::runtime_error&) {
    failed = true;
  }
  check(failed, "gather rethrows a child's exception");

  asyncpp::queue<int> q(2);
  auto producer = asyncpp::get_running_loop().create_task(produce(q, 10));
  int sum = 0;
  for (int i = 0; i < 10; ++i)
    sum += co_await q.get();
  co_await producer.wait();
  check(sum == 55, "a bounded queue between two tasks");
}

awaitable<void> echo(asyncpp::stream_reader reader, asyncpp::stream_writer writer)
{
  for (;;) {
    const std::string line = co_await reader.readline();
    if (line.empty())
      break;
    writer.write(line);
    co_await writer.drain();
  }
  writer.close();
}

awaitable<std::string> ask(std::uint16_t port, std::string line)
{
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", port);
  writer.write(line);
  co_await writer.drain();
  std::string answer = co_await reader.readline();
  writer.close();
  co_await writer.wait_closed();
  co_return answer;
}

awaitable<void> streams()
{
  auto server = co_await asyncpp::start_server(echo, "127.0.0.1", 0);
  auto [one, two] = co_await asyncpp::gather(ask(server.port(), "one\n"), ask(server.port(), "two\n"));
  check(one == "one\n" && two == "two\n", "two clients of a TCP echo server");
  server.close();
  co_await server.wait_closed();
}

awaitable<void> subprocesses()
{
  asyncpp::subprocess_options options;
  options.in = asyncpp::redirect::pipe;
  options.out = asyncpp::redirect::pipe;
  auto child = co_await asyncpp::create_subprocess_exec("sh", "-c", "tr a-z A-Z; exit 3", options);
  auto [out, err] = co_await child.communicate("shout\n");
  check(out == "SHOUT\n" && err.empty(), "a child's output through pipes");
  check(co_await child.wait() == 3, "a child's exit status");
}

awaitable<int> smoke()
{
  co_await tasks_and_cancellation();
  co_await gather_and_queue();
  co_await streams();
  co_await subprocesses();
  co_return failures;
}

} // namespace

int main()
{
  const int failed = asyncpp::run(smoke());
  std::printf("%s: %d check(s) failed\n", failed ? "smoke FAILED" : "smoke ok", failed);
  return failed ? 1 : 0;
}
