// The one translation unit with Boost.Test's implementation and the module name.
#define BOOST_TEST_MODULE asyncpp
#include <boost/test/included/unit_test.hpp>
