// Configure-time probe (CMake try_compile, b2 check-target-builds): does the fast path of
// detail/asio_internals.hpp compile with this compiler and this Boost? Compiled (not
// linked: the block cache is the library's) with
// ASYNCPP_ASIO_INTERNALS=1; it instantiates what the library does with Asio's private
// names: a cached frame awaiting an awaitable, an Asio operation and this_coro's
// transforms, a coroutine thread launched on an any_io_executor, a handler's thread.
#include <asyncpp/detail/asio_internals.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#if !ASYNCPP_ASIO_INTERNALS
#  error "the probe is built with ASYNCPP_ASIO_INTERNALS=1"
#endif
#ifdef ASYNCPP_ASIO_INTERNALS_PROBE_OFF
#  error "b2 asyncpp-asio-internals=off: the fast path is not wanted"
#endif

namespace {

boost::asio::awaitable<int> inner(asyncpp::detail::cached_frame_t)
{
  co_await boost::asio::post(boost::asio::use_awaitable);
  co_return 1;
}

boost::asio::awaitable<int> outer(asyncpp::detail::cached_frame_t)
{
  const auto ex = co_await boost::asio::this_coro::executor;
  co_await boost::asio::this_coro::reset_cancellation_state();
  (void)ex;
  co_return co_await inner(asyncpp::detail::cached_frame);
}

asyncpp::detail::thread_entry entry(asyncpp::detail::cached_frame_t, int& out)
{
  out = co_await outer(asyncpp::detail::cached_frame);
}

} // namespace

int probe()
{
  boost::asio::io_context ctx;
  boost::asio::cancellation_signal signal;
  int out = 0;
  asyncpp::detail::coroutine_id thread{};
  asyncpp::detail::launch_thread(entry(asyncpp::detail::cached_frame, out), ctx.get_executor(), signal.slot(), signal.slot(),
                                 [&](asyncpp::detail::coroutine_id t) { thread = t; });
  ctx.run();
  const auto handler = [] {};
  return out == 1 && thread && !asyncpp::detail::coroutine_thread_of(handler) ? 0 : 1;
}
