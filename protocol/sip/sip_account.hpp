// One SIP account, as the registration engine uses it (sip-line.md section 1).
// Reading it from the device configuration is the configuration's job; this
// is only the shape. The password is used for digest answers and never
// written anywhere else (logs, status, reasons).
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::protocol::sip {

struct SipAccount {
  enum class Transport : std::uint8_t { kUdp, kTcp, kTls };

  FixedString<limits::kSipUriMax> registrar;       // sip: or sips: URI; its host is the realm
  FixedString<limits::kSipCredentialMax> username;        // user part of the AOR
  FixedString<limits::kSipCredentialMax> auth_username;   // empty: username
  FixedString<limits::kSipCredentialMax> password;
  FixedString<limits::kSipDisplayNameMax> display_name;   // may be empty
  Transport transport = Transport::kUdp;
  FixedString<limits::kSipUriMax> outbound_proxy;  // empty: none
  std::uint32_t expires_s = 600;
  std::uint32_t keepalive_s = 25;  // 0: no keep-alive

  std::string_view digest_username() const { return auth_username.empty() ? username.view() : auth_username.view(); }
};

// "udp", "tcp", "tls": the configuration's words, and the Contact's
// transport parameter.
const char* to_string(SipAccount::Transport t);

// The user, host and port of a sip:/sips: URI, as far as registration
// compares them: "sip:desk-101@[2001:db8::1]:5070;transport=tcp" -> user
// "desk-101", host "2001:db8::1" (no brackets), port 5070 (0 when none).
struct SipUriParts {
  std::string_view user;  // empty when none
  std::string_view host;
  std::uint16_t port = 0;
};
// False when the text is not such a URI (another scheme, no host, a bad port).
bool sip_uri_parts(std::string_view uri, SipUriParts& out);
// Its host, or empty.
std::string_view sip_uri_host(std::string_view uri);

}  // namespace dialtone::protocol::sip
