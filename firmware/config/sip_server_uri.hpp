// The sip: or sips: URI of a server the SIP line talks to (the registrar,
// the outbound proxy), split into what the transport needs: scheme, host,
// port and the transport parameter. Pure; used when the configuration is
// read, so a URI the line could not use is refused by key at start-up.
//
// A server URI names no user (RFC 3261 10.2: the REGISTER Request-URI has no
// userinfo) and carries no headers ("?..."); parameters such as ";lr" are
// kept as written in the URI and only `transport=` is read.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::config {

enum class SipUriError : std::uint8_t {
  kOk,
  kScheme,       // not sip: or sips:
  kUserInfo,     // user@ in a server URI
  kEmptyHost,
  kHostTooLong,  // > limits::kHostMax
  kBadHost,      // not a host name, IPv4 address or [IPv6] reference
  kBadPort,      // not 1..65535
  kBadParam,     // characters a URI parameter cannot hold, or an empty one
  kHeaders,      // "?header=value" in a server URI
};
// The reason in words, to follow the key: "must be a sip: or sips: URI".
const char* to_string(SipUriError e);

struct SipServerUri {
  bool sips = false;
  FixedString<limits::kHostMax> host;  // without [] for an IPv6 reference
  std::uint16_t port = 0;              // 0: none written
  FixedString<8> transport;            // the transport= parameter, lower case; empty: none
};

SipUriError parse_sip_server_uri(std::string_view text, SipServerUri& out);

}  // namespace dialtone::config
