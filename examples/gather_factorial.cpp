// The seed's third program: gather() runs three factorials concurrently and returns their
// results in argument order; prints [2, 6, 24].
#include <asyncpp/asyncpp.hpp>

#include <iostream>

using namespace std::chrono_literals;

namespace seed { // Python's main(); C++ keeps the global name main for the entry point

asyncpp::awaitable<long> factorial(int n)
{
  long f = 1;
  for (int i = 2; i <= n; ++i) {
    co_await asyncpp::sleep(0s); // let the other factorials take a step
    f *= i;
  }
  co_return f;
}

asyncpp::awaitable<void> main()
{
  auto [a, b, c] = co_await asyncpp::gather(factorial(2), factorial(3), factorial(4));
  std::cout << "[" << a << ", " << b << ", " << c << "]" << std::endl;
}

} // namespace seed

int main()
{
  asyncpp::run(seed::main());
  return 0;
}
