// What the SIP call engine's source files share: the SDP media type, our
// Allow list, and the one message being built at a time. Not for use
// outside protocol/sip/sip_call*.cpp.
#pragma once
#include <span>
#include <string_view>

#include "firmware/core/limits.hpp"
#include "firmware/core/log.hpp"
#include "protocol/sip/sip_message.hpp"

namespace dialtone::protocol::sip::call_parts {

inline constexpr std::string_view kSdpType = "application/sdp";
inline constexpr std::string_view kAllow = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE";

// One message is built at a time, handed on (serialized) and dropped, so its
// oSIP memory goes back to the pool at once. Everything runs on the loop's
// thread.
inline SipMessage& scratch_message() {
  static SipMessage m;
  return m;
}

// A message written out before it is copied into the slot that keeps it.
inline std::span<char> wire_buffer() {
  static char buf[limits::kSipMessageMax];
  return std::span<char>(buf, sizeof buf);
}

inline void log_build(const char* what, SipError e) {
  DT_LOGW("sip", "%s could not be built: %s", what, to_string(e));
}

}  // namespace dialtone::protocol::sip::call_parts
