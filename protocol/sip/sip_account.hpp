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

  FixedString<limits::kSipAccountUriMax> registrar;       // sip: or sips: URI; its host is the realm
  FixedString<limits::kSipCredentialMax> username;        // user part of the AOR
  FixedString<limits::kSipCredentialMax> auth_username;   // empty: username
  FixedString<limits::kSipCredentialMax> password;
  FixedString<limits::kSipDisplayNameMax> display_name;   // may be empty
  Transport transport = Transport::kUdp;
  FixedString<limits::kSipAccountUriMax> outbound_proxy;  // empty: none
  std::uint32_t expires_s = 600;
  std::uint32_t keepalive_s = 25;  // 0: no keep-alive

  std::string_view digest_username() const { return auth_username.empty() ? username.view() : auth_username.view(); }
};

// "udp", "tcp", "tls": the configuration's words, and the Contact's
// transport parameter.
const char* to_string(SipAccount::Transport t);

// The host of a sip:/sips: URI ("sip:acme.example.com:5070;transport=tcp" ->
// "acme.example.com", "sip:[2001:db8::1]" -> "2001:db8::1"); empty when the
// text is not such a URI.
std::string_view sip_uri_host(std::string_view uri);

}  // namespace dialtone::protocol::sip
