// Runs a few commands concurrently, at most two at a time (a semaphore), streaming each
// one's output line by line with its name in front; a command still running after one
// second is killed. Prints every exit code at the end. The Python version is beside it
// in examples/README.md.
#include <asyncpp/asyncpp.hpp>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using asyncpp::awaitable;

/// Prints the child's output as it comes, then returns its exit code.
awaitable<int> pump(asyncpp::process& proc, const std::string& name)
{
  for (std::string line; !(line = co_await proc.stdout_pipe->readline()).empty();)
    std::cout << "[" << name << "] " << line << std::flush;
  co_return co_await proc.wait();
}

awaitable<int> run(std::string name, std::vector<std::string> argv, asyncpp::semaphore& limit)
{
  auto slot = co_await limit.scoped();
  asyncpp::subprocess_options options;
  options.out = asyncpp::redirect::pipe;
  options.err = asyncpp::redirect::to_stdout;
  const std::string program = argv.front();
  argv.erase(argv.begin());
  auto proc = co_await asyncpp::create_subprocess_exec(program, argv, options);
  std::optional<int> code;
  try {
    code = co_await asyncpp::wait_for(pump(proc, name), 1s);
  } catch (const asyncpp::timeout_error&) { // (C++ has no co_await in a handler)
  }
  if (!code) {
    proc.kill();
    code = co_await proc.wait();
    std::cout << "[" << name << "] timed out after 1 s, killed" << std::endl;
  }
  std::cout << "[" << name << "] exit " << *code << std::endl;
  co_return *code;
}

awaitable<void> main_coro()
{
  const std::vector<std::vector<std::string>> commands = {
      {"sh", "-c", "for i in 1 2 3; do echo step $i; done"},
      {"uname", "-s"},
      {"sh", "-c", "echo slow start; exec sleep 30"},
      {"sh", "-c", "echo to stderr >&2; exit 3"},
  };
  asyncpp::semaphore limit(2);
  std::vector<awaitable<int>> jobs;
  for (std::size_t i = 0; i < commands.size(); ++i)
    jobs.push_back(run("job" + std::to_string(i + 1), commands[i], limit));
  const auto codes = co_await asyncpp::gather(std::move(jobs));
  std::cout << "exit codes:";
  for (int code : codes)
    std::cout << " " << code;
  std::cout << std::endl;
}

int main()
{
  asyncpp::run(main_coro());
}
