// run_in_executor: a blocking function on the default thread pool, awaited from the loop.
#include <asyncpp/asyncpp.hpp>

#include "stamp.hpp"

#include <iostream>
#include <thread>

using namespace std::chrono_literals;

void blocking_io()
{
  std::cout << ctime_now() << " Hello from a thread!" << std::endl;
  std::this_thread::sleep_for(1s); // blocks this pool thread, not the event loop
}

asyncpp::awaitable<void> main_coro()
{
  asyncpp::event_loop& loop = asyncpp::get_running_loop();
  co_await loop.run_in_executor(nullptr, blocking_io);
  std::cout << ctime_now() << " Goodbye!" << std::endl;
}

int main()
{
  asyncpp::run(main_coro());
  return 0;
}
