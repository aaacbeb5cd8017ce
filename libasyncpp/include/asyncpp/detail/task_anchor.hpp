// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// What the executor of a task's coroutine points at, instead of the task: copies of that
// executor outlive the task (a timer's or a socket's handler, a coroutine co_spawned on
// it, Beast's stream timeouts), and one used after the task has ended must find out
// without touching the task's freed state.
#ifndef ASYNCPP_DETAIL_TASK_ANCHOR_HPP
#define ASYNCPP_DETAIL_TASK_ANCHOR_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace asyncpp::detail {

class loop_core;
class loop_task;
class wait_record;

/// A slot that a running task (or a gather child, which runs under its task's name) holds
/// from its first step to its end. An executor names the slot and the generation it had:
/// when the holder ends, the generation moves on, and the slot may serve a later task of
/// the same loop. Slots live as long as their loop's core, which lives as long as the
/// io_context (core_keeper), so any executor copy Asio still holds may look at one.
/// Read and written only in the loop's steps (its thread, or its strand); `core` is set
/// once, before any executor names the slot, and may be read from any thread.
struct task_anchor {
  loop_core* core = nullptr;
  loop_task* task = nullptr;       ///< the holder's task (a gather child's: the task awaiting gather)
  wait_record* waits = nullptr;    ///< where the holder's asyncpp waits are recorded
  const void* thread = nullptr;    ///< the entry frame of the holder's own coroutine thread
  task_anchor* next_free = nullptr; ///< while free
  std::uint32_t generation = 0;
  bool borrowed = false;           ///< a gather child: cancel() of the task is not its own
};

/// A loop's slots: allocated in chunks that stay until the loop's core goes, reused
/// through a free list (a task costs a pop and a push, no allocation once warm).
class anchor_table {
public:
  anchor_table() = default;
  anchor_table(const anchor_table&) = delete;
  anchor_table& operator=(const anchor_table&) = delete;

  /// A free slot for `task`; throws std::bad_alloc (nothing changed) when a chunk cannot be had.
  task_anchor& acquire(loop_core& core, loop_task* task, wait_record* waits, bool borrowed)
  {
    if (!free_)
      grow(core);
    task_anchor& a = *free_;
    free_ = a.next_free;
    a.task = task;
    a.waits = waits;
    a.borrowed = borrowed;
    a.thread = nullptr;
    return a;
  }
  /// The holder has ended: every executor naming this generation is now the loop's own.
  static void release(task_anchor& a, anchor_table& table) noexcept
  {
    ++a.generation;
    a.task = nullptr;
    a.waits = nullptr;
    a.thread = nullptr;
    a.next_free = table.free_;
    table.free_ = &a;
  }

private:
  void grow(loop_core& core)
  {
    const std::size_t n = chunks_.empty() ? 64 : std::min<std::size_t>(4096, 2 * chunk_size_);
    chunks_.reserve(chunks_.size() + 1);
    auto chunk = std::make_unique<task_anchor[]>(n);
    for (std::size_t i = 0; i < n; ++i) {
      chunk[i].core = &core;
      chunk[i].next_free = i + 1 < n ? &chunk[i + 1] : free_;
    }
    free_ = &chunk[0];
    chunk_size_ = n;
    chunks_.push_back(std::move(chunk));
  }

  std::vector<std::unique_ptr<task_anchor[]>> chunks_;
  std::size_t chunk_size_ = 0;
  task_anchor* free_ = nullptr;
};

} // namespace asyncpp::detail

#endif
