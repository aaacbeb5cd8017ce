// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_QUEUE_HPP
#define ASYNCPP_DETAIL_QUEUE_HPP

#include <asyncpp/detail/sync.hpp>
#include <asyncpp/errors.hpp>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <source_location>
#include <stdexcept>
#include <utility>
#include <vector>

// The machinery of <asyncpp/queue.hpp>: one queue over three orders of taking items out.

namespace asyncpp::detail {

/// Python's asyncio.Queue over a `Store` (which order items come out in); the members
/// are documented on asyncpp::queue. Getters and putters wait in FIFO order; a woken one
/// that is cancelled before it resumes passes its wake-up on, and the item stays in the
/// queue.
template <class T, class Store>
class basic_queue {
public:
  explicit basic_queue(std::size_t maxsize = 0) : maxsize_(maxsize) {}

  /// Puts `item`, waiting while the queue is full; queue_shutdown once shut down.
  [[nodiscard]] awaitable<void> put(T item, std::source_location where = std::source_location::current())
  {
    while (full()) {
      if (shutdown_)
        throw queue_shutdown();
      co_await wait_in(putters_, [this] {
        if (!full())
          putters_.wake_one();
      }, wait_frame::named("queue.put()", where));
    }
    put_nowait(std::move(item));
  }
  /// queue_full when full, queue_shutdown once shut down.
  void put_nowait(T item)
  {
    if (shutdown_)
      throw queue_shutdown();
    if (full())
      throw queue_full();
    store_.push(std::move(item));
    ++unfinished_;
    getters_.wake_one();
  }
  /// Takes an item, waiting while the queue is empty; after shutdown it drains what is
  /// left, then throws queue_shutdown.
  [[nodiscard]] awaitable<T> get(std::source_location where = std::source_location::current())
  {
    while (empty()) {
      if (shutdown_)
        throw queue_shutdown();
      co_await wait_in(getters_, [this] {
        if (!empty())
          getters_.wake_one();
      }, wait_frame::named("queue.get()", where));
    }
    co_return get_nowait();
  }
  /// queue_empty when empty (queue_shutdown when also shut down).
  T get_nowait()
  {
    if (empty()) {
      if (shutdown_)
        throw queue_shutdown();
      throw queue_empty();
    }
    T item = store_.pop();
    putters_.wake_one();
    return item;
  }

  std::size_t qsize() const noexcept { return store_.size(); }
  bool empty() const noexcept { return store_.size() == 0; }
  bool full() const noexcept { return maxsize_ > 0 && store_.size() >= maxsize_; }
  std::size_t maxsize() const noexcept { return maxsize_; }

  /// One item taken earlier is processed; std::logic_error when called more times than
  /// items were put.
  void task_done()
  {
    if (unfinished_ == 0)
      throw std::logic_error("asyncpp: queue::task_done() called more times than items were put");
    if (--unfinished_ == 0)
      joiners_.wake_all();
  }
  /// Returns once every item put has been marked task_done().
  [[nodiscard]] awaitable<void> join(std::source_location where = std::source_location::current())
  {
    if (unfinished_ > 0)
      co_await wait_in(joiners_, [] {}, wait_frame::named("queue.join()", where));
  }
  /// Then put/put_nowait throw queue_shutdown and get drains, then throws it. With
  /// `immediate` the items are dropped at once (each counted as done for join()).
  void shutdown(bool immediate = false)
  {
    shutdown_ = true;
    if (immediate) {
      while (!empty()) {
        store_.pop();
        if (unfinished_ > 0)
          --unfinished_;
      }
      if (unfinished_ == 0)
        joiners_.wake_all();
    }
    getters_.wake_all();
    putters_.wake_all();
  }

private:
  std::size_t maxsize_;
  std::size_t unfinished_ = 0;
  bool shutdown_ = false;
  Store store_;
  waiter_list getters_, putters_, joiners_;
};

template <class T>
struct fifo_store {
  std::deque<T> items;
  void push(T v) { items.push_back(std::move(v)); }
  T pop()
  {
    T v = std::move(items.front());
    items.pop_front();
    return v;
  }
  std::size_t size() const noexcept { return items.size(); }
};

template <class T>
struct lifo_store {
  std::vector<T> items;
  void push(T v) { items.push_back(std::move(v)); }
  T pop()
  {
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
  std::size_t size() const noexcept { return items.size(); }
};

template <class T, class Compare>
struct heap_store {
  std::vector<T> items;
  // std heap algorithms keep the largest first; reversed arguments put the smallest first.
  static bool after(const T& a, const T& b) { return Compare{}(b, a); }
  void push(T v)
  {
    items.push_back(std::move(v));
    std::push_heap(items.begin(), items.end(), after);
  }
  T pop()
  {
    std::pop_heap(items.begin(), items.end(), after);
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
  std::size_t size() const noexcept { return items.size(); }
};

} // namespace asyncpp::detail

#endif
