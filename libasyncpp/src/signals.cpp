// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// Signal handlers of a loop (one Asio signal_set), and run()'s question whether Ctrl-C
// still has its default disposition.

#include <asyncpp/event_loop.hpp>
#include <asyncpp/run.hpp> // declares sigint_is_default (exported)

#include "signal_state.hpp"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <utility>

namespace asyncpp {

void event_loop::add_signal_handler(int signum, std::function<void()> cb)
{
  check_usable("add_signal_handler");
  if (!signals_)
    signals_ = std::make_unique<detail::signal_state>(*ctx_);
  if (!signals_->handlers.count(signum))
    signals_->set.add(signum); // system_error for a signal that cannot be caught
  signals_->handlers[signum] = std::move(cb);
  if (std::exchange(signals_->waiting, true))
    return;
  arm_signal_wait();
}

void event_loop::arm_signal_wait()
{
  // One wait at a time, re-armed after each signal, for all the handled signals.
  detail::loop_core::start_on_loop(
      core_.get(), [this](auto handler) { signals_->set.async_wait(std::move(handler)); },
      [core = core_](const boost::system::error_code& ec, int signum) {
        if (ec)
          return;
        core->run_as_step([&] { // a closed loop (or a gone one: closed too) does nothing
          event_loop* loop = core->loop();
          if (!loop || !loop->signals_)
            return;
          loop->signals_->waiting = false;
          const auto it = loop->signals_->handlers.find(signum);
          if (it != loop->signals_->handlers.end()) {
            auto cb = it->second; // the handler may remove itself
            loop->run_callback(cb);
          }
          if (loop->signals_ && !loop->signals_->handlers.empty() && !std::exchange(loop->signals_->waiting, true))
            loop->arm_signal_wait();
        });
      });
}

bool event_loop::remove_signal_handler(int signum)
{
  if (!signals_ || !signals_->handlers.erase(signum))
    return false;
  signals_->set.remove(signum);
  if (signals_->handlers.empty()) {
    signals_->set.cancel();
    signals_->waiting = false;
  }
  return true;
}

namespace detail {

bool sigint_is_default() noexcept
{
  struct sigaction current {};
  return ::sigaction(SIGINT, nullptr, &current) == 0 && current.sa_handler == SIG_DFL;
}

namespace {

std::terminate_handler previous_terminate = nullptr;

/// A keyboard_interrupt that nobody caught ends the process as Python ends one that let
/// KeyboardInterrupt escape: one line on stderr, then death by SIGINT (the shell's status
/// 130), which tells a parent process the truth. Anything else goes to the handler that
/// was there before (by default "terminate called ..." and abort()).
[[noreturn]] void end_by_interrupt_if_uncaught()
{
  if (const std::exception_ptr e = std::current_exception()) {
    bool interrupted = false;
    try {
      std::rethrow_exception(e);
    } catch (const keyboard_interrupt&) {
      interrupted = true;
    } catch (...) {
    }
    if (interrupted) {
      std::fputs("KeyboardInterrupt\n", stderr);
      std::signal(SIGINT, SIG_DFL);
      std::raise(SIGINT);
      std::_Exit(128 + SIGINT); // SIGINT blocked: the status it would have given
    }
  }
  if (previous_terminate)
    previous_terminate();
  std::abort();
}

} // namespace

void arm_interrupt_exit() noexcept
{
  static std::once_flag once;
  std::call_once(once, [] { previous_terminate = std::set_terminate(&end_by_interrupt_if_uncaught); });
}

} // namespace detail
} // namespace asyncpp
