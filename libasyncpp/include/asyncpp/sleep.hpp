// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_SLEEP_HPP
#define ASYNCPP_SLEEP_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/detail/asio_internals.hpp>
#include <asyncpp/detail/introspect.hpp>

#include <chrono>
#include <source_location>

namespace asyncpp {

namespace detail {
/// The non-template body of sleep(): an entry of the loop's timer heap (an Asio timer for
/// a coroutine that is no task's), or one queued step for a zero delay.
ASYNCPP_DECL awaitable<void> sleep_for(cached_frame_t, std::chrono::steady_clock::duration d, wait_frame frame);
} // namespace detail

/// Suspends the calling coroutine for at least `d`; sleep(0s) yields to the loop once
/// (every other ready task runs first).
/// Cancellation: throws cancelled_error (the timer is cancelled); a sleep that had already
/// ended when the cancellation came throws it too, as Python's does.
template <class Rep, class Period>
[[nodiscard]] awaitable<void> sleep(std::chrono::duration<Rep, Period> d,
                                    std::source_location where = std::source_location::current())
{
  const auto frame = detail::wait_frame::timed("sleep", d, where);
  // Saturate at about a century instead of overflowing: sleep(hours::max()) means "forever".
  constexpr std::chrono::seconds longest(3'000'000'000);
  if (std::chrono::duration<double>(d) >= longest)
    return detail::sleep_for(detail::cached_frame, longest, frame);
  return detail::sleep_for(detail::cached_frame, std::chrono::ceil<std::chrono::steady_clock::duration>(d), frame);
}

} // namespace asyncpp

#endif
