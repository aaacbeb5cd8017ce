// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_CONFIG_HPP
#define ASYNCPP_CONFIG_HPP

// The one place the version is written: CMake, b2 and Conan read these three lines.
#define ASYNCPP_VERSION_MAJOR 0
#define ASYNCPP_VERSION_MINOR 1
#define ASYNCPP_VERSION_PATCH 0

#define ASYNCPP_DETAIL_STRINGIZE(x) #x
#define ASYNCPP_DETAIL_EXPAND_STRINGIZE(x) ASYNCPP_DETAIL_STRINGIZE(x)
/// The version as "MAJOR.MINOR.PATCH".
#define ASYNCPP_VERSION_STRING                                    \
  ASYNCPP_DETAIL_EXPAND_STRINGIZE(ASYNCPP_VERSION_MAJOR)          \
  "." ASYNCPP_DETAIL_EXPAND_STRINGIZE(ASYNCPP_VERSION_MINOR) "." \
      ASYNCPP_DETAIL_EXPAND_STRINGIZE(ASYNCPP_VERSION_PATCH)

// Both b2 and CMake define ASYNCPP_SHARED when building or using the shared library (built
// with hidden visibility), so the export macro means the same in both.
#if defined(ASYNCPP_SHARED)
#  define ASYNCPP_DECL __attribute__((visibility("default")))
#else
#  define ASYNCPP_DECL
#endif

// Whether a plain loop checks that two threads never run its work at once (it aborts
// naming the strand constructor if they do). On in every build, release builds included:
// an atomic exchange per io_context handler that runs the loop's work (one per batch of
// the ready queue, not one per wake-up), below the noise of asyncpp-bench `yield` (README,
// Performance). Define it to 0 to leave it out.
#if !defined(ASYNCPP_CHECK_LOOP_THREADS)
#  define ASYNCPP_CHECK_LOOP_THREADS 1
#endif

// Whether the library uses Asio's private names where they save time (the one header
// that names them is detail/asio_internals.hpp, which lists them). CMake writes the
// result of its configure-time probe to <asyncpp/detail/build_config.hpp> (in its
// build tree and in every installed package); b2 defines the macro itself. Elsewhere,
// and when neither says, the path on Asio's documented interface only.
#if !defined(ASYNCPP_ASIO_INTERNALS) && __has_include(<asyncpp/detail/build_config.hpp>)
#  include <asyncpp/detail/build_config.hpp>
#endif
#if !defined(ASYNCPP_ASIO_INTERNALS)
#  define ASYNCPP_ASIO_INTERNALS 0
#endif

#include <boost/asio/awaitable.hpp>

namespace asyncpp {

/// An asyncpp coroutine: exactly Boost.Asio's awaitable, so both kinds of code mix freely.
template <class T = void>
using awaitable = boost::asio::awaitable<T>;

} // namespace asyncpp

#endif
