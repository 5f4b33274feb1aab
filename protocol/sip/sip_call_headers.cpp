#include "protocol/sip/sip_call_headers.hpp"

namespace dialtone::protocol::sip {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<bool> allows_method(const SipMessage& m, std::string_view method) { return m.allows(method); }

std::optional<std::uint32_t> min_se(const SipMessage& m) {
  auto v = m.header("Min-SE");
  if (!v) return std::nullopt;
  std::string_view s = trim(v->substr(0, v->find(';')));
  if (s.empty() || s.size() > 9) return std::nullopt;
  std::uint32_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return n;
}

}  // namespace dialtone::protocol::sip
