// Bounded concurrency: a task_group runs every job, a semaphore lets at most 3 run at
// once, and wait_for gives each job a time limit; the report says which timed out.
#include <asyncpp/asyncpp.hpp>

#include <iostream>
#include <map>
#include <string>

using namespace std::chrono_literals;

// Stands in for a network fetch: odd jobs answer at once, even ones hang.
asyncpp::awaitable<std::string> fetch(int id)
{
  co_await asyncpp::sleep(id % 2 ? 0ms : std::chrono::milliseconds(1h));
  co_return "page " + std::to_string(id);
}

asyncpp::awaitable<void> fetch_one(int id, asyncpp::semaphore& slots, std::map<int, std::string>& report)
{
  auto slot = co_await slots.scoped(); // at most 3 fetches at a time
  try {
    report[id] = co_await asyncpp::wait_for(fetch(id), 50ms);
  } catch (const asyncpp::timeout_error&) {
    report[id] = "timed out";
  }
}

asyncpp::awaitable<void> main_coro()
{
  asyncpp::semaphore slots(3);
  std::map<int, std::string> report;
  asyncpp::task_group group;
  for (int id = 1; id <= 10; ++id)
    group.create_task(fetch_one(id, slots, report));
  co_await group.wait();
  for (auto& [id, outcome] : report)
    std::cout << "job " << id << ": " << outcome << std::endl;
}

int main()
{
  asyncpp::run(main_coro());
  return 0;
}
