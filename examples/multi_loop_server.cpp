// One event loop per thread, N threads sharing one port (SO_REUSEPORT: the kernel spreads
// the connections), each loop serving its own connections with no locks between them.
// Usage: multi_loop_server [THREADS] [PORT] (default 4 threads, port 8888; 0: a free one).
// Ctrl-C stops every loop. The Python version is beside it in examples/README.md.
#include <asyncpp/asyncpp.hpp>

#include <atomic>
#include <cstdlib>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using asyncpp::awaitable;

/// Echoes lines until the client closes.
awaitable<void> echo(asyncpp::stream_reader reader, asyncpp::stream_writer writer)
{
  for (std::string line; !(line = co_await reader.readline()).empty();) {
    writer.write(line);
    co_await writer.drain();
  }
}

/// What the main thread knows of each loop: where it is, and how to stop it.
struct worker {
  std::promise<std::uint16_t> bound; // the port it listens on
  asyncpp::event_loop* loop = nullptr;
  asyncpp::event* stop = nullptr;
  std::size_t served = 0;
};

/// One loop's server on `port` (0: a free one), sharing the port with the other loops,
/// until its `stop` event is set (from the main thread, through call_soon_threadsafe).
awaitable<void> serve(worker& me, std::uint16_t port)
{
  asyncpp::event stop;
  me.loop = &asyncpp::get_running_loop();
  me.stop = &stop;
  auto counted = [&me](asyncpp::stream_reader r, asyncpp::stream_writer w) {
    ++me.served;
    return echo(std::move(r), std::move(w));
  };
  asyncpp::server_options options;
  options.reuse_port = true;
  auto server = co_await asyncpp::start_server(counted, "127.0.0.1", port, options);
  me.bound.set_value(server.port());
  co_await stop.wait();
  server.close();
  server.close_clients();
  co_await server.wait_closed();
}

int main(int argc, char** argv)
{
  const int threads = argc > 1 ? std::atoi(argv[1]) : 4;
  const auto port = static_cast<std::uint16_t>(argc > 2 ? std::atoi(argv[2]) : 8888);
  if (threads < 1 || threads > 64) {
    std::cerr << "multi_loop_server: THREADS must be between 1 and 64" << std::endl;
    return 2;
  }
  std::vector<worker> workers(static_cast<std::size_t>(threads));
  std::vector<std::thread> others;
  auto main_loop = [&]() -> awaitable<void> {
    // This thread's loop binds first (port 0 picks one); the other loops join its port.
    auto first = asyncpp::get_running_loop().create_task(serve(workers[0], port));
    auto bound = workers[0].bound.get_future();
    while (bound.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
      co_await asyncpp::sleep(std::chrono::milliseconds(1));
    const std::uint16_t shared = bound.get();
    for (int i = 1; i < threads; ++i)
      others.emplace_back([&workers, i, shared] { asyncpp::run(serve(workers[static_cast<std::size_t>(i)], shared)); });
    for (int i = 1; i < threads; ++i) {
      auto ready = workers[static_cast<std::size_t>(i)].bound.get_future();
      while (ready.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        co_await asyncpp::sleep(std::chrono::milliseconds(1));
    }
    std::cout << threads << " loops serving on 127.0.0.1:" << shared << std::endl;
    asyncpp::event never;
    try {
      co_await never.wait(); // until Ctrl-C cancels this task
    } catch (const asyncpp::cancelled_error&) {
    }
    for (std::size_t i = 1; i < workers.size(); ++i) // each loop is stopped on its own thread
      workers[i].loop->call_soon_threadsafe([stop = workers[i].stop] { stop->set(); });
    workers[0].stop->set();
    co_await first.wait();
  };
  asyncpp::run(main_loop());
  for (auto& t : others)
    t.join();
  std::size_t total = 0;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    std::cout << "loop " << i << " served " << workers[i].served << std::endl;
    total += workers[i].served;
  }
  std::cout << "served " << total << " connections" << std::endl;
}
