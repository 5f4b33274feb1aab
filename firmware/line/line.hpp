// A telephone line as the handset sees it. The YNA line (and later SIP lines)
// implement this; the phone asks it to place, answer and end calls and hears
// back through LineObserver. With no line configured or linked, the phone
// still works as a telephone that explains why it cannot call.
#pragma once
#include <string_view>

namespace dialtone::line {

enum class LineState { kUnlinked, kLinking, kRegistering, kRegistered, kOffline };

inline const char* line_state_name(LineState s) {
  switch (s) {
    case LineState::kUnlinked: return "unlinked";
    case LineState::kLinking: return "linking";
    case LineState::kRegistering: return "registering";
    case LineState::kRegistered: return "registered";
    case LineState::kOffline: return "offline";
  }
  return "?";
}

}  // namespace dialtone::line
