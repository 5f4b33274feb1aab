#include "firmware/call/call_types.hpp"

namespace dialtone::call {

const char* state_name(State s) {
  switch (s) {
    case State::kIdle: return "idle";
    case State::kDialing: return "dialing";
    case State::kProceeding: return "proceeding";
    case State::kRinging: return "ringing";
    case State::kWaiting: return "waiting";
    case State::kAnswering: return "ringing";
    case State::kEarly: return "early";
    case State::kConnected: return "connected";
    case State::kHeld: return "held";
    case State::kRemoteHeld: return "remote_held";
    case State::kEnded: return "ended";
  }
  return "?";
}

const char* end_reason_name(EndReason r) {
  switch (r) {
    case EndReason::kTerminated: return "Terminated";
    case EndReason::kDeclined: return "Declined";
    case EndReason::kBusy: return "Busy";
  }
  return "Terminated";
}

}  // namespace dialtone::call
