// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// gather()'s machinery: child records, the tuple and range operations. Included by
// gather.hpp after the public types it uses (outcome<T>, return_exceptions_t).
#ifndef ASYNCPP_DETAIL_GATHER_HPP
#define ASYNCPP_DETAIL_GATHER_HPP

#include <asyncpp/detail/coroutine_thread.hpp>
#include <asyncpp/detail/inline_slot.hpp>
#include <asyncpp/detail/resume.hpp>
#include <asyncpp/detail/resumer.hpp>
#include <asyncpp/detail/task_executor.hpp>
#include <asyncpp/event_loop.hpp>
#include <asyncpp/task.hpp>
#include <boost/asio/deferred.hpp>
#include <memory>
#include <new>
#include <exception>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace asyncpp {

namespace detail {

/// The type-independent bookkeeping of one gather (src/gather.cpp): counts the children
/// down, fails fast, turns an outside cancellation into cancelling every child, and
/// resumes the waiting coroutine once every child has finished.
class ASYNCPP_DECL gather_core : public wait_branches {
public:
  gather_core(std::size_t children, bool return_exceptions) noexcept
      : pending_(children), return_exceptions_(return_exceptions)
  {
  }
  gather_core(const gather_core&) = delete;
  gather_core& operator=(const gather_core&) = delete;

  /// Suspends the waiting coroutine (`handler`), then starts the children.
  template <class Handler>
  void start(Handler&& handler, const wait_frame& frame)
  {
    const resume_point rp = resumer_.begin(std::forward<Handler>(handler), frame);
    loop_ = rp.io_executor_or_running_loop();
    parent_ = rp.task;
    if (resumer_.slot().is_connected())
      resumer_.slot().emplace<outside_cancel>(this);
    starting_ = true;
    start_children();
    starting_ = false;
    if (first_error_)
      cancel_children(); // a child failed while starting: every child has started now
  }

  /// A child ended; `failure` is null on success (a cancelled child: cancelled_error).
  void child_finished(const std::exception_ptr& failure) noexcept;
  /// A child's frame was destroyed unfinished (its loop closed): once every pending child
  /// has gone, the waiting coroutine is destroyed too (and this object with it).
  void child_discarded() noexcept;

  const std::exception_ptr& first_error() const noexcept { return first_error_; }
  const boost::asio::io_context::executor_type& loop_executor() const noexcept { return *loop_; }
  /// Children run under the waiting task's name (current_task() names it).
  task_state_base* parent_task() const noexcept { return parent_; }

protected:
  ~gather_core() = default;
  virtual void start_children() = 0;
  virtual void cancel_children() noexcept = 0;

private:
  struct outside_cancel {
    gather_core* core;
    void operator()(boost::asio::cancellation_type_t) const { core->cancel_from_outside(); }
  };
  void cancel_from_outside() noexcept;
  void settle() noexcept;

  std::size_t pending_;
  bool return_exceptions_;
  bool discarded_ = false;
  bool outside_cancel_ = false;    // an outside cancellation came before any failure
  bool outside_signalled_ = false; // an outside cancellation reached this gather
  bool starting_ = false;          // start_children() runs: a failure cancels no sibling yet
  std::exception_ptr first_error_;
  std::optional<boost::asio::io_context::executor_type> loop_;
  task_state_base* parent_ = nullptr;
  resumer resumer_;
};

/// A gather child that is an awaitable: a coroutine thread of its own (not co_spawn's,
/// see coroutine_thread.hpp) run to its end by run_to_end(), its outcome kept here.
/// No task state, registry entry or post of its own: one record per child, all in one
/// allocation.
template <class T>
class light_child {
public:
  using gathered_type = T;
  using value_type = value_or_monostate<T>;
  explicit light_child(awaitable<T> body) : body_(std::move(body)) {}
  light_child(const light_child&) = delete;
  light_child& operator=(const light_child&) = delete;
  ~light_child() { release_anchor(); }

