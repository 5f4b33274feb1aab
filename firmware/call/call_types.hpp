// The vocabulary of a telephone call, shared by the call machine, the call
// layer and every line adapter. Nothing here names a YNA endpoint or a SIP
// method: a line adapter translates its protocol into these words and back.
#pragma once
#include <cstdint>

namespace dialtone::call {

enum class Direction : std::uint8_t { kOut, kIn };

// A call's state. Each maps to one `state` of the control socket's call
// event (device-control.md); kAnswering is the moment between the person
// answering and the line confirming it, which the contract calls ringing.
enum class State : std::uint8_t {
  kIdle,
  kDialing,     // our offer is being gathered or is on its way
  kProceeding,  // the line took the call; no ringing yet
  kRinging,     // outgoing: the far end rings; incoming: this phone rings
  kWaiting,     // incoming during another call, announced by the call-waiting tone
  kAnswering,   // incoming: answered here, the line has not confirmed yet
  kEarly,       // outgoing: the network's early media plays
  kConnected,
  kHeld,        // held from here
  kRemoteHeld,  // held by the far end
  kEnded,
};
const char* state_name(State s);

enum class MediaDirection : std::uint8_t { kSendRecv, kSendOnly, kRecvOnly, kInactive };

// Why this device makes an offer.
enum class OfferPurpose : std::uint8_t { kCall, kHold, kResume, kRestart };
// Why the far end made the offer this device answers.
enum class RemotePurpose : std::uint8_t { kCall, kHold, kResume, kUpdate };

// How a call ended, as the far end or the line reported it.
enum class EndCause : std::uint8_t {
  kTerminated, kBusy, kDeclined, kNoAnswer, kNotReachable, kFailed, kCancelled,
};

// What this device tells the far end when it ends a call.
enum class EndReason : std::uint8_t { kTerminated, kDeclined, kBusy };
const char* end_reason_name(EndReason r);  // "Terminated", "Declined", "Busy"

// Which signal of ours a line could not deliver.
enum class Signal : std::uint8_t { kAlerting, kAnswer, kOffer, kOfferAnswer };

}  // namespace dialtone::call
