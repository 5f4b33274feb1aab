// Small readings of a SIP message the call engine needs beyond SipMessage's
// accessors: the methods in Allow (which oSIP parses into a list of its own)
// and the delta-seconds of Min-SE (RFC 4028).
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/sip/sip_message.hpp"

namespace dialtone::protocol::sip {

// Does an Allow header list `method`? nullopt when the message has no Allow
// at all (RFC 3261 20.5: then nothing is known either way).
std::optional<bool> allows_method(const SipMessage& m, std::string_view method);

// Min-SE's delta-seconds (RFC 4028 5); nullopt when absent or not a number.
std::optional<std::uint32_t> min_se(const SipMessage& m);

}  // namespace dialtone::protocol::sip
