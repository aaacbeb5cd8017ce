// An existing Asio program runs one io_context on four threads. asyncpp tasks join it
// through a strand: a loop's tasks never run at the same time, so they share plain
// variables (no atomics, no mutex) exactly as asyncio tasks do, while the context's other
// work keeps all four threads busy.
#include <asyncpp/asyncpp.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

int main()
{
  boost::asio::io_context ctx(4);
  asyncpp::event_loop loop(boost::asio::make_strand(ctx)); // the strand constructor

  // The program's own Asio work, spread over every thread.
  std::atomic<int> asio_jobs{0};
  for (int i = 0; i < 1000; ++i)
    boost::asio::post(ctx, [&] { ++asio_jobs; });

  // asyncpp tasks: a plain int, a lock and a queue, touched only from the loop's steps.
  int counter = 0;
  asyncpp::queue<int> results;
  auto work = boost::asio::make_work_guard(ctx);
  loop.create_task([&]() -> asyncpp::awaitable<void> {
    std::vector<asyncpp::task<void>> workers;
    for (int w = 0; w < 10; ++w)
      workers.push_back(loop.create_task([&, w]() -> asyncpp::awaitable<void> {
        for (int i = 0; i < 1000; ++i) {
          ++counter;                    // never two steps at once: no data race
          co_await asyncpp::sleep(0s); // the next step may run on another thread
        }
        co_await results.put(w);
      }));
    co_await asyncpp::gather(workers);
    work.reset(); // nothing else to wait for: ctx.run() returns on every thread
  });

  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] { ctx.run(); });
  for (auto& t : threads)
    t.join();

  std::cout << "counter: " << counter << " (10 tasks x 1000 steps on 4 threads)" << std::endl;
  std::cout << "workers finished: " << results.qsize() << std::endl;
  std::cout << "asio jobs: " << asio_jobs << std::endl;
  return 0;
}
