// time.ctime() for the examples: "Sun Aug 18 02:14:34 2019", local time.
#ifndef ASYNCPP_EXAMPLES_STAMP_HPP
#define ASYNCPP_EXAMPLES_STAMP_HPP

#include <ctime>
#include <string>

inline std::string ctime_now()
{
  std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", std::localtime(&now)); // asctime's layout
  return buf;
}

#endif
