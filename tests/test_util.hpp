// Helpers shared by the test files.
#ifndef ASYNCPP_TESTS_TEST_UTIL_HPP
#define ASYNCPP_TESTS_TEST_UTIL_HPP

#include <asyncpp/asyncpp.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

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

/// Runs `body()` on a loop of its own in a forked child process, for what changes the
/// whole process (RLIMIT_NOFILE, ...), and checks that it returned 0 within 30 s.
inline void run_in_forked_child(asyncpp::awaitable<int> (*body)())
{
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGALRM})
      std::signal(sig, SIG_DFL);
    ::alarm(30);
    int code = 1;
    try {
      code = asyncpp::run(body());
    } catch (...) {
      code = 3;
    }
    // _exit: static destructors here would join the threads of loops the parent made in
    // earlier tests (get_event_loop()'s, with their pools), which the child does not have.
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  BOOST_TEST_INFO("signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST_INFO("exit code " << WEXITSTATUS(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
}

/// Everything left to read from `fd` (a pipe from a child process) until EOF; closes it.
inline std::string read_to_end(int fd)
{
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

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
