// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_EVENT_LOOP_HPP
#define ASYNCPP_EVENT_LOOP_HPP

#include <asyncpp/config.hpp>
#include <asyncpp/detail/awaitable_forms.hpp>
#include <asyncpp/detail/loop_core.hpp>
#include <asyncpp/detail/loop_task.hpp>
#include <asyncpp/errors.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <type_traits>

namespace asyncpp {

template <class T>
class task;

/// What an exception handler is told.
struct exception_context {
  std::string message;          ///< e.g. "Task exception was never retrieved"
  std::exception_ptr exception; ///< may be null
  std::string task_name;        ///< empty when no task is involved
};

namespace detail {
class default_thread_pool;
struct handle_state;
struct signal_state;
/// run()'s shutdown: cancel what is left, wait for it, join the default pool, close.
ASYNCPP_DECL void finish_run(event_loop& loop);

} // namespace detail

/// A callback scheduled with call_soon, call_later or call_at.
class ASYNCPP_DECL handle {
public:
  handle() = default;
  /// Keeps the callback from running if it has not run yet.
  void cancel();
  /// True once cancel() was called.
  bool cancelled() const;

private:
  friend class event_loop;
  explicit handle(std::shared_ptr<detail::handle_state> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::handle_state> state_;
};

/// asyncio's event loop over a Boost.Asio io_context (owned, or adopted from the caller).
///
/// Thread safety: the loop's work runs on one thread at a time (the thread that runs the
/// io_context, or for a loop on a strand any of the context's threads, one step at a
/// time). Its members are called from that work, or from the thread that owns the loop
/// while it does not run; call_soon_threadsafe (and run_coroutine_threadsafe) may be
/// called from any thread at any moment.
class ASYNCPP_DECL event_loop {
public:
  using clock = std::chrono::steady_clock;
  using executor_type = boost::asio::io_context::executor_type;
  using exception_handler = std::function<void(event_loop&, const exception_context&)>;

  /// A loop that owns a new io_context.
  event_loop();
  /// A loop over an existing io_context, which it does not own. Only one thread at a time
  /// may run the loop's work: a context run by several threads needs the strand
  /// constructor below (two threads inside at once abort with a message saying so).
  explicit event_loop(boost::asio::io_context& ctx);
  /// A loop over an existing io_context that any number of threads run: every step of
  /// every task, every callback and every wake-up of this loop runs on `strand`, so the
  /// loop's tasks never run at the same time (asyncio's model) while the context's other
  /// work uses every thread.
  explicit event_loop(boost::asio::strand<boost::asio::io_context::executor_type> strand);
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;
  /// Closes the loop if it is not closed.
  ~event_loop();

  /// The io_context the loop runs.
  boost::asio::io_context& context() noexcept { return *ctx_; }
  /// The io_context's executor: Asio objects made with it run on this loop.
  executor_type get_executor() noexcept { return ctx_->get_executor(); }

  /// Schedules `coro` as a task: it starts soon on the loop, never inside this call.
  template <class T>
  task<T> create_task(awaitable<T> coro, std::string name = {}, std::source_location where = std::source_location::current());
  /// Schedules an Asio awaitable of another executor type (awaitable<T, io_context::executor_type>):
  /// it runs on the loop's io_context, awaited by the task.
  template <class T, class E>
    requires detail::foreign_awaitable<boost::asio::awaitable<T, E>>::value
  task<T> create_task(boost::asio::awaitable<T, E> coro, std::string name = {},
                      std::source_location where = std::source_location::current())
  {
    return create_task(detail::to_awaitable(std::move(coro)), std::move(name), where);
  }
  /// Schedules `f()` as a task; `f` (e.g. a capturing lambda) is kept alive until it ends.
  template <class F, class = std::enable_if_t<!detail::is_awaitable<std::decay_t<F>>::value &&
                                              !detail::foreign_awaitable<std::decay_t<F>>::value>>
  auto create_task(F&& f, std::string name = {}, std::source_location where = std::source_location::current());

  /// Runs the loop until `coro`, wrapped in a task, is done; returns its result.
  template <class T>
  T run_until_complete(awaitable<T> coro, std::source_location where = std::source_location::current());
  /// Runs the loop until `t` is done; returns its result (or rethrows).
  template <class T>
  T run_until_complete(task<T> t);
  /// Runs the loop until stop() is called.
  void run_forever();
  /// Makes run_forever()/run_until_complete() return soon.
  void stop();
  /// Shuts the default executor down and destroys the frames of pending tasks; idempotent.
  void close();
  /// True while run_forever() or run_until_complete() runs.
  bool is_running() const noexcept { return running_; }
  /// True once close() was called.
  bool is_closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  /// Runs `cb` soon on the loop, in FIFO order with other call_soon callbacks.
  handle call_soon(std::function<void()> cb);
  /// Runs `cb` on the loop after `delay` (never earlier).
  handle call_later(clock::duration delay, std::function<void()> cb);
  /// Runs `cb` on the loop at `when` (never earlier).
  handle call_at(clock::time_point when, std::function<void()> cb);
  /// call_soon that may be called from any thread, at any moment: while the loop's own
  /// thread closes the loop it either queues `cb` (then dropped unrun by the close) or
  /// throws std::runtime_error once the loop is closed.
  handle call_soon_threadsafe(std::function<void()> cb);
  /// The loop's clock.
  clock::time_point time() const noexcept { return clock::now(); }

