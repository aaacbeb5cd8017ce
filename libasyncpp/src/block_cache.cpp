// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#include <asyncpp/detail/block_cache.hpp>

namespace asyncpp::detail {

constinit thread_local block_cache::thread_cache block_cache::this_thread{};

/// Empties the thread's cache when the thread ends; from then on its frees go straight
/// to the system (a loop or a coroutine frame destroyed by a later thread_local).
struct block_cache_release {
  ~block_cache_release()
  {
    block_cache::thread_cache& cache = block_cache::this_thread;
    cache.limit = 0;
    for (std::size_t index = 0; index < block_cache::classes; ++index) {
      while (block_cache::free_block* block = cache.free[index]) {
        cache.free[index] = block->next;
        ::operator delete(block, block_cache::block_size(index));
      }
    }
    cache.cached_bytes = 0;
  }
};

void block_cache::register_thread() noexcept
{
  this_thread.registered = true;
  try {
    static thread_local block_cache_release release;
    this_thread.limit = cached_bytes_limit;
  } catch (...) {
    // Could not arm the release: this thread caches nothing.
  }
}

} // namespace asyncpp::detail
