#include <asyncpp/errors.hpp>

#include <asyncpp/config.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <exception>
#include <string>
#include <type_traits>

BOOST_AUTO_TEST_SUITE(errors_hpp)

BOOST_AUTO_TEST_CASE(cancelled_error_is_not_a_std_exception)
{
  static_assert(!std::is_base_of_v<std::exception, asyncpp::cancelled_error>);
  static_assert(std::is_default_constructible_v<asyncpp::cancelled_error>);
  BOOST_TEST(std::strcmp(asyncpp::cancelled_error().what(), "cancelled") == 0);
  BOOST_TEST(std::strcmp(asyncpp::cancelled_error("stop now").what(), "stop now") == 0);
  bool swallowed = false;
  bool seen = false;
  try {
    try {
      throw asyncpp::cancelled_error("x");
    } catch (const std::exception&) {
      swallowed = true;
    }
  } catch (const asyncpp::cancelled_error& e) {
    seen = e.message() == "x";
  }
  BOOST_TEST(!swallowed);
  BOOST_TEST(seen);
}

// Copies share the message: making an exception_ptr of one (std::make_exception_ptr
// copies it) cannot fail, and asyncpp makes them without throwing.
BOOST_AUTO_TEST_CASE(cancelled_error_copies_share_their_message)
{
  const asyncpp::cancelled_error original(std::string(100, 'm'));
  const asyncpp::cancelled_error copy = original; // NOLINT(performance-unnecessary-copy-initialization)
  // The same characters, not equal ones.
  BOOST_TEST(static_cast<const void*>(copy.what()) == static_cast<const void*>(original.what()));
  BOOST_TEST(copy.message() == std::string(100, 'm'));
  BOOST_TEST(asyncpp::cancelled_error().message().empty());
  try {
    std::rethrow_exception(std::make_exception_ptr(original));
  } catch (const asyncpp::cancelled_error& e) {
    BOOST_TEST(static_cast<const void*>(e.what()) == static_cast<const void*>(original.what()));
  }
}

BOOST_AUTO_TEST_CASE(error_bases)
{
  static_assert(std::is_base_of_v<std::runtime_error, asyncpp::timeout_error>);
  static_assert(std::is_base_of_v<std::logic_error, asyncpp::invalid_state_error>);
  BOOST_TEST(std::strlen(asyncpp::timeout_error().what()) > 0);
  BOOST_TEST(std::strcmp(asyncpp::invalid_state_error("bad").what(), "bad") == 0);
}

BOOST_AUTO_TEST_CASE(is_cancellation_recognises_both_forms)
{
  using boost::system::system_error;
  BOOST_TEST(asyncpp::is_cancellation(std::make_exception_ptr(asyncpp::cancelled_error())));
  BOOST_TEST(asyncpp::is_cancellation(
      std::make_exception_ptr(system_error(boost::asio::error::operation_aborted))));
  BOOST_TEST(!asyncpp::is_cancellation(std::make_exception_ptr(system_error(boost::asio::error::eof))));
  BOOST_TEST(!asyncpp::is_cancellation(std::make_exception_ptr(std::runtime_error("x"))));
  BOOST_TEST(!asyncpp::is_cancellation(std::make_exception_ptr(asyncpp::timeout_error())));
  BOOST_TEST(!asyncpp::is_cancellation(nullptr));
}

BOOST_AUTO_TEST_CASE(header_version_matches_the_project_version)
{
  BOOST_TEST(std::string(ASYNCPP_VERSION_STRING) == ASYNCPP_PROJECT_VERSION);
}

BOOST_AUTO_TEST_SUITE_END()
