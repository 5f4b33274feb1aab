// The call layer's inbox: every input (the person's commands, the lines'
// signals, the media sessions' reports) is copied in here, out of the buffer
// it arrived in, and handled only after the input before it has been handled
// to the end. Nothing re-enters the call machines.
//
// Fixed memory: kCallEventsQueued inputs; an SDP travels in one of
// kCallSdpSlots buffers (few inputs carry one, and they are rarely more
// than one at a time).
#pragma once
#include <cstdint>
#include <optional>

#include "firmware/call/call_machine.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/pool_gauge.hpp"

namespace dialtone::call {

// Who an input is for.
enum class Source : std::uint8_t {
  kPerson,  // the handset or a command: the layer picks the call
  kLine,    // a line: by the line's call id, or by the device's id before it has one
  kMedia,   // a media session: by its slot
  kLayer,   // the layer's own commands to itself (flash)
};

enum class LayerCommand : std::uint8_t { kNone, kFlash, kEndAll };

struct Input {
  Source source = Source::kPerson;
  LayerCommand command = LayerCommand::kNone;
  std::uint8_t line = 0;
  std::uint8_t slot = 0;      // kMedia
  std::uint32_t device_id = 0;  // kLine: 0 when the line gives its call id instead
  Event event{.kind = Event::Kind::kHangUp};
};

class EventQueue {
 public:
  // Copies the input and every string it refers to. False when full (the
  // caller logs; a full queue means something upstream is flooding).
  bool push(const Input& in);
  // The oldest input, its views pointing into the queue's own storage, valid
  // until pop().
  const Input* front() const { return count_ ? &slots_[head_].in : nullptr; }
  void pop();
  std::size_t size() const { return count_; }
  std::size_t high_water() const { return gauge_.high_water(); }

 private:
  struct Slot {
    Input in;
    FixedString<limits::kPeerMax> number;
    FixedString<limits::kCallIdMax> call_id;
    FixedString<limits::kPeerNameMax> peer_name;
    FixedString<32> verification;
    FixedString<limits::kCallReasonMax> reason;
    int sdp = -1;  // index into sdp_, -1: none
  };

  Slot slots_[limits::kCallEventsQueued];
  FixedString<limits::kSdpMax> sdp_[limits::kCallSdpSlots];
  bool sdp_used_[limits::kCallSdpSlots] = {};
  std::size_t head_ = 0, count_ = 0;
  PoolGauge gauge_{"call_inputs", limits::kCallEventsQueued};
};

}  // namespace dialtone::call
