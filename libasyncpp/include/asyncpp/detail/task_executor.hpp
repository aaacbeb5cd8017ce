// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_TASK_EXECUTOR_HPP
#define ASYNCPP_DETAIL_TASK_EXECUTOR_HPP

#include <asyncpp/detail/loop_core.hpp>
#include <asyncpp/detail/task_anchor.hpp>
#include <asyncpp/detail/task_state.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <boost/asio/execution.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>

namespace asyncpp::detail {

/// What an executor's anchor says while its holder still holds it: the task whose name
/// the coroutine runs under, and the coroutine's record (the task's own, or a gather
/// child's); null record: a child that has finished. Read in the loop's steps only.
struct anchored {
  task_state_base* task = nullptr;
  wait_record* waits = nullptr;
  bool borrowed = false; ///< a gather child: cancel() of the task is not its own
};

/// The index an executor of the task's own coroutine carries (a child's is its position).
inline constexpr std::uint32_t own_coroutine = static_cast<std::uint32_t>(-1);

/// `anchor` as an executor of generation `generation` and child `index` sees it: empty
/// once the holder has ended.
inline anchored read_anchor(const task_anchor& anchor, std::uint32_t generation, std::uint32_t index) noexcept
{
  anchored out;
  if (anchor.generation != generation)
    return out;
  out.task = static_cast<task_state_base*>(anchor.task); // every loop_task is one
  if (index == own_coroutine) {
    out.waits = &out.task->waits();
  } else {
    // The records are the children's own, which are never const: the table only reads them.
    out.waits = const_cast<wait_record*>(anchor.children->branch(index));
    out.borrowed = true;
  }
  return out;
}

/// A function run by a task executor: a step of the loop, with the task marked current
/// while it runs if the anchor's holder still holds it; else the loop's own work (the
/// task has ended, and whatever still runs on its executor must not touch its state).
template <class F>
struct run_in_task {
  task_anchor* anchor;
  std::uint32_t generation;
  std::uint32_t index;
  F f;
  void operator()()
  {
    // Also a step queued before the loop closed and run after it does nothing.
    loop_core& core = anchor_table::core_of(*anchor);
    core.run_as_step([this, &core] {
      const anchored live = read_anchor(*anchor, generation, index);
      current_task_scope scope(live.task, live.waits, live.borrowed);
      if (core.debug()) [[unlikely]] {
        state_ptr<loop_task> keep(live.task); // named after the step
        core.run_timed({keep.get(), live.waits}, std::move(f));
      } else {
        std::move(f)();
      }
    });
  }
};

/// The executor every task's coroutine runs on, and gather's children: the loop's
/// io_context executor plus the anchor its holder holds (see task_anchor.hpp) and, for a
/// child, its index. Asio resumes a coroutine through its executor, so execute() is the
/// one place that sees every step of a task; it keeps current_task_state() exact without
/// touching Asio's internals. Copies may be used at any time, from any thread, as long as
/// the io_context lives: once the holder has ended they run their work as the loop's own.
/// Properties are forwarded to the inner executor, so Asio treats it as an ordinary
/// io_context executor (it converts to any_io_executor, and fits in its small-object
/// buffer: no allocation per copy).
template <class Inner>
class basic_task_executor {
public:
  basic_task_executor(const Inner& inner, task_anchor& anchor, std::uint32_t index = own_coroutine) noexcept
      : inner_(inner), anchor_(&anchor), generation_(anchor.generation), index_(index)
  {
  }
  basic_task_executor(const Inner& inner, task_anchor* anchor, std::uint32_t generation, std::uint32_t index) noexcept
      : inner_(inner), anchor_(anchor), generation_(generation), index_(index)
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
    return {boost::asio::require(inner_, p), anchor_, generation_, index_};
  }

  /// Runs a step: nothing once the loop has closed (the step is destroyed, and with it
  /// the coroutine it would resume); through the loop's strand if it has one. Callable
  /// from any thread: it reads only the anchor's core, which outlives every copy.
  template <class F>
  void execute(F&& f) const
  {
    loop_core& core = anchor_table::core_of(*anchor_);
    if (core.closed())
      return;
    run_in_task<std::decay_t<F>> step{anchor_, generation_, index_, std::forward<F>(f)};
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
    return a.inner_ == b.inner_ && a.anchor_ == b.anchor_ && a.generation_ == b.generation_ && a.index_ == b.index_;
  }
  friend bool operator!=(const basic_task_executor& a, const basic_task_executor& b) noexcept
  {
    return !(a == b);
  }

  const Inner& inner() const noexcept { return inner_; }
  /// The loop's core (any thread).
  loop_core& core() const noexcept { return anchor_table::core_of(*anchor_); }
  /// What the anchor says now (the loop's steps only).
  anchored read() const noexcept { return read_anchor(*anchor_, generation_, index_); }

private:
  Inner inner_;
  task_anchor* anchor_;
  std::uint32_t generation_;
  std::uint32_t index_;
};

using task_executor = basic_task_executor<boost::asio::io_context::executor_type>;

} // namespace asyncpp::detail

#endif
