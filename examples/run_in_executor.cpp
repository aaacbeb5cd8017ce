// The seed's fourth program: run_in_executor runs a blocking function on the default
// thread pool while the loop stays free. Prints "<ctime> Hello!", then 0.5 s later the
// thread's line, then 1 s later "<ctime> Goodbye!".
#include <asyncpp/asyncpp.hpp>

#include "stamp.hpp"

#include <iostream>
#include <thread>

using namespace std::chrono_literals;

namespace seed { // Python's main(); C++ keeps the global name main for the entry point

void blocking()
{
  std::this_thread::sleep_for(0.5s); // blocks this pool thread, not the event loop
  std::cout << ctime_now() << " Hello from a thread!" << std::endl;
}

asyncpp::awaitable<void> main()
{
  std::cout << ctime_now() << " Hello!" << std::endl;
  asyncpp::event_loop& loop = asyncpp::get_running_loop();
  co_await loop.run_in_executor(nullptr, blocking); // Python's `result =`: blocking() returns nothing
  co_await asyncpp::sleep(1.0s);
  std::cout << ctime_now() << " Goodbye!" << std::endl;
}

} // namespace seed

int main()
{
  asyncpp::run(seed::main());
  return 0;
}
