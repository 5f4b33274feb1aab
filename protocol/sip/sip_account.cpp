#include "protocol/sip/sip_account.hpp"

#include "firmware/core/ascii.hpp"

namespace dialtone::protocol::sip {

const char* to_string(SipAccount::Transport t) {
  switch (t) {
    case SipAccount::Transport::kUdp: return "udp";
    case SipAccount::Transport::kTcp: return "tcp";
    case SipAccount::Transport::kTls: return "tls";
  }
  return "?";
}

bool sip_uri_parts(std::string_view uri, SipUriParts& out) {
  out = SipUriParts{};
  std::string_view rest;
  if (uri.size() > 4 && ascii_iequals(uri.substr(0, 4), "sip:")) {
    rest = uri.substr(4);
  } else if (uri.size() > 5 && ascii_iequals(uri.substr(0, 5), "sips:")) {
    rest = uri.substr(5);
  } else {
    return false;
  }
  rest = rest.substr(0, rest.find_first_of(";?"));
  // userinfo ends at the last '@'; a password after ':' is not kept.
  std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    out.user = rest.substr(0, at);
    out.user = out.user.substr(0, out.user.find(':'));
    rest = rest.substr(at + 1);
  }
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return false;
    out.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    if (!rest.empty()) port = rest.substr(1);
  } else {
    std::size_t colon = rest.find(':');
    out.host = rest.substr(0, colon);
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (out.host.empty()) return false;
  if (rest.find(':') != std::string_view::npos) {
    if (port.empty() || port.size() > 5) return false;
    std::uint32_t p = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
      p = p * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (p == 0 || p > 65535) return false;
    out.port = static_cast<std::uint16_t>(p);
  }
  return true;
}

std::string_view sip_uri_host(std::string_view uri) {
  SipUriParts p;
  return sip_uri_parts(uri, p) ? p.host : std::string_view{};
}

}  // namespace dialtone::protocol::sip
