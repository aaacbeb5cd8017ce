// The per-thread block cache behind asyncpp's own per-call allocations (internal:
// detail/block_cache.hpp, detail/cached_frame.hpp).
#include <asyncpp/detail/block_cache.hpp>
#include <asyncpp/detail/asio_internals.hpp>

#include "test_util.hpp"

#include <cstdint>
#include <stdexcept>
#include <thread>

using namespace asyncpp_test;
using asyncpp::awaitable;
using asyncpp::detail::block_cache;
using asyncpp::detail::cached_frame;
using asyncpp::detail::cached_frame_t;

namespace {

// Sizes of a class of their own, which nothing else in these tests allocates.
constexpr std::size_t odd_size = 488;

struct alignas(64) over_aligned {
  char bytes[64];
};

awaitable<int> doubled(cached_frame_t, int x)
{
  co_await asyncpp::sleep(0s);
  if (x < 0)
    throw std::invalid_argument("negative");
  co_return 2 * x;
}

awaitable<int> sum_of_doubles(cached_frame_t, int n)
{
  const auto ex = co_await boost::asio::this_coro::executor; // Asio's own transforms still apply
  BOOST_TEST(static_cast<bool>(ex));
  int sum = 0;
  for (int i = 0; i < n; ++i)
    sum += co_await doubled(cached_frame, i);
  try {
    co_await doubled(cached_frame, -1);
  } catch (const std::invalid_argument&) {
    sum = -sum;
  }
  co_return sum;
}

} // namespace

BOOST_AUTO_TEST_SUITE(block_cache_hpp)

BOOST_AUTO_TEST_CASE(a_freed_block_serves_the_next_allocation_of_its_size_class)
{
  void* first = block_cache::allocate(odd_size);
  block_cache::deallocate(first, odd_size);
  void* again = block_cache::allocate(odd_size - 4); // the same 16-byte class (481-496)
  BOOST_TEST(again == first);
  void* other = block_cache::allocate(odd_size); // the class is empty again
  BOOST_TEST(other != first);
  block_cache::deallocate(other, odd_size);
  block_cache::deallocate(again, odd_size - 4);
}

BOOST_AUTO_TEST_CASE(a_block_freed_on_another_thread_joins_that_threads_cache)
{
  void* block = block_cache::allocate(odd_size);
  void* kept_there = nullptr;
  std::thread other([&] {
    block_cache::deallocate(block, odd_size);
    kept_there = block_cache::allocate(odd_size); // served from this thread's cache
    block_cache::deallocate(kept_there, odd_size); // given back when the thread ends
  });
  other.join();
  BOOST_TEST(kept_there == block);
  // This thread's cache never had it (a block still there would be `block`'s twin).
  void* here = block_cache::allocate(odd_size);
  BOOST_TEST(here != block);
  block_cache::deallocate(here, odd_size);
}

BOOST_AUTO_TEST_CASE(the_cache_keeps_at_most_its_limit)
{
  std::vector<void*> blocks;
  const std::size_t count = 2 * block_cache::cached_bytes_limit / block_cache::max_block;
  for (std::size_t i = 0; i < count; ++i)
    blocks.push_back(block_cache::allocate(block_cache::max_block));
  for (void* p : blocks)
    block_cache::deallocate(p, block_cache::max_block);
  BOOST_TEST(block_cache::cached_bytes() <= block_cache::cached_bytes_limit);
  BOOST_TEST(block_cache::cached_bytes() > 0u);
}

BOOST_AUTO_TEST_CASE(over_aligned_types_keep_their_alignment)
{
  asyncpp::detail::cached_allocator<over_aligned> allocator;
  over_aligned* p = allocator.allocate(3);
  BOOST_TEST(reinterpret_cast<std::uintptr_t>(p) % alignof(over_aligned) == 0u);
  allocator.deallocate(p, 3);
}

// A coroutine tagged cached_frame has a promise type of its own: it awaits other
// awaitables, Asio's this_coro transforms and exceptions as any other does.
ASYNCPP_TEST_CASE(coroutines_on_cached_frames_await_and_throw_as_any_other)
{
  BOOST_TEST(co_await sum_of_doubles(cached_frame, 10) == -90);
  auto& loop = asyncpp::get_running_loop();
  auto t = loop.create_task(doubled(cached_frame, 21));
  BOOST_TEST(co_await t.wait() == 42);
  BOOST_CHECK_THROW(co_await doubled(cached_frame, -2), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
