// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// Child processes: posix_spawn with pipes as streams, each child watched through its own
// pidfd (or, without one, a timer polling its own pid), reaped by its loop.

#include <asyncpp/event_loop.hpp>
#include <asyncpp/gather.hpp>
#include <asyncpp/subprocess.hpp>

#include "stream_connection.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <stdexcept>

extern char** environ;

namespace asyncpp {

namespace asio = boost::asio;
using boost::system::error_code;

namespace detail {

/// One child: its pid, its exit status once reaped, who waits for it. Kept by the
/// process handles and by the watch in flight, so the child is reaped with no handle left.
class process_state final : public loop_resource, public std::enable_shared_from_this<process_state> {
public:
  process_state(std::shared_ptr<loop_core> core, pid_t pid) : core_(std::move(core)), pid_(pid)
  {
    core_->add_resource(*this);
  }

  static process make_process(std::shared_ptr<process_state> s) { return process(std::move(s)); }

  pid_t pid() const noexcept { return pid_; }
  const std::optional<int>& returncode() const noexcept { return returncode_; }
  waiter_list& exit_waiters() noexcept { return exit_waiters_; }

  /// Starts watching: a pidfd becomes readable when the child exits (Linux 5.3+). It
  /// wakes only for this child, so nothing else's children are reaped or waited for.
  void watch()
  {
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (fd >= 0) {
      try {
        pidfd_.emplace(core_->io_executor(), fd);
        wait_pidfd();
        return;
      } catch (const std::exception&) { // the reactor did not take it: poll instead
        if (!pidfd_)
          ::close(fd);
        pidfd_.reset();
      }
    }
    // No pidfd (an older kernel, or no descriptor left): poll.
    poll_timer_.emplace(core_->io_executor());
    poll_later();
  }

  void send_signal(int sig) const
  {
    // Until reaped here, the pid is the child's own (a zombie keeps it): no other
    // process can be hit. After, nothing is sent.
    if (!returncode_)
      ::kill(pid_, sig);
  }

  void release_io() noexcept override
  {
    pidfd_.reset();
    poll_timer_.reset();
  }

private:
  void wait_pidfd()
  {
    auto self = shared_from_this();
    loop_core::start_on_loop(
        core_.get(),
        [&](auto handler) { pidfd_->async_wait(asio::posix::descriptor_base::wait_read, std::move(handler)); },
        [self](const error_code& ec) {
          self->core_->run_as_step([&] {
            if (!ec && !self->try_reap())
              self->wait_pidfd(); // (readable only once it has exited: not expected)
          });
        });
  }

  // Without pidfds: poll this child's pid, from 1 ms up to every 100 ms.
  void poll_later()
  {
    poll_timer_->expires_after(poll_interval_);
    poll_interval_ = std::min(std::chrono::milliseconds(100), poll_interval_ * 2);
    auto self = shared_from_this();
    loop_core::start_on_loop(
        core_.get(), [&](auto handler) { poll_timer_->async_wait(std::move(handler)); },
        [self](const error_code& ec) {
          self->core_->run_as_step([&] {
            if (!ec && !self->try_reap())
              self->poll_later();
          });
        });
  }

  /// waitpid(pid, WNOHANG): true once the child is reaped (its waiters woken).
  bool try_reap() noexcept
  {
    int status = 0;
    const pid_t got = ::waitpid(pid_, &status, WNOHANG);
    if (got == 0)
      return false;
    if (got == pid_)
      returncode_ = WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
    else
      returncode_ = 255; // reaped by someone else (SIGCHLD ignored, waitpid(-1)): Python says 255
    pidfd_.reset();
    exit_waiters_.wake_all();
    return true;
  }

  std::shared_ptr<loop_core> core_;
  pid_t pid_;
  std::optional<int> returncode_;
  waiter_list exit_waiters_;
  std::optional<asio::posix::stream_descriptor> pidfd_;
  std::optional<asio::steady_timer> poll_timer_;
  std::chrono::milliseconds poll_interval_{1};
};

} // namespace detail

namespace {

[[noreturn]] void throw_errno(int error, const std::string& what)
{
  throw boost::system::system_error(error_code(error, boost::system::system_category()), what);
}

/// A descriptor closed at scope exit unless released.
class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept
  {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept
  {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = fd;
  }

private:
  int fd_ = -1;
};

/// A pipe whose both ends are close-on-exec and above 2, so that the child's dup2 onto
/// 0, 1 or 2 always makes a new, inheritable descriptor.
struct pipe_ends {
  unique_fd read, write;
};

unique_fd above_stdio(unique_fd fd)
{
  if (fd.get() > 2)
    return fd;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0)
    throw_errno(errno, "asyncpp: create_subprocess: fcntl");
  return unique_fd(moved);
}

pipe_ends make_pipe()
{
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw_errno(errno, "asyncpp: create_subprocess: pipe2");
  pipe_ends p{unique_fd(fds[0]), unique_fd(fds[1])};
  p.read = above_stdio(std::move(p.read));
  p.write = above_stdio(std::move(p.write));
  return p;
}

void set_non_blocking(int fd)
{
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    throw_errno(errno, "asyncpp: create_subprocess: fcntl");
}

/// Python ignores SIGPIPE at startup, so that writing to a child that has gone is EPIPE
/// (drain() throws it) instead of the end of this process. Done here, once, for the
/// first stdin pipe, and only if nobody chose a disposition; children get the default
/// back (posix_spawn's SETSIGDEF).
void ignore_sigpipe_once()
{
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL &&
        !(current.sa_flags & SA_SIGINFO))
      ::signal(SIGPIPE, SIG_IGN);
  });
}

