#include "media/session/candidate_line.hpp"

#include <charconv>

#include "firmware/core/ascii.hpp"

namespace dialtone::media {
namespace {

std::string_view next_token(std::string_view& s) {
  std::size_t b = s.find_first_not_of(' ');
  if (b == std::string_view::npos) {
    s = {};
    return {};
  }
  s.remove_prefix(b);
  std::size_t e = s.find(' ');
  std::string_view t = s.substr(0, e);
  s.remove_prefix(e == std::string_view::npos ? s.size() : e);
  return t;
}

template <typename T>
bool to_uint(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

bool candidate_from_line(std::string_view line, sdp::Candidate& c) {
  if (line.starts_with("a=")) line.remove_prefix(2);
  if (!line.starts_with("candidate:")) return false;
  line.remove_prefix(10);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  std::string_view foundation = next_token(line), component = next_token(line), transport = next_token(line),
                   priority = next_token(line), address = next_token(line), port = next_token(line),
                   typ = next_token(line), type = next_token(line);
  if (typ != "typ" || !ascii_iequals(transport, "udp")) return false;
  if (!c.foundation.assign(foundation) || !to_uint(component, c.component) || c.component != 1 ||
      !to_uint(priority, c.priority) || !c.address.assign(address) || !to_uint(port, c.port))
    return false;
  if (type == "host") c.type = sdp::CandidateType::kHost;
  else if (type == "srflx") c.type = sdp::CandidateType::kSrflx;
  else if (type == "prflx") c.type = sdp::CandidateType::kPrflx;
  else if (type == "relay") c.type = sdp::CandidateType::kRelay;
  else return false;
  c.related_address.clear();
  c.related_port = 0;
  for (;;) {
    std::string_view name = next_token(line);
    if (name.empty()) break;
    std::string_view value = next_token(line);
    if (name == "raddr") c.related_address.assign(value);
    if (name == "rport") to_uint(value, c.related_port);
  }
  return true;
}

}  // namespace dialtone::media