  void start(gather_core& core)
  {
    if (cancel_requested_) { // a sibling failed before this one started
      done_ = true;
      error_ = std::make_exception_ptr(cancelled_error());
      core.child_finished(error_);
      return;
    }
    started_ = true;
    // The coroutine's cancellation state lives in signal_, without a block of its own. Its
    // parent slot stays unconnected: a reset after a caught cancellation leaves the child
    // uncancellable, which is all it can be, as cancel() emits once.
    try {
      // Under the awaiting task's name, through an anchor of its own: the child's executor
      // may be used after the child (and its record) is gone.
      boost::asio::any_io_executor ex = core.loop_executor();
      if (task_state_base* parent = core.parent_task()) {
        anchor_ = &parent->core().anchors().acquire(parent->core(), parent, &waits_, true);
        ex = task_executor(core.loop_executor(), *anchor_);
      }
      launch_coroutine_thread(run_to_end<T>::run(cached_frame, outcome_notice(this, &core)), ex,
                              boost::asio::cancellation_slot(), boost::asio::cancellation_state(signal_.slot()),
                              anchor_);
    } catch (...) {
      // Its frame could not be allocated, or an operation its first step began threw out
      // of its coroutine thread, whose frames Asio destroys in a later step: the child
      // failed with it, and that frame's notice is disarmed.
      if (done_)
        throw;
      if (notice_)
        std::exchange(notice_, nullptr)->core = nullptr;
      done_ = true;
      error_ = std::current_exception();
      core.child_finished(error_);
    }
  }
  void cancel() noexcept
  {
    if (!done_ && !cancel_requested_) {
      cancel_requested_ = true;
      signal_.emit(boost::asio::cancellation_type::terminal);
    }
  }
  std::exception_ptr failure() const noexcept { return error_; }
  value_type take()
  {
    if (error_)
      std::rethrow_exception(error_);
    return std::move(*value_);
  }
  /// What the child waits on while it runs inside the task that awaits the gather.
  const wait_record* waits() const noexcept { return started_ && !done_ ? &waits_ : nullptr; }

private:
  // run_to_end()'s outcome: keeps the child's, and tells the gather exactly once: finished,
  // or (its frame destroyed unfinished, as when the loop closes) discarded.
  // It is armed once moved into the coroutine's frame (where it registers with the child):
  // the argument itself, destroyed when the frame cannot be allocated, reports nothing.
  struct outcome_notice {
    light_child* child;
    gather_core* core;
    outcome_notice(light_child* c, gather_core* g) noexcept : child(c), core(g) {}
    outcome_notice(outcome_notice&& o) noexcept : child(o.child), core(std::exchange(o.core, nullptr))
    {
      child->notice_ = this;
    }
    outcome_notice& operator=(outcome_notice&&) = delete;
    ~outcome_notice()
    {
      if (core && child->notice_ == this)
        core->child_discarded();
    }
    awaitable<T>&& body() noexcept { return std::move(child->body_); }
    template <class... V>
    void set_value(V&&... v)
    {
      child->value_.emplace(std::forward<V>(v)...);
    }
    void finished(std::exception_ptr e) noexcept
    {
      child->done_ = true;
      child->release_anchor();
      classify_end(e, child->cancel_requested_, {});
      child->error_ = e;
      std::exchange(core, nullptr)->child_finished(child->error_);
    }
  };

  void release_anchor() noexcept
  {
    if (task_anchor* a = std::exchange(anchor_, nullptr))
      detail::release_anchor(*a);
  }

  awaitable<T> body_;
  std::optional<value_type> value_;
  std::exception_ptr error_;
  inline_cancellation_signal<32> signal_; // holds the coroutine's cancellation state
  wait_record waits_; // what this child waits on, under the task that awaits the gather
  outcome_notice* notice_ = nullptr; // the armed one, in the coroutine's frame
  task_anchor* anchor_ = nullptr;    // held while the child runs under a task's name
  bool started_ = false;
  bool done_ = false;
  bool cancel_requested_ = false;
};

/// A gather child that is a task: gather waits on it like any awaiter.
template <class T>
class task_child final : public done_waiter {
public:
  using gathered_type = T;
  using value_type = value_or_monostate<T>;
  explicit task_child(task<T> t) : task_(std::move(t)) {}

