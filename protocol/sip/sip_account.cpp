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

std::string_view sip_uri_host(std::string_view uri) {
  std::string_view rest;
  if (uri.size() > 4 && ascii_iequals(uri.substr(0, 4), "sip:")) {
    rest = uri.substr(4);
  } else if (uri.size() > 5 && ascii_iequals(uri.substr(0, 5), "sips:")) {
    rest = uri.substr(5);
  } else {
    return {};
  }
  // userinfo ends at the last '@' before any parameter or header.
  std::size_t end = rest.find_first_of(";?");
  std::size_t at = rest.substr(0, end).rfind('@');
  if (at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    std::size_t close = rest.find(']');
    return close == std::string_view::npos ? std::string_view{} : rest.substr(1, close - 1);
  }
  return rest.substr(0, rest.find_first_of(":;?"));
}

}  // namespace dialtone::protocol::sip
