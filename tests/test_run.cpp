#include <asyncpp/run.hpp>

#include "test_util.hpp"

#include <atomic>
#include <csignal>
#include <memory>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace asyncpp_test;
using asyncpp::awaitable;

BOOST_AUTO_TEST_SUITE(run_hpp)

BOOST_AUTO_TEST_CASE(returns_the_result_or_rethrows)
{
  BOOST_TEST(asyncpp::run([]() -> awaitable<int> {
               co_await yield();
               co_return 3;
             }()) == 3);
  asyncpp::run([]() -> awaitable<void> { co_await yield(); }());
  BOOST_CHECK_THROW(asyncpp::run([]() -> awaitable<void> {
                      co_await yield();
                      throw std::runtime_error("main failed");
                    }()),
                    std::runtime_error);
}

BOOST_AUTO_TEST_CASE(returns_a_move_only_result)
{
  auto p = asyncpp::run([]() -> awaitable<std::unique_ptr<int>> {
    co_await yield();
    co_return std::make_unique<int>(5);
  }());
  BOOST_TEST(*p == 5);
  asyncpp::event_loop loop;
  auto t = loop.create_task([]() -> awaitable<std::unique_ptr<int>> { co_return std::make_unique<int>(6); });
  BOOST_TEST(*loop.run_until_complete(t) == 6);
  BOOST_CHECK_THROW(loop.run_until_complete(t), asyncpp::invalid_state_error); // taken once
  BOOST_TEST(*loop.run_until_complete([]() -> awaitable<std::unique_ptr<int>> {
    co_return std::make_unique<int>(7);
  }()) == 7);
}

BOOST_AUTO_TEST_CASE(refuses_to_nest)
{
  asyncpp::run([]() -> awaitable<void> {
    BOOST_CHECK_THROW(asyncpp::run(yield()), std::runtime_error);
    co_return;
  }());
}

BOOST_AUTO_TEST_CASE(cancels_leftover_tasks_and_lets_them_finish)
{
  bool saw_cancel = false, cleaned_up = false;
  asyncpp::run([&]() -> awaitable<void> {
    asyncpp::get_running_loop().create_task([&]() -> awaitable<void> {
      try {
        co_await asyncpp::sleep(1h);
      } catch (const asyncpp::cancelled_error&) {
        saw_cancel = true;
      }
      co_await yield(); // cleanup may still await
      cleaned_up = true;
    });
    co_await yield();
  }());
  BOOST_TEST(saw_cancel);
  BOOST_TEST(cleaned_up);
}

BOOST_AUTO_TEST_CASE(shutdown_failures_reach_the_exception_handler)
{
  handler_log log;
  asyncpp::run([&]() -> awaitable<void> {
    log.install(asyncpp::get_running_loop());
    asyncpp::get_running_loop().create_task([]() -> awaitable<void> {
      try {
        co_await asyncpp::sleep(1h);
      } catch (const asyncpp::cancelled_error&) {
        throw std::runtime_error("failed while cancelled");
      }
    });
    co_await yield();
  }());
  BOOST_TEST(log.count("Unhandled exception during asyncpp::run() shutdown") == 1u);
}

BOOST_AUTO_TEST_CASE(joins_the_default_executor)
{
  std::atomic<bool> finished{false};
  asyncpp::run([&]() -> awaitable<void> {
    // not awaited to the end: the leftover task is cancelled, the function runs on
    asyncpp::get_running_loop().create_task(asyncpp::to_thread([&] {
      std::this_thread::sleep_for(30ms);
      finished = true;
    }));
    co_await yield(2);
  }());
  BOOST_TEST(finished.load());
}

BOOST_AUTO_TEST_CASE(restores_the_previous_current_loop)
{
  asyncpp::event_loop mine;
  asyncpp::set_event_loop(&mine);
  asyncpp::event_loop* inside = nullptr;
  asyncpp::run([&]() -> awaitable<void> {
    inside = &asyncpp::get_event_loop();
    co_return;
  }());
  BOOST_TEST(inside != &mine);
  BOOST_TEST(&asyncpp::get_event_loop() == &mine);
  asyncpp::set_event_loop(nullptr);
}

// A child process runs run(); SIGINT must end it through keyboard_interrupt after a clean
// shutdown (the leftover task saw its cancellation), not by the default action.
BOOST_AUTO_TEST_CASE(sigint_cancels_main_and_raises_keyboard_interrupt)
{
  int ready[2];
  BOOST_TEST_REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    int code = 1;
    bool leftover_cancelled = false;
    try {
      asyncpp::run([&]() -> awaitable<void> {
        asyncpp::get_running_loop().create_task([&]() -> awaitable<void> {
          try {
            co_await asyncpp::sleep(1h);
          } catch (const asyncpp::cancelled_error&) {
            leftover_cancelled = true;
            throw;
          }
        });
        co_await yield();
        const char byte = 'r';
        (void)!::write(ready[1], &byte, 1);
        co_await asyncpp::sleep(1h);
      }());
    } catch (const asyncpp::keyboard_interrupt&) {
      code = leftover_cancelled ? 42 : 2;
    } catch (...) {
      code = 3;
    }
    ::_exit(code);
  }
  ::close(ready[1]);
  char byte = 0;
  BOOST_TEST_REQUIRE(::read(ready[0], &byte, 1) == 1);
  ::close(ready[0]);
  ::kill(child, SIGINT);
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 42);
}

namespace {
// What a program's main() does when it lets keyboard_interrupt escape: the exception
// leaves a noexcept function, which calls std::terminate as leaving main() does.
void run_until_interrupted(int ready_fd) noexcept
{
  asyncpp::run([ready_fd]() -> awaitable<void> {
    const char byte = 'r';
    (void)!::write(ready_fd, &byte, 1);
    co_await asyncpp::sleep(1h);
  }());
}
} // namespace

// Python ends such a program with "KeyboardInterrupt" and death by SIGINT (status 130
// in a shell), never with a crash message.
BOOST_AUTO_TEST_CASE(an_uncaught_keyboard_interrupt_ends_the_program_like_python)
{
  int ready[2], err[2];
  BOOST_TEST_REQUIRE(::pipe(ready) == 0);
  BOOST_TEST_REQUIRE(::pipe(err) == 0);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(err[0]);
    ::dup2(err[1], 2);
    std::signal(SIGABRT, SIG_DFL);
    run_until_interrupted(ready[1]);
    ::_exit(1);
  }
  ::close(ready[1]);
  ::close(err[1]);
  char byte = 0;
  BOOST_TEST_REQUIRE(::read(ready[0], &byte, 1) == 1);
  ::close(ready[0]);
  ::kill(child, SIGINT);
  const std::string stderr_text = read_to_end(err[0]);
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFSIGNALED(status));
  BOOST_TEST((WIFSIGNALED(status) ? WTERMSIG(status) : 0) == SIGINT);
  BOOST_TEST(stderr_text == "KeyboardInterrupt\n");
}

BOOST_AUTO_TEST_SUITE_END()
