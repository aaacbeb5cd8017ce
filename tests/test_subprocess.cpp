// g++ 12 inlines some of these test bodies' coroutine ramps and then mistakes Asio's
// frame allocator (thread_info_base::allocate, aligned_new) for a mismatched new/delete.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <asyncpp/subprocess.hpp>

#include "test_util.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/system_error.hpp>

#include <csignal>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace asyncpp_test;
using asyncpp::awaitable;
using asyncpp::process;
using asyncpp::redirect;
using asyncpp::subprocess_options;

namespace {

subprocess_options piped_output()
{
  subprocess_options o;
  o.out = redirect::pipe;
  return o;
}

subprocess_options piped_both_ways()
{
  subprocess_options o;
  o.in = redirect::pipe;
  o.out = redirect::pipe;
  return o;
}

/// The state letter of /proc/PID/stat ('Z' for a zombie), or 0 when there is no such
/// process (reaped).
char process_state_of(int pid)
{
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line))
    return 0;
  const auto paren = line.rfind(')');
  return paren + 2 < line.size() ? line[paren + 2] : '?';
}

/// Until none of `pids` exists any more (each was reaped by its loop); false after 10 s.
awaitable<bool> all_reaped(std::vector<int> pids)
{
  for (int tries = 0; tries < 1000; ++tries) {
    bool any = false;
    for (int pid : pids)
      any = any || process_state_of(pid) != 0;
    if (!any)
      co_return true;
    co_await asyncpp::sleep(10ms);
  }
  co_return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(subprocess_hpp)

ASYNCPP_TEST_CASE(arguments_are_passed_exactly)
{
  const std::string spaced = "a b";
  auto options = piped_output();
  auto starting = asyncpp::create_subprocess_exec("printf", "[%s]", spaced, "", std::string_view("*"), options);
  auto p = co_await std::move(starting);
  auto [out, err] = co_await p.communicate();
  BOOST_TEST(out == "[a b][][*]"); // no splitting, no globbing, the empty one kept
  BOOST_TEST(err.empty());
  BOOST_TEST((p.returncode() == 0));
  BOOST_TEST(p.pid() > 0);
}

ASYNCPP_TEST_CASE(vector_form_and_exit_status)
{
  std::vector<std::string> args{"-c", "exit 3"}; // (a braced list inside co_await does not compile with g++ 12)
  auto p = co_await asyncpp::create_subprocess_exec("sh", args, subprocess_options());
  BOOST_TEST(co_await p.wait() == 3);
  BOOST_TEST((p.returncode() == 3));
  BOOST_TEST(co_await p.wait() == 3); // again: at once
}

ASYNCPP_TEST_CASE(missing_program_throws_enoent_from_create)
{
  try {
    co_await asyncpp::create_subprocess_exec("asyncpp-no-such-program", "x");
    BOOST_FAIL("a missing program started");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST(e.code().value() == ENOENT);
  }
  try {
    co_await asyncpp::create_subprocess_exec("/nonexistent/dir/prog");
    BOOST_FAIL("a missing path started");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST(e.code().value() == ENOENT);
  }
}

ASYNCPP_TEST_CASE(not_executable_throws_eacces)
{
  const std::string path = "/tmp/asyncpp-test-noexec-" + std::to_string(::getpid());
  std::ofstream(path) << "#!/bin/sh\necho hi\n";
  ::chmod(path.c_str(), 0644);
  try {
    co_await asyncpp::create_subprocess_exec(path);
    BOOST_FAIL("a file without x started");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST(e.code().value() == EACCES);
  }
  ::unlink(path.c_str());
}

ASYNCPP_TEST_CASE(shell_command)
{
  auto options = piped_output();
  auto p = co_await asyncpp::create_subprocess_shell("echo hello | tr a-z A-Z; exit 7", options);
  auto [out, err] = co_await p.communicate();
  BOOST_TEST(out == "HELLO\n");
  BOOST_TEST((p.returncode() == 7));
}

ASYNCPP_TEST_CASE(one_mebibyte_through_cat)
{
  std::string input(1 << 20, '\0');
  for (std::size_t i = 0; i < input.size(); ++i)
    input[i] = static_cast<char>(i * 7 + i / 251);
  auto options = piped_both_ways();
  options.err = redirect::pipe;
  auto p = co_await asyncpp::create_subprocess_exec("cat", options);
  // Both pipes hold far less than 1 MiB: written and read at once, or it would deadlock.
  auto [out, err] = co_await p.communicate(input);
  BOOST_TEST(out.size() == input.size());
  BOOST_TEST((out == input));
  BOOST_TEST(err.empty());
  BOOST_TEST((p.returncode() == 0));
}

ASYNCPP_TEST_CASE(large_output_and_error_together)
{
  subprocess_options options;
  options.out = redirect::pipe;
  options.err = redirect::pipe;
  // 512 KiB to each, interleaved: reading one pipe to the end first would deadlock.
  auto p = co_await asyncpp::create_subprocess_shell(
      "i=0; while [ $i -lt 64 ]; do head -c 8192 /dev/zero; head -c 8192 /dev/zero >&2; i=$((i+1)); done", options);
  auto [out, err] = co_await p.communicate();
  BOOST_TEST(out.size() == 512u * 1024);
  BOOST_TEST(err.size() == 512u * 1024);
}

ASYNCPP_TEST_CASE(cancelled_wait_and_communicate_leave_the_child_running)
{
  // The child echoes its input, then stays until `release` exists: neither wait below
  // can finish before the test lets it.
  const std::string release = "/tmp/asyncpp-test-release-" + std::to_string(::getpid());
  ::unlink(release.c_str());
  auto options = piped_both_ways();
  auto p = co_await asyncpp::create_subprocess_exec(
      "sh", "-c", "cat; while [ ! -e \"$0\" ]; do sleep 0.01; done; echo released", release, options);
  BOOST_CHECK_THROW(co_await asyncpp::wait_for(p.wait(), 20ms), asyncpp::timeout_error);
  BOOST_TEST(!p.returncode());
  BOOST_TEST(process_state_of(p.pid()) != 0);
  p.stdin_pipe->write("kept\n");
  co_await p.stdin_pipe->drain();
  BOOST_TEST(co_await p.stdout_pipe->readline() == "kept\n");
  BOOST_CHECK_THROW(co_await asyncpp::wait_for(p.communicate(), 20ms), asyncpp::timeout_error);
  BOOST_TEST(!p.returncode());
  std::ofstream(release) << "go";
  BOOST_TEST(co_await p.wait() == 0); // it ran on to its end
  BOOST_TEST(co_await p.stdout_pipe->read() == "released\n");
  ::unlink(release.c_str());
}

ASYNCPP_TEST_CASE(output_read_line_by_line_while_it_runs)
{
  auto options = piped_both_ways();
  auto p = co_await asyncpp::create_subprocess_shell("while read x; do echo \"got $x\"; done; echo done", options);
  for (const char* word : {"one", "two", "three"}) {
    p.stdin_pipe->write(std::string(word) + "\n");
    co_await p.stdin_pipe->drain();
    BOOST_TEST(co_await p.stdout_pipe->readline() == "got " + std::string(word) + "\n");
    BOOST_TEST(!p.returncode()); // it waits for the next line
  }
  p.stdin_pipe->write_eof();
  BOOST_TEST(co_await p.stdout_pipe->readline() == "done\n");
  BOOST_TEST(co_await p.stdout_pipe->readline() == "");
  BOOST_TEST(co_await p.wait() == 0);
}

ASYNCPP_TEST_CASE(killed_by_signal_is_minus_n)
{
  auto p = co_await asyncpp::create_subprocess_shell("kill -TERM $$; sleep 5");
  BOOST_TEST(co_await p.wait() == -SIGTERM);
}

ASYNCPP_TEST_CASE(ignores_sigterm_then_gets_sigkill)
{
  auto options = piped_output();
  auto p = co_await asyncpp::create_subprocess_shell("trap '' TERM; echo ready; while :; do sleep 1; done", options);
  BOOST_TEST(co_await p.stdout_pipe->readline() == "ready\n"); // the trap is set
  p.terminate();
  BOOST_CHECK_THROW(co_await asyncpp::wait_for(p.wait(), 100ms), asyncpp::timeout_error);
  BOOST_TEST(!p.returncode());
  p.kill();
  BOOST_TEST(co_await p.wait() == -SIGKILL);
  // A finished child: signals do nothing.
  p.send_signal(SIGKILL);
  p.terminate();
  BOOST_TEST((p.returncode() == -SIGKILL));
}

ASYNCPP_TEST_CASE(reaped_when_nobody_waits_and_the_handle_is_gone)
{
  int pid = 0;
  {
    auto p = co_await asyncpp::create_subprocess_exec("true");
    pid = p.pid();
  } // the only handle goes at once, most likely before the child has exited
  std::vector<int> pids{pid};
  BOOST_TEST(co_await all_reaped(pids));
}

ASYNCPP_TEST_CASE(two_hundred_concurrent_children_no_zombie)
{
  std::vector<awaitable<process>> starting;
  for (int i = 0; i < 200; ++i)
    starting.push_back(asyncpp::create_subprocess_exec("sh", "-c", "exit " + std::to_string(i % 7)));
  auto children = co_await asyncpp::gather(std::move(starting));
  std::vector<int> pids;
  std::vector<awaitable<int>> waits;
  for (auto& c : children) {
    pids.push_back(c.pid());
    if (pids.size() % 2 == 0) // half awaited, half left to the loop
      waits.push_back(c.wait());
  }
  auto codes = co_await asyncpp::gather(std::move(waits));
  for (std::size_t i = 0; i < codes.size(); ++i)
    BOOST_TEST(codes[i] == static_cast<int>((2 * i + 1) % 7));
  children.clear();
  BOOST_TEST(co_await all_reaped(pids));
}

ASYNCPP_TEST_CASE(descriptors_do_not_leak_into_children)
{
  // A listening socket and a connection of this process, open while the child starts.
  auto srv = co_await asyncpp::start_server(echo_lines, "127.0.0.1", 0);
  auto [reader, writer] = co_await asyncpp::open_connection("127.0.0.1", srv.port());
  boost::asio::ip::tcp::socket raw(asyncpp::get_running_loop().get_executor(), boost::asio::ip::tcp::v4());
  auto options = piped_both_ways();
  options.err = redirect::pipe;
  auto p = co_await asyncpp::create_subprocess_exec("ls", "/proc/self/fd", options);
  auto [out, err] = co_await p.communicate();
  BOOST_TEST(out == "0\n1\n2\n3\n"); // the three pipes, and ls's own directory: nothing of this process
  writer.close();
}

ASYNCPP_TEST_CASE(writing_to_a_child_that_has_gone_is_epipe)
{
  subprocess_options options;
  options.in = redirect::pipe;
  auto p = co_await asyncpp::create_subprocess_exec("true", options);
  co_await p.wait();
  p.stdin_pipe->write(std::string(256 * 1024, 'x'));
  try {
    co_await p.stdin_pipe->drain();
    BOOST_FAIL("drain() to a closed pipe succeeded");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == boost::asio::error::broken_pipe));
  }
  // This process is still here (SIGPIPE did not reach it); communicate ignores EPIPE.
  auto q = co_await asyncpp::create_subprocess_exec("true", options);
  co_await q.wait();
  auto [out, err] = co_await q.communicate(std::string(256 * 1024, 'y'));
  BOOST_TEST((q.returncode() == 0));
}

