// Helpers shared by the test files.
#ifndef ASYNCPP_TESTS_TEST_UTIL_HPP
#define ASYNCPP_TESTS_TEST_UTIL_HPP

#include <asyncpp/asyncpp.hpp>

#include <boost/test/unit_test.hpp>

/// A test case whose body is a coroutine, run with asyncpp::run (Boost.Cobalt's CO_TEST_CASE).
#define ASYNCPP_TEST_CASE(name)                    \
  static ::asyncpp::awaitable<void> name##_body(); \
  BOOST_AUTO_TEST_CASE(name)                       \
  {                                                \
    ::asyncpp::run(name##_body());                 \
  }                                                \
  static ::asyncpp::awaitable<void> name##_body()

#endif
