// The echo session on asyncpp's streams, shared by asyncpp-demo's echo-server and
// asyncpp-bench's echo workload (so the benchmark measures the server the demo runs).
#ifndef ASYNCPP_TOOLS_COMMON_ECHO_HPP
#define ASYNCPP_TOOLS_COMMON_ECHO_HPP

#include <asyncpp/streams.hpp>
#include <asyncpp/task.hpp>

#include <boost/system/system_error.hpp>

#include <string>

namespace echo {

/// Echoes what the peer sends until it closes the connection (or resets it): read what
/// is there (up to 64 KiB), write it, drain.
inline asyncpp::awaitable<void> session(asyncpp::stream_reader reader, asyncpp::stream_writer writer)
{
  try {
    for (std::string data; !(data = co_await reader.read(64 * 1024)).empty();) {
      writer.write(data);
      co_await writer.drain();
    }
  } catch (const boost::system::system_error&) { // a reset: the session ends
  }
}

} // namespace echo

#endif