/// posix_spawn's file actions and attributes, destroyed with this.
class spawn_setup {
public:
  spawn_setup()
  {
    if (int e = ::posix_spawn_file_actions_init(&actions_))
      throw_errno(e, "asyncpp: create_subprocess: posix_spawn_file_actions_init");
    if (int e = ::posix_spawnattr_init(&attributes_)) {
      ::posix_spawn_file_actions_destroy(&actions_);
      throw_errno(e, "asyncpp: create_subprocess: posix_spawnattr_init");
    }
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
  ~spawn_setup()
  {
    ::posix_spawnattr_destroy(&attributes_);
    ::posix_spawn_file_actions_destroy(&actions_);
  }

  void dup_onto(int fd, int target) { check(::posix_spawn_file_actions_adddup2(&actions_, fd, target)); }
  void devnull_onto(int target, int flags)
  {
    check(::posix_spawn_file_actions_addopen(&actions_, target, "/dev/null", flags, 0));
  }
  void close_from(int fd) { check(::posix_spawn_file_actions_addclosefrom_np(&actions_, fd)); }
  void chdir(const std::string& dir) { check(::posix_spawn_file_actions_addchdir_np(&actions_, dir.c_str())); }
  /// The signals a child should not inherit as ignored (Python's restore_signals).
  void default_signals()
  {
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGXFSZ);
    check(::posix_spawnattr_setsigdefault(&attributes_, &defaults));
    check(::posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETSIGDEF));
  }

  posix_spawn_file_actions_t* actions() noexcept { return &actions_; }
  posix_spawnattr_t* attributes() noexcept { return &attributes_; }

private:
  static void check(int e)
  {
    if (e)
      throw_errno(e, "asyncpp: create_subprocess: posix_spawn setup");
  }

  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attributes_;
};

/// A stream connection over the parent's end of a pipe (made non-blocking).
template <class Pipe>
std::shared_ptr<detail::stream_connection> pipe_connection(const std::shared_ptr<detail::loop_core>& core,
                                                           unique_fd& parent_end, std::size_t limit)
{
  set_non_blocking(parent_end.get());
  Pipe pipe(core->io_executor(), parent_end.get());
  parent_end.release(); // the pipe object has it now
  return detail::stream_connection::create(core, detail::make_transport(std::move(pipe)), limit);
}

