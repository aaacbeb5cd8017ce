// gather(): three factorials computed concurrently; prints [2, 6, 24].
#include <asyncpp/asyncpp.hpp>

#include <iostream>

using namespace std::chrono_literals;

asyncpp::awaitable<long> factorial(int n)
{
  long f = 1;
  for (int i = 2; i <= n; ++i) {
    co_await asyncpp::sleep(0s); // let the other factorials take a step
    f *= i;
  }
  co_return f;
}

asyncpp::awaitable<void> main_coro()
{
  auto [a, b, c] = co_await asyncpp::gather(factorial(2), factorial(3), factorial(4));
  std::cout << "[" << a << ", " << b << ", " << c << "]" << std::endl;
}

int main()
{
  asyncpp::run(main_coro());
  return 0;
}