  void start(gather_core& core)
  {
    core_ = &core;
    set_awaiting_task(core.parent_task());
    task_access::state(task_)->add_waiter(*this);
  }
  void cancel() noexcept
  {
    if (!task_.done())
      task_access::state(task_)->cancel({});
  }
  std::exception_ptr failure() const noexcept { return task_access::state(task_)->failure(); }
  /// A task child is shown as a task of its own.
  const wait_record* waits() const noexcept { return nullptr; }
  value_type take() { return task_access::state(task_)->read(); }

  // failure() marks the exception retrieved: gather passes it on or returns it.
  void on_done(loop_task&) noexcept override { core_->child_finished(task_access::state(task_)->failure()); }
  void discard() noexcept override { core_->child_discarded(); }

private:
  task<T> task_;
  gather_core* core_ = nullptr;
};

template <class A>
struct child_kind;
template <class T>
struct child_kind<awaitable<T>> {
  using value = T;
  using type = light_child<T>;
};
template <class T>
struct child_kind<task<T>> {
  using value = T;
  using type = task_child<T>;
};
template <class A>
using child_t = typename child_kind<std::decay_t<A>>::type;

template <class A>
concept gather_argument = requires { typename child_kind<std::decay_t<A>>::value; };

/// A child's part of gather's result: its value, or under return_exceptions an
/// outcome<Out> (Out: R for the variadic form, T for the range form, as in the API).
template <bool ReturnExceptions, class Out, class Child>
auto child_result(Child& c)
{
  if constexpr (ReturnExceptions) {
    if (auto e = c.failure())
      return outcome<Out>(e);
    return outcome<Out>(c.take());
  } else {
    return c.take();
  }
}

template <bool ReturnExceptions, class A>
using tuple_result_t = std::conditional_t<ReturnExceptions, outcome<value_or_monostate<typename child_kind<A>::value>>,
                                          value_or_monostate<typename child_kind<A>::value>>;
template <bool ReturnExceptions, class A>
using range_result_t = std::conditional_t<ReturnExceptions, outcome<typename child_kind<A>::value>,
                                          value_or_monostate<typename child_kind<A>::value>>;

template <class... Children>
class gather_tuple_op final : public gather_core {
public:
  template <class... Aws>
  explicit gather_tuple_op(bool return_exceptions, Aws&&... aws)
      : gather_core(sizeof...(Children), return_exceptions), children(std::forward<Aws>(aws)...)
  {
  }
  std::tuple<Children...> children;

  std::size_t branch_count() const noexcept override { return sizeof...(Children); }
  const wait_record* branch(std::size_t i) const noexcept override
  {
    const wait_record* found = nullptr;
    std::size_t index = 0;
    std::apply([&](const auto&... c) { ((index++ == i ? (found = c.waits(), 0) : 0), ...); }, children);
    return found;
  }

private:
  void start_children() override
  {
    std::apply([this](auto&... c) { (c.start(*this), ...); }, children);
  }
  void cancel_children() noexcept override
  {
    std::apply([](auto&... c) { (c.cancel(), ...); }, children);
  }
};

/// The children of a range gather, built in place in one allocation: they never move (the
/// coroutines they start point at them). One block, where a std::deque's many nodes, freed
/// among the children's own small blocks, sent glibc into malloc_consolidate for 25% of
/// spawn_gather (perf, asyncpp-bench).
template <class Child>
class child_array {
public:
  template <class A>
  explicit child_array(std::vector<A>& items) : data_(std::allocator<Child>().allocate(items.size())),
                                                capacity_(items.size())
  {
    try {
      for (auto& item : items) {
        new (data_ + size_) Child(std::move(item));
        ++size_;
      }
    } catch (...) {
      destroy();
      throw;
    }
  }
  child_array(const child_array&) = delete;
  child_array& operator=(const child_array&) = delete;
  ~child_array() { destroy(); }

