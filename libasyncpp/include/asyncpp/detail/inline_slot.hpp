// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
#ifndef ASYNCPP_DETAIL_INLINE_SLOT_HPP
#define ASYNCPP_DETAIL_INLINE_SLOT_HPP

#include <boost/asio/cancellation_type.hpp>

#include <cstddef>
#include <new>
#include <utility>

namespace asyncpp::detail {

/// A cancellation signal whose one handler lives inside the signal itself, for what
/// accepts any slot type: a gather child's coroutine keeps its cancellation state here
/// (asio::cancellation_state emplaces it through the slot's emplace()).
/// asio::cancellation_signal allocates a block for every handler: for a gather child that
/// was one more allocation per child, and the block that kept spawn_gather's peak memory
/// 35% above raw Asio's (asyncpp-bench, dhat).
template <std::size_t Capacity>
class inline_cancellation_signal {
public:
  /// The part of Asio's slot interface that asio::cancellation_state uses.
  class slot_type {
  public:
    explicit slot_type(inline_cancellation_signal* signal) noexcept : signal_(signal) {}

    bool is_connected() const noexcept { return signal_ != nullptr; }
    template <class Handler, class... Args>
    Handler& emplace(Args&&... args)
    {
      return signal_->template emplace<Handler>(std::forward<Args>(args)...);
    }

  private:
    inline_cancellation_signal* signal_;
  };

  inline_cancellation_signal() = default;
  inline_cancellation_signal(const inline_cancellation_signal&) = delete;
  inline_cancellation_signal& operator=(const inline_cancellation_signal&) = delete;
  ~inline_cancellation_signal() { clear(); }

  slot_type slot() noexcept { return slot_type(this); }
  /// Calls the handler, if one is installed.
  void emit(boost::asio::cancellation_type_t type)
  {
    if (call_)
      call_(storage_, type);
  }
  void clear() noexcept
  {
    if (destroy_)
      destroy_(storage_);
    call_ = nullptr;
    destroy_ = nullptr;
  }

private:
  template <class Handler, class... Args>
  Handler& emplace(Args&&... args)
  {
    static_assert(sizeof(Handler) <= Capacity && alignof(Handler) <= alignof(std::max_align_t),
                  "asyncpp: the cancellation handler does not fit the inline slot");
    clear();
    Handler* h = ::new (static_cast<void*>(storage_)) Handler(std::forward<Args>(args)...);
    call_ = [](void* p, boost::asio::cancellation_type_t type) { (*static_cast<Handler*>(p))(type); };
    destroy_ = [](void* p) noexcept { static_cast<Handler*>(p)->~Handler(); };
    return *h;
  }

  alignas(std::max_align_t) unsigned char storage_[Capacity];
  void (*call_)(void*, boost::asio::cancellation_type_t) = nullptr;
  void (*destroy_)(void*) noexcept = nullptr;
};

} // namespace asyncpp::detail

#endif
