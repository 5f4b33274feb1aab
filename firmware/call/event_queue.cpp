#include "firmware/call/event_queue.hpp"

namespace dialtone::call {
namespace {

// Copies `in` into `store` and points `view` at the copy. An over-long value
// is cut to the store's capacity (limits.hpp sizes each to the largest a line
// sends), never overrun.
template <std::size_t N>
void own(std::string_view& view, FixedString<N>& store) {
  store.assign(view.substr(0, N));
  view = store.view();
}

}  // namespace

bool EventQueue::push(const Input& in) {
  if (count_ == limits::kCallEventsQueued) return false;
  int sdp = -1;
  if (!in.event.sdp.empty()) {
    for (std::size_t i = 0; i < limits::kCallSdpSlots; ++i)
      if (!sdp_used_[i]) { sdp = static_cast<int>(i); break; }
    if (sdp < 0 || in.event.sdp.size() > limits::kSdpMax) return false;
  }
  Slot& s = slots_[(head_ + count_) % limits::kCallEventsQueued];
  s.in = in;
  Event& e = s.in.event;
  own(e.number, s.number);
  own(e.call_id, s.call_id);
  own(e.peer_name, s.peer_name);
  own(e.verification, s.verification);
  own(e.reason, s.reason);
  s.sdp = sdp;
  if (sdp >= 0) {
    sdp_used_[sdp] = true;
    sdp_[sdp].assign(e.sdp);
    e.sdp = sdp_[sdp].view();
  }
  ++count_;
  gauge_.set_used(count_);
  return true;
}

void EventQueue::pop() {
  if (count_ == 0) return;
  Slot& s = slots_[head_];
  if (s.sdp >= 0) sdp_used_[s.sdp] = false;
  s.sdp = -1;
  head_ = (head_ + 1) % limits::kCallEventsQueued;
  --count_;
  gauge_.set_used(count_);
}

}  // namespace dialtone::call
