// asyncio.run(main()) with one sleep: prints "Hello!", then "Goodbye!" a second later.
#include <asyncpp/asyncpp.hpp>

#include "stamp.hpp"

#include <iostream>

using namespace std::chrono_literals;

asyncpp::awaitable<void> main_coro()
{
  std::cout << ctime_now() << " Hello!" << std::endl;
  co_await asyncpp::sleep(1s);
  std::cout << ctime_now() << " Goodbye!" << std::endl;
}

int main()
{
  asyncpp::run(main_coro());
  return 0;
}
