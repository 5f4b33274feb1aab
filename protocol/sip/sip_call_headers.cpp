#include "protocol/sip/sip_call_headers.hpp"

#include <span>

#include "firmware/core/ascii.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::protocol::sip {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<bool> allows_method(const SipMessage& m, std::string_view method) {
  // oSIP parses Allow into a list of its own, which SipMessage::header()
  // does not see; the message as written out shows it. Written into a
  // static buffer (one thread), Allow lines read up to the blank line.
  static char text[limits::kSipMessageMax];
  std::size_t len = 0;
  if (m.serialize(std::span<char>(text, sizeof text), len) != SipError::kOk) return std::nullopt;
  std::string_view rest(text, len);
  rest.remove_prefix(rest.find("\r\n") == std::string_view::npos ? rest.size() : rest.find("\r\n") + 2);
  bool listed = false;
  while (!rest.empty()) {
    std::size_t eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    if (line.empty()) break;  // the end of the headers
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !ascii_iequals(trim(line.substr(0, colon)), "Allow")) continue;
    listed = true;
    std::string_view list = line.substr(colon + 1);
    while (!list.empty()) {
      std::size_t comma = list.find(',');
      if (ascii_iequals(trim(list.substr(0, comma)), method)) return true;
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
  }
  if (!listed) return std::nullopt;
  return false;
}

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
