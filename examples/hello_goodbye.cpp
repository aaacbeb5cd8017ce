// The seed's first program: asyncio.run(main()) with one sleep.
// Prints "<ctime> Hello!", then "<ctime> Goodbye!" a second later.
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
  asyncpp::run(seed::main());
  return 0;
}
