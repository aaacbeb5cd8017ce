// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_DEFAULT_POOL_HPP
#define ASYNCPP_DETAIL_DEFAULT_POOL_HPP

#include <asyncpp/config.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <optional>
#include <thread>
#include <vector>

namespace asyncpp::detail {

/// The loop's default executor: `threads` threads running one io_context, like
/// boost::asio::thread_pool, but safe to construct when memory runs out.
/// thread_pool's constructor, when creating its n-th thread fails, joins the threads it
/// has started while they still hold its work: it never returns (alloc_failure test).
class ASYNCPP_DECL default_thread_pool {
public:
  explicit default_thread_pool(std::size_t threads);
  default_thread_pool(const default_thread_pool&) = delete;
  default_thread_pool& operator=(const default_thread_pool&) = delete;
  /// Finishes what was submitted, then joins the threads (as join() does).
  ~default_thread_pool() { join(); }

  boost::asio::io_context::executor_type get_executor() noexcept { return ctx_.get_executor(); }
  /// Lets the threads finish the queued functions and return, then joins them.
  void join() noexcept;

private:
  boost::asio::io_context ctx_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
};

} // namespace asyncpp::detail

#endif