  /// Runs `f(args...)` on an executor: nullptr (the default thread pool),
  /// a boost::asio::thread_pool&, or any Asio executor. Returns a lazy awaitable of the
  /// result.
  /// Cancellation: the awaiter throws cancelled_error at once; the function runs to its end
  /// on its thread, and close() waits for it (one that has not started when the loop
  /// closes never starts).
  template <class Executor, class F, class... Args>
  auto run_in_executor(Executor&& ex, F&& f, Args&&... args);
  /// Joins the default thread pool's threads (if it was ever created).
  void shutdown_default_executor();

  /// Calls `cb` on the loop whenever signal `signum` arrives (replacing an earlier handler
  /// for it), through Asio's signal_set. std::runtime_error for a closed loop,
  /// boost::system::system_error for a signal that cannot be handled.
  void add_signal_handler(int signum, std::function<void()> cb);
  /// Removes the handler for `signum`; false if there was none.
  bool remove_signal_handler(int signum);

  /// Replaces the handler told about errors nobody else saw (default: one line to stderr).
  void set_exception_handler(exception_handler h);
  /// Tells the exception handler about `context`; never throws.
  void call_exception_handler(const exception_context& context) noexcept;
  /// What the default handler does: one line on stderr.
  static void default_exception_handler(const exception_context& context) noexcept;

  /// Debug mode (asyncio's): a step of a task or callback that runs longer than
  /// slow_callback_duration() is reported through the exception handler with the task's
  /// name and where it resumed, and an exception nobody retrieved names where its task
  /// was created. Off by default, and then free; ASYNCPP_DEBUG=1 in the environment turns
  /// it on for every loop created from then on.
  void set_debug(bool enabled) noexcept { core_->set_debug(enabled); }
  bool get_debug() const noexcept { return core_->debug(); }
  /// How long a step may run before debug mode reports it (100 ms, as in Python).
  clock::duration slow_callback_duration() const noexcept
  {
    return core_->slow_step_duration();
  }
  void set_slow_callback_duration(clock::duration d) noexcept { core_->set_slow_step_duration(d); }

private:
  /// The unfinished tasks, oldest first (all_tasks() reads this through loop_access).
  std::vector<detail::state_ptr<detail::loop_task>> unfinished_tasks() const;

  friend class detail::loop_task;
  friend struct detail::loop_access;
  friend void detail::finish_run(event_loop& loop);

  void check_usable(const char* what) const;
  void check_can_run(const char* what) const;
  void register_task(detail::loop_task& t) noexcept;
  void unregister_task(detail::loop_task& t) noexcept;
  /// The non-template body of run_until_complete: runs until `t` is done.
  void run_until_done(detail::loop_task& t);
  /// Cancels every unfinished task and runs the loop until all have finished (run()'s shutdown).
  void cancel_all_and_wait();
  handle schedule_timer(clock::time_point when, std::function<void()> cb);
  /// Runs the io_context until something stops it (poll once if stop() came first).
  void run_context();
  void run_callback(const std::function<void()>& cb) noexcept;
  void arm_signal_wait();
  /// The default thread pool, created on first use (min(32, cores + 4) threads).
  detail::default_thread_pool& default_executor();

  std::unique_ptr<boost::asio::io_context> owned_ctx_;
  boost::asio::io_context* ctx_;
  std::shared_ptr<detail::loop_core> core_;
  std::atomic<bool> closed_{false};
  bool running_ = false;
  bool stop_requested_ = false;
  exception_handler handler_;
  std::unique_ptr<detail::signal_state> signals_;
  std::unique_ptr<detail::default_thread_pool> default_pool_;
  bool default_pool_shut_down_ = false;
  detail::intrusive_list<detail::loop_task, detail::registry_tag> tasks_;
};

/// The running loop; else this thread's current loop, creating and setting one if there is
/// none (that one belongs to the thread and is destroyed at thread exit).
ASYNCPP_DECL event_loop& get_event_loop();
/// The loop running on this thread (or running the current task, when an adopted
/// io_context is run directly); std::runtime_error if none is.
ASYNCPP_DECL event_loop& get_running_loop();
/// Makes `loop` this thread's current loop (nullptr: none); does not destroy the previous one.
ASYNCPP_DECL void set_event_loop(event_loop* loop);

namespace detail {
inline const std::shared_ptr<loop_core>& loop_access::core(const event_loop& loop) noexcept
{
  return loop.core_;
}
inline void loop_access::run_callback(event_loop& loop, const std::function<void()>& cb) noexcept
{
  loop.run_callback(cb);
}
/// The loop running on this thread, or null.
ASYNCPP_DECL event_loop* running_loop() noexcept;
/// This thread's current loop (set_event_loop), or null.
ASYNCPP_DECL event_loop* current_loop() noexcept;
/// Makes `loop` the one running on this thread (null: none); returns the previous one.
ASYNCPP_DECL event_loop* set_running_loop(event_loop* loop) noexcept;
/// A loop being destroyed stops being this thread's current loop.
ASYNCPP_DECL void forget_current_loop(event_loop* loop) noexcept;
} // namespace detail

} // namespace asyncpp

// The member templates, defined with task<T> and the executor jobs in view (Asio's pattern).
#include <asyncpp/impl/event_loop.hpp>

#endif
