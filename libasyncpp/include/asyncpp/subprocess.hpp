// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// asyncio's subprocesses (asyncio/subprocess.py): create_subprocess_exec and
// create_subprocess_shell, with the child's pipes as the streams of <asyncpp/streams.hpp>.
#ifndef ASYNCPP_SUBPROCESS_HPP
#define ASYNCPP_SUBPROCESS_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/streams.hpp>

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncpp {

/// Where a child's standard stream goes: asyncio.subprocess.PIPE, DEVNULL, STDOUT, or
/// (inherit) this process's own. `to_stdout` is only for `err`.
enum class redirect { inherit, pipe, devnull, to_stdout };

/// Options of a child process. Not an aggregate: g++ 12 destroys an aggregate with
/// strings twice when it is built in a co_await operand (README, "Streams, servers, TLS").
struct subprocess_options {
  subprocess_options() = default;
  redirect in = redirect::inherit;
  redirect out = redirect::inherit;
  redirect err = redirect::inherit;
  std::optional<std::string> cwd;                        ///< the child's working directory
  std::optional<std::map<std::string, std::string>> env; ///< replaces the environment when set
  std::size_t limit = 64 * 1024;                         ///< of the stdout/stderr readers
};

namespace detail {
class process_state;
}

/// A child process (asyncio.subprocess.Process): a cheap, copyable handle.
///
/// The child is watched through a pidfd (Linux 5.3 and later; else a timer polls
/// waitpid(pid, WNOHANG)), never with waitpid(-1) or a SIGCHLD handler, so other code's
/// children are left alone. It is reaped when it exits while its loop lives, whether or
/// not anyone waits and whether or not a handle is left.
///
/// Thread safety: belongs to the loop that started it; use it from its steps.
/// Cancellation: wait() and communicate() throw cancelled_error; the child is not killed.
class ASYNCPP_DECL process {
public:
  process() = default;
  int pid() const;
  /// The exit status; -N when the child was killed by signal N; nullopt while it runs.
  std::optional<int> returncode() const;

  std::optional<stream_writer> stdin_pipe;  ///< set when in == redirect::pipe
  std::optional<stream_reader> stdout_pipe; ///< set when out == redirect::pipe
  std::optional<stream_reader> stderr_pipe; ///< set when err == redirect::pipe

  /// Until the child exits: its return code.
  [[nodiscard]] awaitable<int> wait(std::source_location where = std::source_location::current()) const;
  /// Writes `input` to stdin (if a pipe) then closes it, reads stdout and stderr (those
  /// that are pipes) to EOF, all at once so no pipe can fill up and block the child; then
  /// waits for the child. Returns (stdout, stderr), "" for what is not a pipe. A child
  /// that stops reading its input early is not an error (EPIPE is ignored, as in Python).
  /// std::invalid_argument when `input` is not empty and stdin is not a pipe.
  [[nodiscard]] awaitable<std::pair<std::string, std::string>> communicate(std::source_location where = std::source_location::current()) const;
  [[nodiscard]] awaitable<std::pair<std::string, std::string>> communicate(std::string input, std::source_location where = std::source_location::current()) const;
  /// Sends `sig` to the child; nothing once it has exited (or been reaped).
  void send_signal(int sig) const;
  void terminate() const; ///< SIGTERM
  void kill() const;      ///< SIGKILL

private:
  friend class detail::process_state;
  explicit process(std::shared_ptr<detail::process_state> s) : state_(std::move(s)) {}
  detail::process_state& state() const;
  std::shared_ptr<detail::process_state> state_;
};

/// asyncio.create_subprocess_exec with the arguments as a vector. `program` without a "/"
/// is looked up in this process's PATH. Errors: system_error with the reason the program
/// could not be started (ENOENT, EACCES, ...), thrown here: no child is left behind.
[[nodiscard]] ASYNCPP_DECL awaitable<process> create_subprocess_exec(std::string program,
                                                                    std::vector<std::string> args,
                                                                    subprocess_options options);

namespace detail {
template <class T>
inline constexpr bool is_subprocess_options_v = std::is_same_v<std::remove_cvref_t<T>, subprocess_options>;

template <class T>
inline constexpr bool is_exec_argument_v =
    is_subprocess_options_v<T> || std::is_constructible_v<std::string_view, const std::remove_cvref_t<T>&>;

/// True when no subprocess_options appears in Args but maybe as the last one.
template <class... Args>
constexpr bool options_only_last()
{
  constexpr bool flags[] = {is_subprocess_options_v<Args>..., false};
  for (std::size_t i = 0; i + 2 < sizeof...(Args) + 1; ++i)
    if (flags[i])
      return false;
  return true;
}

template <class Arg>
void add_exec_argument(std::vector<std::string>& args, subprocess_options& options, Arg&& arg)
{
  if constexpr (is_subprocess_options_v<Arg>)
    options = std::forward<Arg>(arg);
  else
    args.emplace_back(std::string_view(arg));
}
} // namespace detail

/// asyncio.create_subprocess_exec("ls", "-l", dir): each argument string-like, passed as
/// it is (no shell, empty ones kept); the last may be a subprocess_options.
template <class... Args>
  requires(detail::is_exec_argument_v<Args> && ...)
[[nodiscard]] awaitable<process> create_subprocess_exec(std::string program, Args&&... args)
{
  static_assert(detail::options_only_last<Args...>(), "subprocess_options goes last");
  std::vector<std::string> argv;
  subprocess_options options;
  (detail::add_exec_argument(argv, options, std::forward<Args>(args)), ...);
  return create_subprocess_exec(std::move(program), std::move(argv), std::move(options));
}

/// asyncio.create_subprocess_shell: `command` run by /bin/sh -c.
[[nodiscard]] ASYNCPP_DECL awaitable<process> create_subprocess_shell(std::string command,
                                                                     subprocess_options options = subprocess_options());

} // namespace asyncpp

#endif
