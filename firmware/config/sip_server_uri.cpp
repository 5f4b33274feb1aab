#include "firmware/config/sip_server_uri.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "firmware/core/ascii.hpp"

namespace dialtone::config {

const char* to_string(SipUriError e) {
  switch (e) {
    case SipUriError::kOk: return "ok";
    case SipUriError::kScheme: return "must be a sip: or sips: URI";
    case SipUriError::kUserInfo: return "must name a server, not a user (no user@)";
    case SipUriError::kEmptyHost: return "has no host";
    case SipUriError::kHostTooLong: return "has a host name longer than 253 characters";
    case SipUriError::kBadHost: return "has a host that is not a name, an IPv4 address or an [IPv6] address";
    case SipUriError::kBadPort: return "has a port that is not 1 to 65535";
    case SipUriError::kBadParam: return "has a malformed ;parameter";
    case SipUriError::kHeaders: return "must not carry ?headers";
  }
  return "is malformed";
}

namespace {

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 3261 25.1: paramchar = param-unreserved / unreserved / escaped.
bool param_char(char c) {
  return alnum(c) || std::strchr("[]/:&+$-_.!~*'()%", c) != nullptr;
}

bool address(int family, std::string_view s) {
  char text[64];
  if (s.empty() || s.size() >= sizeof text) return false;
  std::memcpy(text, s.data(), s.size());
  text[s.size()] = '\0';
  unsigned char bytes[16];
  return inet_pton(family, text, bytes) == 1;
}

// hostname = *( domainlabel "." ) toplabel [ "." ], labels of letters,
// digits and inner hyphens; all digits and dots must be a valid IPv4 address.
bool host_name_ok(std::string_view h) {
  if (!h.empty() && h.back() == '.') h.remove_suffix(1);
  if (h.empty()) return false;
  bool digits_only = true;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= h.size(); ++i) {
    char c = i < h.size() ? h[i] : '.';
    if (c == '.') {
      if (label == 0 || h[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    if (!alnum(c) && c != '-') return false;
    if (c == '-' && label == 0) return false;
    if (!(c >= '0' && c <= '9')) digits_only = false;
    ++label;
  }
  return !digits_only || address(AF_INET, h);
}

}  // namespace

SipUriError parse_sip_server_uri(std::string_view text, SipServerUri& out) {
  out = SipServerUri{};
  std::string_view rest;
  if (text.size() > 4 && ascii_iequals(text.substr(0, 4), "sip:")) {
    rest = text.substr(4);
  } else if (text.size() > 5 && ascii_iequals(text.substr(0, 5), "sips:")) {
    out.sips = true;
    rest = text.substr(5);
  } else {
    return SipUriError::kScheme;
  }
  std::size_t end = rest.find_first_of(";?");
  std::string_view hostport = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (hostport.find('@') != std::string_view::npos) return SipUriError::kUserInfo;

  std::string_view host, port;
  if (!hostport.empty() && hostport.front() == '[') {
    std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) return SipUriError::kBadHost;
    host = hostport.substr(1, close - 1);
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return SipUriError::kBadHost;
      port = after.substr(1);
      if (port.empty()) return SipUriError::kBadPort;
    }
    if (host.empty()) return SipUriError::kEmptyHost;
    if (!address(AF_INET6, host)) return SipUriError::kBadHost;
  } else {
    std::size_t colon = hostport.find(':');
    host = hostport.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = hostport.substr(colon + 1);
      if (port.empty()) return SipUriError::kBadPort;
    }
    if (host.empty()) return SipUriError::kEmptyHost;
    if (host.size() > limits::kHostMax) return SipUriError::kHostTooLong;
    if (!host_name_ok(host)) return SipUriError::kBadHost;
  }
  if (!port.empty()) {
    unsigned v = 0;
    if (port.size() > 5) return SipUriError::kBadPort;
    for (char c : port) {
      if (c < '0' || c > '9') return SipUriError::kBadPort;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > 65535) return SipUriError::kBadPort;
    out.port = static_cast<std::uint16_t>(v);
  }
  if (!out.host.assign(host)) return SipUriError::kHostTooLong;

  // ;name[=value] parameters up to any ?headers.
  while (!tail.empty()) {
    if (tail.front() == '?') return SipUriError::kHeaders;
    tail.remove_prefix(1);  // ';'
    std::size_t next = tail.find_first_of(";?");
    std::string_view param = tail.substr(0, next);
    tail = next == std::string_view::npos ? std::string_view{} : tail.substr(next);
    if (param.empty()) return SipUriError::kBadParam;
    std::size_t eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
    if (name.empty() || (eq != std::string_view::npos && value.empty())) return SipUriError::kBadParam;
    for (char c : name)
      if (!param_char(c)) return SipUriError::kBadParam;
    for (char c : value)
      if (!param_char(c)) return SipUriError::kBadParam;
    if (ascii_iequals(name, "transport")) {
      if (!out.transport.assign(value)) return SipUriError::kBadParam;
      for (std::size_t i = 0; i < value.size(); ++i) out.transport.data()[i] = ascii_lower(value[i]);
    }
  }
  return SipUriError::kOk;
}

}  // namespace dialtone::config
