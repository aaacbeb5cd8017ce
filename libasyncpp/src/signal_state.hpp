// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// What a loop keeps for add_signal_handler (private to the library's sources).
#ifndef ASYNCPP_SRC_SIGNAL_STATE_HPP
#define ASYNCPP_SRC_SIGNAL_STATE_HPP

#include <boost/asio/signal_set.hpp>

#include <functional>
#include <map>

namespace asyncpp::detail {

struct signal_state {
  explicit signal_state(boost::asio::io_context& ctx) : set(ctx) {}
  boost::asio::signal_set set;
  std::map<int, std::function<void()>> handlers;
  bool waiting = false;
};

} // namespace asyncpp::detail

#endif
