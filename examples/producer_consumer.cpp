// A pipeline over asyncpp::queue: producers put jobs, workers take them and mark them
// done, join() waits until every job was processed, then the workers are cancelled.
#include <asyncpp/asyncpp.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

asyncpp::awaitable<void> producer(asyncpp::queue<int>& jobs, int first, int count)
{
  for (int job = first; job < first + count; ++job)
    co_await jobs.put(job); // waits while the queue is full
}

asyncpp::awaitable<void> worker(std::string name, asyncpp::queue<int>& jobs, int& processed)
{
  for (;;) {
    const int job = co_await jobs.get();
    co_await asyncpp::sleep(1ms); // the work
    ++processed;
    jobs.task_done();
    if (job % 10 == 0)
      std::cout << name << " finished job " << job << std::endl;
  }
}

asyncpp::awaitable<void> main_coro()
{
  asyncpp::queue<int> jobs(5);
  int processed = 0;
  auto& loop = asyncpp::get_running_loop();
  std::vector<asyncpp::task<void>> workers;
  for (int i = 0; i < 3; ++i)
    workers.push_back(loop.create_task(worker("worker-" + std::to_string(i), jobs, processed)));
  co_await asyncpp::gather(producer(jobs, 1, 20), producer(jobs, 21, 20));
  co_await jobs.join(); // every job put has been marked done
  for (auto& w : workers)
    w.cancel();
  co_await asyncpp::gather(asyncpp::return_exceptions, workers);
  std::cout << "processed " << processed << " jobs" << std::endl;
}

int main()
{
  asyncpp::run(main_coro());
  return 0;
}