  std::size_t size() const noexcept { return size_; }
  Child& operator[](std::size_t i) noexcept { return data_[i]; }
  const Child& operator[](std::size_t i) const noexcept { return data_[i]; }
  Child* begin() noexcept { return data_; }
  Child* end() noexcept { return data_ + size_; }

private:
  void destroy() noexcept
  {
    while (size_ > 0)
      data_[--size_].~Child();
    std::allocator<Child>().deallocate(data_, capacity_);
  }

  Child* data_;
  std::size_t capacity_;
  std::size_t size_ = 0;
};

template <class Child>
class gather_range_op final : public gather_core {
public:
  template <class A>
  gather_range_op(bool return_exceptions, std::vector<A>& items)
      : gather_core(items.size(), return_exceptions), children(items)
  {
  }
  child_array<Child> children;

  std::size_t branch_count() const noexcept override { return children.size(); }
  const wait_record* branch(std::size_t i) const noexcept override { return children[i].waits(); }

private:
  void start_children() override
  {
    for (auto& c : children)
      c.start(*this);
  }
  void cancel_children() noexcept override
  {
    for (auto& c : children)
      c.cancel();
  }
};

/// Suspends until every child of `op` has finished; rethrows the first failure, or
/// cancelled_error when an outside cancellation came first. A deferred operation, awaited
/// by the gather's own coroutine: no coroutine frame of its own, as use_awaitable makes.
template <class Op>
auto run_gather(Op& op, const wait_frame& frame)
{
  // The frame goes as an argument, kept in the operation, which lives in the awaiting
  // coroutine's frame until the gather resumes.
  return boost::asio::async_initiate<const boost::asio::deferred_t&, void(std::exception_ptr)>(
      [&op](auto handler, const wait_frame& kept) { op.start(std::move(handler), kept); }, boost::asio::deferred,
      frame.over(&op));
}

template <bool ReturnExceptions, class... Aws>
awaitable<std::tuple<tuple_result_t<ReturnExceptions, Aws>...>> gather_tuple(wait_frame frame, Aws... aws)
{
  if constexpr (sizeof...(Aws) == 0) {
    co_return std::tuple<>{};
  } else {
    gather_tuple_op<child_t<Aws>...> op(ReturnExceptions, std::move(aws)...);
    auto all_done = run_gather(op, frame);
    co_await std::move(all_done);
    if (op.first_error())
      std::rethrow_exception(op.first_error());
    co_return std::apply(
        [](auto&... c) {
          return std::tuple<tuple_result_t<ReturnExceptions, Aws>...>{
              child_result<ReturnExceptions, value_or_monostate<typename std::decay_t<decltype(c)>::gathered_type>>(
                  c)...};
        },
        op.children);
  }
}

template <bool ReturnExceptions, class A>
awaitable<std::vector<range_result_t<ReturnExceptions, A>>> gather_range(wait_frame frame, std::vector<A> items)
{
  std::vector<range_result_t<ReturnExceptions, A>> results;
  if (items.empty())
    co_return results;
  // Reserved before any child runs: the one large block allocated after hundreds of
  // thousands of finished children's small ones were freed made glibc consolidate them
  // all at once (malloc_consolidate, 20% of spawn_gather; perf).
  results.reserve(items.size());
  gather_range_op<child_t<A>> op(ReturnExceptions, items);
  auto all_done = run_gather(op, frame);
  co_await std::move(all_done);
  if (op.first_error())
    std::rethrow_exception(op.first_error());
  for (auto& c : op.children)
    results.push_back(child_result<ReturnExceptions, typename child_kind<A>::value>(c));
  co_return results;
}

} // namespace detail

} // namespace asyncpp

#endif
