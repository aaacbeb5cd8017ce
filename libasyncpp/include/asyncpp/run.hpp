// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_RUN_HPP
#define ASYNCPP_RUN_HPP

#include <asyncpp/event_loop.hpp>
#include <asyncpp/task.hpp>

#include <csignal>
#include <exception>
#include <optional>
#include <source_location>
#include <stdexcept>
#include <type_traits>

namespace asyncpp {

namespace detail {
/// Makes a loop this thread's current loop for a scope, then restores the previous one.
class current_loop_scope {
public:
  explicit current_loop_scope(event_loop& loop) : saved_(current_loop()) { set_event_loop(&loop); }
  current_loop_scope(const current_loop_scope&) = delete;
  current_loop_scope& operator=(const current_loop_scope&) = delete;
  ~current_loop_scope() { set_event_loop(saved_); }

private:
  event_loop* saved_;
};
/// True when SIGINT still has its default disposition: run() then turns Ctrl-C into a
/// cancellation of the main task (as Python's runner does only in that case).
ASYNCPP_DECL bool sigint_is_default() noexcept;
/// From now on a keyboard_interrupt that escapes main() ends the process like Python's
/// KeyboardInterrupt (one line on stderr, death by SIGINT) instead of "terminate called".
ASYNCPP_DECL void arm_interrupt_exit() noexcept;

} // namespace detail

/// asyncio.run: runs `main` on a fresh event loop, then cancels and waits for every task
/// still pending, joins the default executor, closes the loop and restores the previous
/// current loop. Returns main's result or rethrows its exception. std::runtime_error when
/// a loop is already running on this thread. While it runs, the first SIGINT (Ctrl-C)
/// cancels `main`; if `main` ends by that cancellation, run() finishes its shutdown and
/// throws keyboard_interrupt; left uncaught, that ends the program as Python's
/// KeyboardInterrupt does ("KeyboardInterrupt" on stderr, death by SIGINT: status 130).
template <class T>
T run(awaitable<T> main, std::source_location where = std::source_location::current())
{
  if (detail::running_loop())
    throw std::runtime_error("asyncpp: run() cannot be called while an event loop is running on this thread");
  event_loop loop;
  detail::current_loop_scope scope(loop);
  task<T> main_task = loop.create_task(std::move(main), {}, where);
  bool interrupted = false;
  const bool handle_sigint = detail::sigint_is_default();
  if (handle_sigint)
    loop.add_signal_handler(SIGINT, [&] {
      interrupted = true;
      main_task.cancel("interrupted");
    });
  std::optional<detail::value_or_monostate<T>> result;
  std::exception_ptr error;
  try {
    if constexpr (std::is_void_v<T>)
      loop.run_until_complete(main_task);
    else
      result.emplace(loop.run_until_complete(main_task));
  } catch (...) {
    error = std::current_exception();
  }
  if (handle_sigint)
    loop.remove_signal_handler(SIGINT);
  detail::finish_run(loop);
  if (interrupted && main_task.cancelled()) {
    detail::arm_interrupt_exit();
    throw keyboard_interrupt();
  }
  if (error)
    std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>)
    return std::move(*result);
}

} // namespace asyncpp

#endif
