// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// gather()'s machinery: child records, the tuple and range operations, and how a call's
// arguments choose among them.
#ifndef ASYNCPP_DETAIL_GATHER_HPP
#define ASYNCPP_DETAIL_GATHER_HPP

#include <asyncpp/detail/child_group.hpp>
#include <asyncpp/event_loop.hpp>
#include <asyncpp/task.hpp>
#include <boost/asio/deferred.hpp>
#include <cstdint>
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

// Public types of <asyncpp/gather.hpp>, used here only in templates.
struct return_exceptions_t;
template <class T>
class outcome;

namespace detail {

/// A gather child that is a task: gather waits on it like any awaiter.
template <class T>
class task_child final : public done_waiter {
public:
  using gathered_type = T;
  using value_type = value_or_monostate<T>;
  explicit task_child(task<T> t) : task_(std::move(t)) {}

  void start(child_group& core, std::uint32_t)
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
  child_group* core_ = nullptr;
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
class gather_tuple_op final : public child_group {
public:
  template <class... Aws>
  explicit gather_tuple_op(bool return_exceptions, Aws&&... aws)
      : child_group(sizeof...(Children), return_exceptions), children(std::forward<Aws>(aws)...)
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
    std::uint32_t index = 0;
    std::apply([&](auto&... c) { (c.start(*this, index++), ...); }, children);
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
class gather_range_op final : public child_group {
public:
  template <class A>
  gather_range_op(bool return_exceptions, std::vector<A>& items)
      : child_group(items.size(), return_exceptions), children(items)
  {
  }
  child_array<Child> children;

  std::size_t branch_count() const noexcept override { return children.size(); }
  const wait_record* branch(std::size_t i) const noexcept override { return children[i].waits(); }

private:
  void start_children() override
  {
    std::uint32_t index = 0;
    for (auto& c : children)
      c.start(*this, index++);
  }
  void cancel_children() noexcept override
  {
    for (auto& c : children)
      c.cancel();
  }
};

template <bool ReturnExceptions, class... Aws>
awaitable<std::tuple<tuple_result_t<ReturnExceptions, Aws>...>> gather_tuple(wait_frame frame, Aws... aws)
{
  if constexpr (sizeof...(Aws) == 0) {
    co_return std::tuple<>{};
  } else {
    gather_tuple_op<child_t<Aws>...> op(ReturnExceptions, std::move(aws)...);
    auto all_done = wait_children(op, frame);
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
  auto all_done = wait_children(op, frame);
  co_await std::move(all_done);
  if (op.first_error())
    std::rethrow_exception(op.first_error());
  for (auto& c : op.children)
    results.push_back(child_result<ReturnExceptions, typename child_kind<A>::value>(c));
  co_return results;
}


template <class V>
struct gathered_vector : std::false_type {};
template <class T>
struct gathered_vector<std::vector<awaitable<T>>> : std::true_type {};
template <class T>
struct gathered_vector<std::vector<task<T>>> : std::true_type {};

/// How gather(args...) runs: the tuple form over awaitables and tasks, or the range form
/// over one vector; `ReturnExceptions` when return_exceptions came first.
template <bool ReturnExceptions, class... Args>
struct gather_plan {
  static_assert((awaitable_form<std::remove_cvref_t<Args>> && ...),
                "asyncpp::gather: each argument must be an awaitable<T>, a task<T>, an Asio operation made with "
                "asio::deferred, or an awaitable<T, Executor>");
  static auto make(wait_frame frame, Args&&... args)
  {
    return gather_tuple<ReturnExceptions, to_awaitable_t<Args>...>(frame, to_awaitable(std::forward<Args>(args))...);
  }
};
template <bool ReturnExceptions, class V>
  requires gathered_vector<std::remove_cvref_t<V>>::value
struct gather_plan<ReturnExceptions, V> {
  static auto make(wait_frame frame, V&& items)
  {
    return gather_range<ReturnExceptions>(frame, std::remove_cvref_t<V>(std::forward<V>(items)));
  }
};
template <class... Args>
struct gather_dispatch : gather_plan<false, Args...> {
  using gather_plan<false, Args...>::make;
};
template <class Tag, class... Args>
  requires std::is_same_v<std::remove_cvref_t<Tag>, return_exceptions_t>
struct gather_dispatch<Tag, Args...> {
  static auto make(wait_frame frame, Tag&&, Args&&... args)
  {
    return gather_plan<true, Args...>::make(frame, std::forward<Args>(args)...);
  }
};

template <class... Args>
using gather_awaitable_t =
    decltype(gather_dispatch<Args...>::make(std::declval<wait_frame>(), std::declval<Args>()...));

/// gather() under a wait name of the caller's (process.communicate()).
template <class... Args>
auto gather_as(const wait_frame& frame, Args&&... args)
{
  return gather_dispatch<Args...>::make(frame, std::forward<Args>(args)...);
}

} // namespace detail

} // namespace asyncpp

#endif
