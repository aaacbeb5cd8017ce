// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// The type-independent core of gather() and wait_for() (child_group): counting children down, failing fast,
// cancellation from outside, and what happens when the loop closes under a gather.

#include <asyncpp/gather.hpp>

namespace asyncpp::detail {

void child_group::child_finished(const std::exception_ptr& failure) noexcept
{
  --pending_;
  if (failure && !return_exceptions_ && !first_error_ && !outside_cancel_) {
    first_error_ = failure;
    // A child ends in its own last step, so it may end while the children start (before
    // its first suspension): the siblings still start, as they would have in asyncio, and
    // are cancelled once all have (start()).
    if (!starting_)
      cancel_children(); // each only requests: nothing of a sibling runs in here
  }
  settle();
}

void child_group::child_discarded() noexcept
{
  discarded_ = true;
  --pending_;
  settle();
}

void child_group::cancel_from_outside() noexcept
{
  outside_signalled_ = true;
  if (!first_error_)
    outside_cancel_ = true;
  cancel_children();
}

void child_group::settle() noexcept
{
  if (pending_ != 0)
    return;
  if (discarded_) {
    // Destroys the suspended coroutine, whose frame holds this object: touch nothing after.
    resumer_.reset();
    return;
  }
  // An outside cancellation that came before any failure is gather's own (cancelled_error);
  // one that came after was passed on to the children, whose failure gather raises.
  resumer_.resume(resumer::slot_action::clear,
                  outside_cancel_ ? wait_end::cancelled : outside_signalled_ ? wait_end::passed_on : wait_end::completed);
}

} // namespace asyncpp::detail
