// The low-level API: get_event_loop, create_task, run_until_complete, close.
#include <asyncpp/asyncpp.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

asyncpp::awaitable<void> say(std::string what, std::chrono::milliseconds when)
{
  co_await asyncpp::sleep(when);
  std::cout << what << std::endl;
}

int main()
{
  asyncpp::event_loop& loop = asyncpp::get_event_loop();
  asyncpp::task<void> task = loop.create_task(say("hello world", 1s));
  loop.run_until_complete(task);
  loop.close();
  return 0;
}
