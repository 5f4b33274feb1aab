// Who is calling, from the value of a P-Asserted-Identity (RFC 3325) or
// From header: the display name and the user part of the URI, the two
// things a phone shows. Pure; copies into fixed strings, truncating a name
// longer than the call event can carry (a caller ID is shown, not routed).
//
//   "Alice \"A\" Smith" <sip:+15551234567@example.com;user=phone>;tag=9f
//   Bob <sips:bob@example.com>
//   <tel:+15551234567;phone-context=+1>
//   sip:carol@example.com;tag=1        (addr-spec: parameters are the header's)
//
// P-Asserted-Identity may list two identities (a SIP URI and a tel URI):
// the first is taken.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::protocol::sip {

enum class NameAddrError : std::uint8_t {
  kOk,
  kEmpty,
  kUnclosedQuote,
  kUnclosedAngle,
  kNoScheme,  // the URI has no "scheme:"
};
const char* to_string(NameAddrError e);

struct NameAddr {
  std::string_view display;  // raw: still quoted and escaped, empty when absent
  std::string_view uri;      // without the angle brackets
};

// The first name-addr or addr-spec of a header value.
NameAddrError parse_name_addr(std::string_view value, NameAddr& out);

// The user part: "sip:+1555@host" -> "+1555"; "tel:+1555;x=y" -> "+1555";
// "sip:host" -> "" (no user). Percent escapes are left as they are.
std::string_view uri_user(std::string_view uri);

struct CallerId {
  FixedString<limits::kPeerMax> peer;           // user part of the URI
  FixedString<limits::kPeerNameMax> peer_name;  // display name, unquoted
};

// Display name unquoted and unescaped (RFC 3261 quoted-pair); a token
// display name has its surrounding white space dropped.
void unquote_display_name(std::string_view display, FixedString<limits::kPeerNameMax>& out);

// P-Asserted-Identity when present and readable, else From. A PAI without
// a display name borrows From's (the same caller, as the network sent it).
NameAddrError caller_id(std::string_view p_asserted_identity, std::string_view from, CallerId& out);

}  // namespace dialtone::protocol::sip
