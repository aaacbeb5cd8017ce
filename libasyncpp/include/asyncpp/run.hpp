// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_RUN_HPP
#define ASYNCPP_RUN_HPP

#include <asyncpp/event_loop.hpp>
#include <asyncpp/task.hpp>

#include <exception>
#include <optional>
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
} // namespace detail

/// asyncio.run: runs `main` on a fresh event loop, then cancels and waits for every task
/// still pending, joins the default executor, closes the loop and restores the previous
/// current loop. Returns main's result or rethrows its exception. std::runtime_error when
/// a loop is already running on this thread.
template <class T>
T run(awaitable<T> main)
{
  if (detail::running_loop())
    throw std::runtime_error("asyncpp: run() cannot be called while an event loop is running on this thread");
  event_loop loop;
  detail::current_loop_scope scope(loop);
  std::optional<detail::value_or_monostate<T>> result;
  std::exception_ptr error;
  try {
    if constexpr (std::is_void_v<T>)
      loop.run_until_complete(std::move(main));
    else
      result.emplace(loop.run_until_complete(std::move(main)));
  } catch (...) {
    error = std::current_exception();
  }
  detail::finish_run(loop);
  if (error)
    std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>)
    return std::move(*result);
}

} // namespace asyncpp

#endif
