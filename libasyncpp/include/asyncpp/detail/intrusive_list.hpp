// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_INTRUSIVE_LIST_HPP
#define ASYNCPP_DETAIL_INTRUSIVE_LIST_HPP

#include <cstddef>

namespace asyncpp::detail {

template <class Tag>
class intrusive_list_base;

/// The links an element of an intrusive_list<T, Tag> carries (derive from it; one base per
/// Tag lets an object sit in several lists). Linking allocates nothing, so waiting and
/// registering cannot fail; an element knows its list, so it can leave it on its own.
template <class Tag = void>
class list_hook {
public:
  bool linked() const noexcept { return list_ != nullptr; }
  /// Leaves the list it is in, if any.
  void unlink() noexcept
  {
    if (list_)
      list_->erase(*this);
  }

protected:
  list_hook() = default;
  list_hook(const list_hook&) = delete;
  list_hook& operator=(const list_hook&) = delete;
  ~list_hook() = default;

private:
  friend class intrusive_list_base<Tag>;
  list_hook* prev_ = nullptr;
  list_hook* next_ = nullptr;
  intrusive_list_base<Tag>* list_ = nullptr;
};

/// The untyped half of intrusive_list: links and counts hooks.
template <class Tag>
class intrusive_list_base {
public:
  intrusive_list_base() = default;
  intrusive_list_base(const intrusive_list_base&) = delete;
  intrusive_list_base& operator=(const intrusive_list_base&) = delete;

  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }

  void erase(list_hook<Tag>& h) noexcept
  {
    (h.prev_ ? h.prev_->next_ : head_) = h.next_;
    (h.next_ ? h.next_->prev_ : tail_) = h.prev_;
    h.prev_ = h.next_ = nullptr;
    h.list_ = nullptr;
    --size_;
  }

protected:
  ~intrusive_list_base() = default;

  void link_back(list_hook<Tag>& h) noexcept
  {
    h.list_ = this;
    h.prev_ = tail_;
    h.next_ = nullptr;
    (tail_ ? tail_->next_ : head_) = &h;
    tail_ = &h;
    ++size_;
  }
  list_hook<Tag>* head() const noexcept { return head_; }
  static list_hook<Tag>* next(const list_hook<Tag>& h) noexcept { return h.next_; }

private:
  list_hook<Tag>* head_ = nullptr;
  list_hook<Tag>* tail_ = nullptr;
  std::size_t size_ = 0;
};

/// A FIFO of objects that derive from list_hook<Tag>; it never owns them. The one list
/// of the library: task waiters, primitive waiters, the loop's task registry, task groups.
template <class T, class Tag = void>
class intrusive_list : public intrusive_list_base<Tag> {
  using hook = list_hook<Tag>;

public:
  void push_back(T& element) noexcept { this->link_back(static_cast<hook&>(element)); }
  void remove(T& element) noexcept { this->erase(static_cast<hook&>(element)); }
  /// The oldest element, or null.
  T* front() const noexcept { return static_cast<T*>(this->head()); }
  /// Unlinks and returns the oldest element, or null.
  T* pop_front() noexcept
  {
    T* element = front();
    if (element)
      remove(*element);
    return element;
  }
  /// Calls `f(element)` for each element, oldest first; `f` must not unlink others.
  template <class F>
  void for_each(F&& f) const
  {
    for (hook* h = this->head(); h;) {
      hook* following = this->next(*h);
      f(*static_cast<T*>(h));
      h = following;
    }
  }
};

} // namespace asyncpp::detail

#endif