std::vector<char*> c_strings(std::vector<std::string>& strings)
{
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

/// Starts the child; the streams of its pipes are made on `core`'s loop.
process spawn(const std::shared_ptr<detail::loop_core>& core, std::vector<std::string> argv,
              const subprocess_options& options)
{
  if (options.in == redirect::to_stdout || options.out == redirect::to_stdout)
    throw std::invalid_argument("asyncpp: create_subprocess: redirect::to_stdout is only for err");
  spawn_setup setup;
  setup.default_signals();
  std::optional<pipe_ends> in, out, err;
  if (options.in == redirect::pipe) {
    in = make_pipe();
    setup.dup_onto(in->read.get(), 0);
  } else if (options.in == redirect::devnull) {
    setup.devnull_onto(0, O_RDONLY);
  }
  if (options.out == redirect::pipe) {
    out = make_pipe();
    setup.dup_onto(out->write.get(), 1);
  } else if (options.out == redirect::devnull) {
    setup.devnull_onto(1, O_WRONLY);
  }
  if (options.err == redirect::pipe) {
    err = make_pipe();
    setup.dup_onto(err->write.get(), 2);
  } else if (options.err == redirect::devnull) {
    setup.devnull_onto(2, O_WRONLY);
  } else if (options.err == redirect::to_stdout) {
    setup.dup_onto(1, 2); // after stdout's own redirection: the same place
  }
  if (options.cwd)
    setup.chdir(*options.cwd);
  setup.close_from(3); // Python's close_fds=True: whatever else is open stays here

  std::vector<std::string> env_strings;
  if (options.env)
    for (auto& [name, value] : *options.env)
      env_strings.push_back(name + "=" + value);
  auto arg_pointers = c_strings(argv);
  auto env_pointers = c_strings(env_strings);
  char** envp = options.env ? env_pointers.data() : environ;
  if (in)
    ignore_sigpipe_once();

  pid_t pid = -1;
  // posix_spawnp reports a program that cannot be run (ENOENT, EACCES, ...) as its own
  // error: glibc's child tells the parent before it would exit 127.
  if (int e = ::posix_spawnp(&pid, argv[0].c_str(), setup.actions(), setup.attributes(), arg_pointers.data(), envp))
    throw_errno(e, "asyncpp: create_subprocess_exec: " + argv[0]);

  auto state = std::make_shared<detail::process_state>(core, pid);
  state->watch(); // from here on, the child is reaped whatever happens below
  process p = detail::process_state::make_process(state);
  if (in) {
    in->read.reset(); // the child's end: only the child keeps it open
    p.stdin_pipe = detail::stream_handle::writer_of(pipe_connection<asio::writable_pipe>(core, in->write, options.limit));
  }
  for (auto [ends, reader] : {std::pair{&out, &p.stdout_pipe}, std::pair{&err, &p.stderr_pipe}}) {
    if (!*ends)
      continue;
    (*ends)->write.reset();
    auto connection = pipe_connection<asio::readable_pipe>(core, (*ends)->read, options.limit);
    connection->start();
    *reader = detail::stream_handle::reader_of(std::move(connection));
  }
  return p;
}

awaitable<int> wait_for_exit(std::shared_ptr<detail::process_state> s, detail::wait_frame frame)
{
  while (!s->returncode())
    co_await detail::wait_in(s->exit_waiters(), [] {}, frame);
  co_return *s->returncode();
}

awaitable<void> feed_stdin(std::optional<stream_writer> pipe, std::string input)
{
  if (!pipe)
    co_return;
  const stream_writer& writer = *pipe;
  try {
    if (!input.empty()) {
      writer.write(input);
      co_await writer.drain();
    }
  } catch (const boost::system::system_error& e) {
    // The child stopped reading (exited, or closed its stdin): as Python, not an error.
    if (e.code() != asio::error::broken_pipe && e.code() != asio::error::connection_reset)
      throw;
  }
  writer.close();
}

awaitable<std::string> read_all(std::optional<stream_reader> reader)
{
  if (!reader)
    co_return std::string();
  co_return co_await reader->read();
}

awaitable<std::pair<std::string, std::string>> communicate_with(process p, std::shared_ptr<detail::process_state> s,
                                                                std::string input, std::source_location where)
{
  // Named first: no temporaries in the co_await operand (see "Option structs and g++ 12").
  auto feeding = feed_stdin(p.stdin_pipe, std::move(input));
  auto reading_out = read_all(p.stdout_pipe);
  auto reading_err = read_all(p.stderr_pipe);
  const auto frame = detail::wait_frame::named("process.communicate()", where);
  auto [fed, out, err] = co_await detail::gather_as(frame, std::move(feeding), std::move(reading_out), std::move(reading_err));
  co_await wait_for_exit(std::move(s), frame);
  co_return std::pair{std::move(out), std::move(err)};
}

} // namespace

detail::process_state& process::state() const
{
  if (!state_)
    throw std::logic_error("asyncpp: process: a default-constructed process has no child");
  return *state_;
}

int process::pid() const
{
  return state().pid();
}

std::optional<int> process::returncode() const
{
  return state().returncode();
}

awaitable<int> process::wait(std::source_location where) const
{
  state();
  return wait_for_exit(state_, detail::wait_frame::named("process.wait()", where));
}

awaitable<std::pair<std::string, std::string>> process::communicate(std::source_location where) const
{
  return communicate(std::string(), where);
}

awaitable<std::pair<std::string, std::string>> process::communicate(std::string input,
                                                                   std::source_location where) const
{
  state();
  if (!input.empty() && !stdin_pipe)
    throw std::invalid_argument("asyncpp: process::communicate(input) needs in = redirect::pipe");
  return communicate_with(*this, state_, std::move(input), where);
}

void process::send_signal(int sig) const
{
  state().send_signal(sig);
}

void process::terminate() const
{
  send_signal(SIGTERM);
}

void process::kill() const
{
  send_signal(SIGKILL);
}

awaitable<process> create_subprocess_exec(std::string program, std::vector<std::string> args,
                                          subprocess_options options)
{
  const auto& core = detail::loop_access::core(get_running_loop());
  args.insert(args.begin(), std::move(program));
  co_return spawn(core, std::move(args), options);
}

awaitable<process> create_subprocess_shell(std::string command, subprocess_options options)
{
  return create_subprocess_exec("/bin/sh", std::vector<std::string>{"-c", std::move(command)}, std::move(options));
}

} // namespace asyncpp
