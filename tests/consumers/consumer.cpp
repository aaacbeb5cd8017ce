// A program outside asyncpp's source tree, built against an installed asyncpp by each of
// the supported routes (CMake package, add_subdirectory, pkg-config, b2).
#include <asyncpp/asyncpp.hpp>

#include <iostream>

asyncpp::awaitable<int> twice(int x)
{
  co_await asyncpp::sleep(std::chrono::milliseconds(1));
  co_return 2 * x;
}

asyncpp::awaitable<bool> cancelled_before_start()
{
  auto t = asyncpp::get_running_loop().create_task(twice(0));
  t.cancel();
  try {
    co_await t.wait(); // the cancelled_error is made inside the library
  } catch (const asyncpp::cancelled_error&) {
    co_return true;    // and caught by type here, also across a shared library
  }
  co_return false;
}

int main()
{
  auto [a, b] = asyncpp::run(asyncpp::gather(twice(1), twice(2)));
  const bool caught = asyncpp::run(cancelled_before_start());
  std::cout << "asyncpp " << ASYNCPP_VERSION_STRING << ": " << a + b << (caught ? " ok" : " FAILED") << std::endl;
  return a + b == 6 && caught ? 0 : 1;
}
