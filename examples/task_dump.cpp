// What is every task waiting for? A line server with three clients connected, one of them
// stuck in a slow handler (it waits for a lock a slow report holds), and the task table
// format_all_tasks() prints: the same table any program can print on SIGUSR1 with two
// lines (see serve() below), as asyncpp-demo echo-server does. Usage: task_dump [--wait]
// (--wait: keep serving until SIGUSR1 has printed the table once, then stop).
#include <asyncpp/asyncpp.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include <unistd.h>

using namespace std::chrono_literals;
using asyncpp::awaitable;

asyncpp::lock report_lock; // the slow report holds it; "report" requests queue behind it
int answers = 0;
asyncpp::event all_answered;

awaitable<void> write_report()
{
  auto guard = co_await report_lock.scoped();
  co_await asyncpp::sleep(30s); // a report that takes its time
}

awaitable<void> handle_client(asyncpp::stream_reader reader, asyncpp::stream_writer writer)
{
  for (std::string line; !(line = co_await reader.readline()).empty();) {
    if (line == "report\n") {
      auto guard = co_await report_lock.scoped(); // stuck here while the report runs
      writer.write("report done\n");
    } else {
      writer.write(line);
    }
    co_await writer.drain();
  }
}

/// Sends one line, reads the answer, then stays connected until the server closes.
awaitable<void> client(std::uint16_t port, std::string first_line)
{
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", port);
  writer.write(first_line);
  co_await writer.drain();
  // Awaited first, printed after: in `std::cout << "answer: " << co_await ...` C++17
  // sequences the left operand first, so "answer: " would be printed before suspending.
  const std::string answer = co_await reader.readline();
  std::cout << "answer: " << answer;
  if (++answers == 3)
    all_answered.set();
  co_await reader.read(); // until EOF
}

awaitable<void> serve(bool wait_for_signal)
{
  auto& loop = asyncpp::get_running_loop();
  auto server = co_await asyncpp::start_server(handle_client, "127.0.0.1", 0);
  auto report = loop.create_task(write_report(), "report-writer");

  // The two lines that give any program a live dump: kill -USR1 <pid>.
  asyncpp::event dumped;
  loop.add_signal_handler(SIGUSR1, [&] {
    std::cout << asyncpp::format_all_tasks() << std::flush;
    dumped.set();
  });

  asyncpp::task_group clients;
  clients.create_task(client(server.port(), "hello\n"), "client-hello");
  clients.create_task(client(server.port(), "report\n"), "client-report");
  clients.create_task(client(server.port(), "ping\n"), "client-ping");
  co_await asyncpp::sleep(200ms); // every client connected, two answered, one stuck

  if (wait_for_signal) {
    std::cout << "pid " << ::getpid() << ": kill -USR1 to see the tasks" << std::endl;
    co_await dumped.wait();
  } else {
    std::cout << asyncpp::format_all_tasks() << std::flush;
  }
  report.cancel(); // the stuck handler gets the lock and answers
  co_await all_answered.wait();
  server.close();
  server.close_clients();
  co_await clients.wait();
  co_await server.wait_closed();
}

int main(int argc, char** argv)
{
  const bool wait_for_signal = argc > 1 && std::string(argv[1]) == "--wait";
  asyncpp::run(serve(wait_for_signal));
}
