// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The member templates of event_loop (included at the end of event_loop.hpp, as Asio
// does with its impl/ headers). They name task<T> and the task machinery of task.hpp
// without including it, so event_loop.hpp never includes a header that includes it back;
// creating a task needs <asyncpp/task.hpp> (or <asyncpp/asyncpp.hpp>), as its result type does.
#ifndef ASYNCPP_IMPL_EVENT_LOOP_HPP
#define ASYNCPP_IMPL_EVENT_LOOP_HPP

#include <asyncpp/detail/executor_job.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace asyncpp {

namespace detail {
/// Schedules `body` (an awaitable, or a callable returning one) as a task of `loop`
/// (task.hpp).
template <class T, class Body>
task<T> spawn_task(event_loop& loop, Body body, std::string name, const std::source_location& where);
/// A task's shared state (task.hpp; task<T> keeps it private).
template <class T>
task_state<T>* task_state_of(const task<T>& t) noexcept;
} // namespace detail

template <class T>
task<T> event_loop::create_task(awaitable<T> coro, std::string name, std::source_location where)
{
  check_usable("create_task");
  return detail::spawn_task<T>(*this, std::move(coro), std::move(name), where);
}

template <class F, class>
auto event_loop::create_task(F&& f, std::string name, std::source_location where)
{
  using result_awaitable = std::invoke_result_t<std::decay_t<F>&>;
  static_assert(detail::is_awaitable<result_awaitable>::value,
                "create_task(f): f() must return asyncpp::awaitable<T>");
  using T = typename result_awaitable::value_type;
  check_usable("create_task");
  return detail::spawn_task<T>(*this, std::decay_t<F>(std::forward<F>(f)), std::move(name), where);
}

template <class T>
T event_loop::run_until_complete(task<T> t)
{
  run_until_done(*detail::checked_state(detail::task_state_of(t)));
  if constexpr (std::is_void_v<T>)
    t.result();
  else
    return detail::task_state_of(t)->read(); // a move-only result is moved out
}

template <class T>
T event_loop::run_until_complete(awaitable<T> coro, std::source_location where)
{
  check_can_run("run_until_complete");
  task<T> t = create_task(std::move(coro), {}, where);
  run_until_done(*detail::task_state_of(t));
  if constexpr (std::is_void_v<T>)
    t.result();
  else
    return detail::task_state_of(t)->take();
}

template <class Executor, class F, class... Args>
auto event_loop::run_in_executor(Executor&& ex, F&& f, Args&&... args)
{
  using R = detail::call_result_t<F, Args...>;
  return detail::run_in_executor_impl<R>(detail::cached_frame, this, detail::keep_executor(std::forward<Executor>(ex)),
                                         detail::bind_call(std::forward<F>(f), std::forward<Args>(args)...),
                                         // A member function cannot default a location after its pack.
                                         detail::wait_frame::named("run_in_executor()", {}));
}

} // namespace asyncpp

#endif
