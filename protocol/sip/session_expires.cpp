#include "protocol/sip/session_expires.hpp"

#include "firmware/core/ascii.hpp"

namespace dialtone::protocol::sip {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// delta-seconds: 1*DIGIT. Values beyond 2^32-1 are clamped by RFC 3261's
// rule for delta-seconds overflow (section 25.1: "2**32-1").
bool parse_delta(std::string_view v, std::uint32_t& out) {
  v = trim(v);
  if (v.empty()) return false;
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (n > 0xffffffffu) n = 0xffffffffu;
  }
  out = static_cast<std::uint32_t>(n);
  return true;
}

}  // namespace

const char* to_string(SessionExpiresError e) {
  switch (e) {
    case SessionExpiresError::kOk: return "ok";
    case SessionExpiresError::kBadDelta: return "not a number of seconds";
    case SessionExpiresError::kBadRefresher: return "refresher is neither uac nor uas";
  }
  return "?";
}

SessionExpiresError parse_session_expires(std::string_view value, SessionExpires& out) {
  std::size_t semi = value.find(';');
  SessionExpires r;
  if (!parse_delta(value.substr(0, semi), r.seconds)) return SessionExpiresError::kBadDelta;
  while (semi != std::string_view::npos) {
    value = value.substr(semi + 1);
    semi = value.find(';');
    std::string_view param = trim(value.substr(0, semi));
    std::size_t eq = param.find('=');
    std::string_view name = trim(param.substr(0, eq));
    if (!ascii_iequals(name, "refresher")) continue;  // generic-param
    std::string_view v = eq == std::string_view::npos ? std::string_view{} : trim(param.substr(eq + 1));
    if (ascii_iequals(v, "uac")) r.refresher = Refresher::kUac;
    else if (ascii_iequals(v, "uas")) r.refresher = Refresher::kUas;
    else return SessionExpiresError::kBadRefresher;
  }
  out = r;
  return SessionExpiresError::kOk;
}

SessionExpiresError parse_min_se(std::string_view value, std::uint32_t& seconds) {
  std::uint32_t s = 0;
  if (!parse_delta(value.substr(0, value.find(';')), s)) return SessionExpiresError::kBadDelta;
  seconds = s;
  return SessionExpiresError::kOk;
}

}  // namespace dialtone::protocol::sip
