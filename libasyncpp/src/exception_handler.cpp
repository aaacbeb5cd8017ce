// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The loop's exception handler: what is told about errors nobody else saw.

#include <asyncpp/event_loop.hpp>

#include <cstdio>
#include <string>

namespace asyncpp {

namespace {

std::string describe(const std::exception_ptr& e)
{
  if (!e)
    return {};
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (const cancelled_error& ex) {
    return std::string("cancelled_error: ") + ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

} // namespace

void event_loop::set_exception_handler(exception_handler h)
{
  handler_ = std::move(h);
}

void event_loop::default_exception_handler(const exception_context& context) noexcept
{
  std::string line = "asyncpp: " + context.message;
  if (!context.task_name.empty())
    line += " (task '" + context.task_name + "')";
  if (context.exception)
    line += ": " + describe(context.exception);
  std::fprintf(stderr, "%s\n", line.c_str());
}

void event_loop::call_exception_handler(const exception_context& context) noexcept
{
  if (!handler_) {
    default_exception_handler(context);
    return;
  }
  try {
    handler_(*this, context);
  } catch (...) {
    default_exception_handler({"Unhandled error in the exception handler", std::current_exception(), {}});
    default_exception_handler(context);
  }
}

} // namespace asyncpp