ASYNCPP_TEST_CASE(environment_cwd_and_redirections)
{
  subprocess_options options;
  options.out = redirect::pipe;
  options.err = redirect::to_stdout;
  options.cwd = "/tmp";
  options.env = std::map<std::string, std::string>{{"GREETING", "hi there"}};
  auto p = co_await asyncpp::create_subprocess_shell("echo \"$GREETING\"; pwd; echo oops >&2; echo ${HOME:-unset}",
                                                     options);
  auto [out, err] = co_await p.communicate();
  BOOST_TEST(out == "hi there\n/tmp\noops\nunset\n"); // the environment was replaced
  BOOST_TEST(err.empty());

  subprocess_options quiet;
  quiet.out = redirect::devnull;
  quiet.err = redirect::pipe;
  quiet.in = redirect::devnull;
  auto q = co_await asyncpp::create_subprocess_shell("cat; echo visible >&2; echo hidden", quiet);
  auto [nothing, visible] = co_await q.communicate();
  BOOST_TEST(nothing.empty());
  BOOST_TEST(visible == "visible\n");
  BOOST_TEST(!q.stdout_pipe);
  BOOST_TEST(!q.stdin_pipe);
}

BOOST_AUTO_TEST_CASE(without_a_descriptor_left_the_child_is_polled_and_pipes_fail_cleanly)
{
  // In a child (it lowers RLIMIT_NOFILE for itself only): with every descriptor taken,
  // pidfd_open fails, so the loop watches the child with its polling timer instead.
  run_in_forked_child([]() -> awaitable<int> {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = 128;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    std::vector<int> hogs;
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;)
      hogs.push_back(fd);
    if (hogs.empty() || ::syscall(SYS_pidfd_open, ::getpid(), 0) >= 0 || errno != EMFILE)
      co_return 8; // the premise: no pidfd can be opened now
    auto p = co_await asyncpp::create_subprocess_shell("exit 4"); // posix_spawn needs no descriptor
    if (co_await p.wait() != 4)
      co_return 2;
    try {
      auto options = piped_output();
      co_await asyncpp::create_subprocess_exec("true", options); // its pipe cannot be made
      co_return 5;
    } catch (const boost::system::system_error& e) {
      if (e.code().value() != EMFILE)
        co_return 6;
    }
    for (int fd : hogs)
      ::close(fd);
    auto q = co_await asyncpp::create_subprocess_exec("true", piped_output()); // all back to normal
    co_return co_await q.wait() == 0 && (co_await q.stdout_pipe->read()).empty() ? 0 : 7;
  });
}

ASYNCPP_TEST_CASE(misuse_throws)
{
  subprocess_options bad;
  bad.out = redirect::to_stdout;
  BOOST_CHECK_THROW(co_await asyncpp::create_subprocess_exec("true", bad), std::invalid_argument);
  auto p = co_await asyncpp::create_subprocess_exec("true");
  BOOST_CHECK_THROW((void)p.communicate("input without a pipe"), std::invalid_argument);
  co_await p.wait();
  process none;
  BOOST_CHECK_THROW((void)none.pid(), std::logic_error);
  subprocess_options missing_dir;
  missing_dir.cwd = "/nonexistent/asyncpp";
  BOOST_CHECK_THROW(co_await asyncpp::create_subprocess_exec("true", missing_dir), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
