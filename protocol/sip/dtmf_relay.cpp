#include "protocol/sip/dtmf_relay.hpp"

#include "firmware/core/ascii.hpp"

namespace dialtone::protocol::sip {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool signal_digit(std::string_view v, char& out) {
  if (v.size() == 1) {
    char c = v[0];
    if ((c >= '0' && c <= '9') || c == '*' || c == '#') { out = c; return true; }
    if (c >= 'a' && c <= 'd') c = static_cast<char>(c - 'a' + 'A');
    if (c >= 'A' && c <= 'D') { out = c; return true; }
    return false;
  }
  if (v == "10") { out = '*'; return true; }
  if (v == "11") { out = '#'; return true; }
  return false;
}

bool parse_uint(std::string_view v, std::uint32_t& out) {
  if (v.empty() || v.size() > 9) return false;
  std::uint32_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
  }
  out = n;
  return true;
}

}  // namespace

const char* to_string(DtmfRelayError e) {
  switch (e) {
    case DtmfRelayError::kOk: return "ok";
    case DtmfRelayError::kNoSignal: return "no Signal line";
    case DtmfRelayError::kBadSignal: return "Signal is not a DTMF key";
    case DtmfRelayError::kBadDuration: return "Duration is not a number";
  }
  return "?";
}

DtmfRelayError parse_dtmf_relay(std::string_view body, DtmfRelay& out) {
  bool have_signal = false;
  DtmfRelay r;
  while (!body.empty()) {
    std::size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;  // blank or foreign lines are not ours to judge
    std::string_view name = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (ascii_iequals(name, "Signal")) {
      if (!signal_digit(value, r.digit)) return DtmfRelayError::kBadSignal;
      have_signal = true;
    } else if (ascii_iequals(name, "Duration")) {
      if (!parse_uint(value, r.duration_ms)) return DtmfRelayError::kBadDuration;
    }
  }
  if (!have_signal) return DtmfRelayError::kNoSignal;
  out = r;
  return DtmfRelayError::kOk;
}

}  // namespace dialtone::protocol::sip
