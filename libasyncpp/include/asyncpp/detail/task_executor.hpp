// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_TASK_EXECUTOR_HPP
#define ASYNCPP_DETAIL_TASK_EXECUTOR_HPP

#include <asyncpp/detail/loop_core.hpp>
#include <asyncpp/detail/task_state.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <boost/asio/execution.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

#include <type_traits>
#include <utility>

namespace asyncpp::detail {

/// A function run by a task executor: a step of the task's loop, with the task marked
/// current while it runs.
template <class F>
struct run_in_task {
  task_state_base* task;
  wait_record* waits;
  F f;
  void operator()()
  {
    // Also a step queued before the loop closed and run after it does nothing.
    loop_core& core = task->core();
    core.run_as_step([this, &core] {
      current_task_scope scope(task);
      if (core.debug()) [[unlikely]]
        core.run_timed({task, waits}, std::move(f));
      else
        std::move(f)();
    });
  }
};

/// The executor every task's coroutine runs on: the loop's io_context executor plus the
/// task it serves. Asio resumes a coroutine through its executor, so execute() is the one
/// place that sees every step of a task; it keeps current_task_state() exact without
/// touching Asio's internals. Properties are forwarded to the inner executor, so Asio
/// treats it as an ordinary io_context executor (it converts to any_io_executor).
template <class Inner>
class basic_task_executor {
public:
  /// `branch`: for a coroutine that runs under `task`'s name without being it (a gather
  /// child), the record of its own waits: it is marked current, but cancel() requests of
  /// the task are not its own.
  basic_task_executor(const Inner& inner, task_state_base* task, wait_record* branch = nullptr) noexcept
      : inner_(inner), task_(task), branch_(branch)
  {
  }

  // Through asio::query/require: the io_context executor's own members are private.
  template <class Property>
  auto query(const Property& p) const noexcept(boost::asio::is_nothrow_query<const Inner&, const Property&>::value)
      -> decltype(boost::asio::query(std::declval<const Inner&>(), p))
  {
    return boost::asio::query(inner_, p);
  }

  template <class Property>
  auto require(const Property& p) const
      -> basic_task_executor<std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>>
  {
    return {boost::asio::require(inner_, p), task_, branch_};
  }

  /// Runs a step of the task: nothing once its loop has closed (the step is destroyed,
  /// and with it the coroutine it would resume); through the loop's strand if it has one.
  template <class F>
  void execute(F&& f) const
  {
    loop_core& core = task_->core();
    if (core.closed())
      return;
    run_in_task<std::decay_t<F>> step{task_, waits(), std::forward<F>(f)};
    if (const auto* strand = core.strand()) {
      if (boost::asio::query(inner_, boost::asio::execution::blocking) == boost::asio::execution::blocking.never)
        boost::asio::post(*strand, std::move(step));
      else
        boost::asio::dispatch(*strand, std::move(step));
      return;
    }
    inner_.execute(std::move(step));
  }

  friend bool operator==(const basic_task_executor& a, const basic_task_executor& b) noexcept
  {
    return a.inner_ == b.inner_ && a.task_ == b.task_ && a.branch_ == b.branch_;
  }
  friend bool operator!=(const basic_task_executor& a, const basic_task_executor& b) noexcept
  {
    return !(a == b);
  }

  const Inner& inner() const noexcept { return inner_; }
  task_state_base* task() const noexcept { return task_; }
  bool borrowed() const noexcept { return branch_ != nullptr; }
  /// Where the coroutine's waits are recorded.
  wait_record* waits() const noexcept { return branch_ ? branch_ : &task_->waits(); }

private:
  Inner inner_;
  task_state_base* task_;
  wait_record* branch_;
};

using task_executor = basic_task_executor<boost::asio::io_context::executor_type>;

} // namespace asyncpp::detail

#endif
