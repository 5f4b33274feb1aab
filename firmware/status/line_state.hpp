// A line's state as the device shows it (the `line` event, `status`, the
// web page), whatever kind of line it is. With no line configured or
// linked, the phone still works as a telephone that explains why it cannot
// call.
#pragma once
#include <string_view>

namespace dialtone::status {

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

// Why a line in state `s` cannot carry a call, in words for the person at
// the phone (status reason, control errors, the log); "" when it can.
inline const char* line_unavailable_reason(LineState s) {
  switch (s) {
    case LineState::kUnlinked: return "no line is linked: open the local web page and choose Link";
    case LineState::kLinking: return "the line is being linked: finish signing in on the network's page";
    case LineState::kRegistering: return "the line is registering with the network: try again in a moment";
    case LineState::kRegistered: return "";
    case LineState::kOffline: return "the network is unreachable: the line keeps retrying by itself";
  }
  return "the line is not available";
}

}  // namespace dialtone::status
