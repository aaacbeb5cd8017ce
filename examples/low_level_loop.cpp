// The seed's second program: the same main() as the first, run with the low-level API
// (get_event_loop, create_task, run_until_complete, close) instead of asyncio.run.
#include <asyncpp/asyncpp.hpp>

#include "stamp.hpp"

#include <iostream>

using namespace std::chrono_literals;

namespace seed { // Python's main(); C++ keeps the global name main for the entry point

asyncpp::awaitable<void> main()
{
  std::cout << ctime_now() << " Hello!" << std::endl;
  co_await asyncpp::sleep(1.0s);
  std::cout << ctime_now() << " Goodbye!" << std::endl;
}

} // namespace seed

int main()
{
  asyncpp::event_loop& loop = asyncpp::get_event_loop();
  asyncpp::task<void> task = loop.create_task(seed::main());
  loop.run_until_complete(task);
  loop.close();
  return 0;
}
