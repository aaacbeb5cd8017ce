#include <asyncpp/asyncpp.hpp>

#include <iostream>

int main()
{
  int answer = asyncpp::run([]() -> asyncpp::awaitable<int> {
    co_await asyncpp::sleep(std::chrono::milliseconds(1));
    co_return 42;
  }());
  std::cout << "libasyncpp " << ASYNCPP_VERSION_STRING << " test_package: " << answer << std::endl;
  return answer == 42 ? 0 : 1;
}
