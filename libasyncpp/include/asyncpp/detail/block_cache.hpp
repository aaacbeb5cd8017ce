// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_BLOCK_CACHE_HPP
#define ASYNCPP_DETAIL_BLOCK_CACHE_HPP

#include <asyncpp/config.hpp>

#include <cstddef>
#include <memory>
#include <new>

// Our own allocator, written because it measured: with 1000 run_in_executor calls in
// flight, glibc's malloc and free were 45 % of the asyncpp side's instructions (callgrind,
// asyncpp-bench executor), for blocks of 100-250 bytes freed and allocated a thousand at
// a time, past glibc's per-thread cache (7 blocks a size) and past Asio's recycling
// allocator (2 blocks a purpose). A thread keeps the blocks it frees by size, up to a
// bound, and hands them out again: the same memory a batch of calls used serves the next.

namespace asyncpp::detail {

/// The blocks a thread has freed, by size class (16 bytes apart, up to max_block), kept
/// for its next allocations of that class; at most cached_bytes_limit bytes a thread,
/// given back to the system when the thread ends. Larger blocks go to and from the
/// system. A block may be freed on another thread than the one that allocated it (it
/// joins that thread's cache).
class ASYNCPP_DECL block_cache {
public:
  static constexpr std::size_t granule = 16;
  static constexpr std::size_t max_block = 512;
  static constexpr std::size_t cached_bytes_limit = 1024 * 1024;

  static void* allocate(std::size_t size)
  {
    if (size > max_block)
      return ::operator new(size);
    thread_cache& cache = this_thread;
    const std::size_t index = class_of(size);
    if (free_block* block = cache.free[index]) {
      cache.free[index] = block->next;
      cache.cached_bytes -= block_size(index);
      return block;
    }
    return ::operator new(block_size(index));
  }

  static void deallocate(void* p, std::size_t size) noexcept
  {
    if (size > max_block) {
      ::operator delete(p, size);
      return;
    }
    thread_cache& cache = this_thread;
    if (!cache.registered)
      register_thread();
    const std::size_t index = class_of(size);
    if (cache.cached_bytes + block_size(index) <= cache.limit) {
      cache.free[index] = new (p) free_block{cache.free[index]};
      cache.cached_bytes += block_size(index);
    } else {
      ::operator delete(p, block_size(index));
    }
  }

  /// Bytes this thread keeps now.
  static std::size_t cached_bytes() noexcept { return this_thread.cached_bytes; }

private:
  struct free_block {
    free_block* next;
  };
  static constexpr std::size_t classes = max_block / granule;
  // Trivially destructible and constant-initialised, so that reaching it costs no guard;
  // `limit` stays 0 (nothing is cached) until the thread has registered the destructor
  // that empties it, and is 0 again from then on.
  struct thread_cache {
    free_block* free[classes];
    std::size_t cached_bytes;
    std::size_t limit;
    bool registered;
  };
  static constexpr std::size_t class_of(std::size_t size) noexcept { return size == 0 ? 0 : (size - 1) / granule; }
  static constexpr std::size_t block_size(std::size_t index) noexcept { return (index + 1) * granule; }

  /// The thread's first free: arms the destructor that empties the cache at the thread's
  /// end, and caching with it (none when the thread is already ending).
  static void register_thread() noexcept;
  friend struct block_cache_release;

  static constinit thread_local thread_cache this_thread;
};

/// A standard allocator on the block cache (run_in_executor's jobs).
template <class T>
struct cached_allocator {
  using value_type = T;
  cached_allocator() noexcept = default;
  template <class U>
  cached_allocator(const cached_allocator<U>&) noexcept
  {
  }
  T* allocate(std::size_t n)
  {
    if constexpr (over_aligned)
      return std::allocator<T>().allocate(n);
    else
      return static_cast<T*>(block_cache::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept
  {
    if constexpr (over_aligned)
      std::allocator<T>().deallocate(p, n);
    else
      block_cache::deallocate(p, n * sizeof(T));
  }

private:
  static constexpr bool over_aligned = alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  friend bool operator==(cached_allocator, cached_allocator) noexcept { return true; }
};

} // namespace asyncpp::detail

#endif
