// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_COROUTINE_THREAD_HPP
#define ASYNCPP_DETAIL_COROUTINE_THREAD_HPP

#include <asyncpp/detail/asio_internals.hpp>
#include <asyncpp/detail/introspect.hpp>
#include <asyncpp/detail/loop_task.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <exception>
#include <type_traits>
#include <utility>

// Starting the coroutine thread of a task or a gather child, whose bottom frame records
// the coroutine's outcome in its last step (run_to_end). How the thread is launched, and
// how a handler names its thread, is in asio_internals.hpp.

namespace asyncpp::detail {

/// Runs `entry` on `ex` now, inline up to its first suspension, its cancellation state in
/// `slot` and a reset's in `parent` (launch_thread). `record` learns the thread's
/// identity (coroutine_thread_of) before it runs. With a `task`, its first part runs as a
/// step of `task` resuming that coroutine (`borrowed`: a gather child under the task's
/// name); without, in the caller's step as it is.
template <class Slot>
void launch_coroutine_thread(thread_entry entry, const boost::asio::any_io_executor& ex, Slot slot,
                             boost::asio::cancellation_slot parent, wait_record& record, loop_task* task = nullptr,
                             bool borrowed = false)
{
  const auto learn = [&record](coroutine_id thread) noexcept { record.set_thread(thread); };
  if (!task) {
    launch_thread(std::move(entry), ex, slot, parent, learn);
    return;
  }
  current_task_scope scope(task, &record, borrowed);
  launch_thread(std::move(entry), ex, slot, parent, learn);
}

/// The bottom frame of a coroutine thread that runs one coroutine of result T to its end
/// (a task's, a gather child's): awaits `outcome.body()`, hands its value to
/// `outcome.set_value(...)` (no argument for void) and its end to
/// `outcome.finished(failure)`, all in the coroutine's own last step. The outcome is the
/// frame's only parameter; destroyed before finished() (the frame destroyed unfinished, as
/// when the loop closes), it reports that itself. A static member rather than a function
/// template: g++ 12 warns (-Wsubobject-linkage) about the frame of a namespace-scope
/// coroutine template instantiated with a type from an anonymous namespace.
template <class T>
struct run_to_end {
  // Never inlined: g++ 12 at -O3, inlining this coroutine's ramp into a gather's
  // start_children(), put its destroy function in that function's COMDAT group while a
  // table outside the group pointed at it, and the linker then discarded the group in one
  // object file and failed ("defined in discarded section", b2's release build).
  template <class Outcome>
  [[gnu::noinline]] static thread_entry run(cached_frame_t, Outcome outcome)
  {
    std::exception_ptr failure;
    try {
      if constexpr (std::is_void_v<T>) {
        co_await outcome.body();
        outcome.set_value();
      } else {
        outcome.set_value(co_await outcome.body());
      }
    } catch (...) {
      failure = std::current_exception();
    }
    outcome.finished(std::move(failure));
  }
};

} // namespace asyncpp::detail

#endif
