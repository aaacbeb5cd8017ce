// Helpers shared by the test files.
#ifndef ASYNCPP_TESTS_TEST_UTIL_HPP
#define ASYNCPP_TESTS_TEST_UTIL_HPP

#include <asyncpp/asyncpp.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

/// A test case whose body is a coroutine, run with asyncpp::run (Boost.Cobalt's CO_TEST_CASE).
#define ASYNCPP_TEST_CASE(name)                    \
  static ::asyncpp::awaitable<void> name##_body(); \
  BOOST_AUTO_TEST_CASE(name)                       \
  {                                                \
    ::asyncpp::run(name##_body());                 \
  }                                                \
  static ::asyncpp::awaitable<void> name##_body()

namespace asyncpp_test {

using namespace std::chrono_literals;

/// Lets every other ready task run `n` times.
inline asyncpp::awaitable<void> yield(int n = 1)
{
  for (int i = 0; i < n; ++i)
    co_await asyncpp::sleep(std::chrono::seconds(0));
}

/// Records what reaches a loop's exception handler.
struct handler_log {
  std::vector<asyncpp::exception_context> seen;
  void install(asyncpp::event_loop& loop)
  {
    loop.set_exception_handler([this](asyncpp::event_loop&, const asyncpp::exception_context& c) { seen.push_back(c); });
  }
  std::size_t count(const std::string& message) const
  {
    std::size_t n = 0;
    for (auto& c : seen)
      n += c.message == message;
    return n;
  }
};

/// A stream server callback that echoes each line back until EOF.
inline asyncpp::awaitable<void> echo_lines(asyncpp::stream_reader reader, asyncpp::stream_writer writer)
{
  for (;;) {
    std::string line = co_await reader.readline();
    if (line.empty())
      break;
    writer.write(line);
    co_await writer.drain();
  }
}

/// Sets a flag when destroyed: shows that a coroutine frame was destroyed.
struct destroy_flag {
  bool& flag;
  ~destroy_flag() { flag = true; }
};

} // namespace asyncpp_test

#endif
