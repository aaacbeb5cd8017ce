// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_QUEUE_HPP
#define ASYNCPP_QUEUE_HPP

#include <asyncpp/detail/queue.hpp>
#include <asyncpp/errors.hpp>

#include <cstddef>
#include <functional>

namespace asyncpp {

// queue_empty, queue_full and queue_shutdown are in <asyncpp/errors.hpp>.

/// asyncio.Queue: first in, first out; maxsize 0 = unbounded. The three queues have the
/// same members:
///   - `queue(std::size_t maxsize = 0)`
///   - `awaitable<void> put(T item)`: waits while the queue is full; queue_shutdown once
///     shut down. `void put_nowait(T item)`: queue_full when full, queue_shutdown once shut
///     down.
///   - `awaitable<T> get()`: waits while the queue is empty; after shutdown it drains what
///     is left, then throws queue_shutdown. `T get_nowait()`: queue_empty when empty
///     (queue_shutdown when also shut down).
///   - `qsize()`, `empty()`, `full()`, `maxsize()`
///   - `void task_done()`: one item taken earlier is processed; std::logic_error when
///     called more times than items were put. `awaitable<void> join()`: returns once every
///     item put has been marked task_done().
///   - `void shutdown(bool immediate = false)` (Python 3.13): then put/put_nowait throw
///     queue_shutdown and get drains, then throws it; with `immediate` the items are
///     dropped at once (each counted as done for join()).
///
/// Thread safety: belongs to one loop, like Python's primitives: use it from that loop's
/// steps only (any thread may run them for a loop on a strand, one step at a time).
/// Cancellation: a cancelled put() or get() throws cancelled_error; nothing is lost or
/// taken twice (a woken getter cancelled before it resumed leaves the item in the queue).
template <class T>
class queue : public detail::basic_queue<T, detail::fifo_store<T>> {
public:
  using detail::basic_queue<T, detail::fifo_store<T>>::basic_queue;
};

/// asyncio.PriorityQueue: smallest first (by Compare).
template <class T, class Compare = std::less<T>>
class priority_queue : public detail::basic_queue<T, detail::heap_store<T, Compare>> {
public:
  using detail::basic_queue<T, detail::heap_store<T, Compare>>::basic_queue;
};

/// asyncio.LifoQueue: last in, first out.
template <class T>
class lifo_queue : public detail::basic_queue<T, detail::lifo_store<T>> {
public:
  using detail::basic_queue<T, detail::lifo_store<T>>::basic_queue;
};

} // namespace asyncpp

#endif
