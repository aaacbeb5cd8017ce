// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// What the executor of a task's coroutine points at, instead of the task: copies of that
// executor outlive the task (a timer's or a socket's handler, a coroutine co_spawned on
// it, Beast's stream timeouts), and one used after the task has ended must find out
// without touching the task's freed state.
#ifndef ASYNCPP_DETAIL_TASK_ANCHOR_HPP
#define ASYNCPP_DETAIL_TASK_ANCHOR_HPP

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace asyncpp::detail {

class loop_core;
class loop_task;
class wait_branches;

/// A slot that a running task holds from its first step to its end, and that a gather
/// (or a wait_for) holds for the coroutines it runs under the waiting task's name, its
/// children. An executor names the slot, the generation it had and, for a child, the
/// child's index: when the holder ends, the generation moves on, and the slot may serve a
/// later holder of the same loop. Slots live as long as their loop's core, which lives as
/// long as the io_context (core_keeper), so any executor copy Asio still holds may look
/// at one. Read and written only in the loop's steps (its thread, or its strand), except
/// the loop's core (anchor_table::core_of), fixed before any executor names the slot and
/// readable from any thread. One slot per gather rather than per child: a slot per child
/// made asyncpp-bench spawn_yield_gather 9% slower (200k slots touched twice, 7 MB).
struct task_anchor {
  union {
    loop_task* task = nullptr; ///< the holder's task (a gather's: the task awaiting it)
    task_anchor* next_free;    ///< while free
  };
  const wait_branches* children = nullptr; ///< a gather's (or wait_for's) children; null for a task
  std::uint32_t generation = 0;
};

/// A loop's slots: allocated in aligned chunks that stay until the loop's core goes, the
/// core found from a slot's address (so a slot need not carry it), reused through a free
/// list (a task costs a pop and a push, no allocation once warm).
class anchor_table {
public:
  anchor_table() = default;
  anchor_table(const anchor_table&) = delete;
  anchor_table& operator=(const anchor_table&) = delete;
  ~anchor_table()
  {
    for (void* chunk : chunks_)
      ::operator delete(chunk, std::align_val_t(chunk_bytes));
  }

  /// A free slot for `task` (and the `children` it runs under its name, if a gather holds
  /// it); throws std::bad_alloc (nothing changed) when a chunk cannot be had.
  task_anchor& acquire(loop_core& core, loop_task* task, const wait_branches* children = nullptr)
  {
    task_anchor* a = free_;
    if (a) [[likely]]
      free_ = a->next_free;
    else
      a = fresh(core);
    a->task = task;
    a->children = children;
    return *a;
  }
  /// The holder has ended: every executor naming this generation is now the loop's own.
  static void release(task_anchor& a) noexcept
  {
    anchor_table& table = *header_of(a).table;
    ++a.generation;
    a.next_free = table.free_;
    table.free_ = &a;
  }
  /// The core whose table `a` belongs to (any thread).
  static loop_core& core_of(const task_anchor& a) noexcept { return *header_of(a).core; }

private:
  // A chunk starts with its header, aligned to its size, so a slot finds it by masking
  // its own address: the core is read through the slot without the slot holding it.
  static constexpr std::size_t chunk_bytes = 64 * 1024;
  struct chunk_header {
    loop_core* core;
    anchor_table* table;
  };
  static constexpr std::size_t first_slot = (sizeof(chunk_header) + alignof(task_anchor) - 1) / alignof(task_anchor) *
                                            alignof(task_anchor);
  static const chunk_header& header_of(const task_anchor& a) noexcept
  {
    return *reinterpret_cast<const chunk_header*>(reinterpret_cast<std::uintptr_t>(&a) & ~(chunk_bytes - 1));
  }

  // Out of line: acquire() is on every task's and gather child's way, this is not.
  [[gnu::noinline]] task_anchor* fresh(loop_core& core)
  {
    if (unused_ == unused_end_)
      grow(core);
    return new (unused_++) task_anchor;
  }
  void grow(loop_core& core)
  {
    chunks_.reserve(chunks_.size() + 1);
    void* chunk = ::operator new(chunk_bytes, std::align_val_t(chunk_bytes));
    chunks_.push_back(chunk);
    new (chunk) chunk_header{&core, this};
    // Slots are made as they are first needed: a loop that runs a few tasks touches one page.
    unused_ = reinterpret_cast<task_anchor*>(static_cast<char*>(chunk) + first_slot);
    unused_end_ = unused_ + (chunk_bytes - first_slot) / sizeof(task_anchor);
  }

  std::vector<void*> chunks_;
  task_anchor* free_ = nullptr;
  task_anchor* unused_ = nullptr;
  task_anchor* unused_end_ = nullptr;
};

} // namespace asyncpp::detail

#endif
