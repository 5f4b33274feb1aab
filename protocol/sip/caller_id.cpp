#include "protocol/sip/caller_id.hpp"

namespace dialtone::protocol::sip {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool has_scheme(std::string_view uri) {
  std::size_t colon = uri.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    char c = uri[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && ((c >= '0' && c <= '9') || c == '+' ||
                                                                            c == '-' || c == '.'));
    if (!ok) return false;
  }
  return true;
}

}  // namespace

const char* to_string(NameAddrError e) {
  switch (e) {
    case NameAddrError::kOk: return "ok";
    case NameAddrError::kEmpty: return "empty";
    case NameAddrError::kUnclosedQuote: return "unclosed quoted display name";
    case NameAddrError::kUnclosedAngle: return "unclosed <";
    case NameAddrError::kNoScheme: return "URI without a scheme";
  }
  return "?";
}

NameAddrError parse_name_addr(std::string_view value, NameAddr& out) {
  value = trim(value);
  if (value.empty()) return NameAddrError::kEmpty;
  std::size_t i = 0;
  std::string_view display;
  if (value[0] == '"') {
    // quoted-string: a backslash escapes the next character, '"' included.
    for (i = 1; i < value.size() && value[i] != '"'; ++i)
      if (value[i] == '\\') ++i;
    if (i >= value.size()) return NameAddrError::kUnclosedQuote;
    display = value.substr(0, i + 1);
    ++i;
  }
  std::size_t lt = value.find('<', i);
  // A comma outside <> ends the first identity (PAI lists two).
  std::size_t comma = value.find(',', i);
  if (lt != std::string_view::npos && (comma == std::string_view::npos || lt < comma)) {
    if (display.empty()) display = trim(value.substr(0, lt));
    std::size_t gt = value.find('>', lt);
    if (gt == std::string_view::npos) return NameAddrError::kUnclosedAngle;
    out.uri = trim(value.substr(lt + 1, gt - lt - 1));
  } else {
    if (!display.empty()) return NameAddrError::kUnclosedAngle;  // "name" without <uri>
    // addr-spec: what follows ';' are the header's parameters, not the URI's.
    std::string_view spec = value.substr(0, comma);
    out.uri = trim(spec.substr(0, spec.find(';')));
  }
  if (!has_scheme(out.uri)) return NameAddrError::kNoScheme;
  out.display = display;
  return NameAddrError::kOk;
}

std::string_view uri_user(std::string_view uri) {
  std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos) return {};
  std::string_view scheme = uri.substr(0, colon);
  std::string_view rest = uri.substr(colon + 1);
  if (scheme.size() == 3 && (scheme[0] | 0x20) == 't' && (scheme[1] | 0x20) == 'e' && (scheme[2] | 0x20) == 'l')
    return rest.substr(0, rest.find(';'));
  // sip/sips: userinfo ends at '@'; a ':' in it starts a password, never shown.
  std::size_t at = rest.find('@');
  if (at == std::string_view::npos) return {};
  std::string_view userinfo = rest.substr(0, at);
  return userinfo.substr(0, userinfo.find(':'));
}

void unquote_display_name(std::string_view display, FixedString<limits::kPeerNameMax>& out) {
  out.clear();
  display = trim(display);
  if (display.size() >= 2 && display.front() == '"' && display.back() == '"') {
    display = display.substr(1, display.size() - 2);
    for (std::size_t i = 0; i < display.size(); ++i) {
      if (display[i] == '\\' && i + 1 < display.size()) ++i;
      if (!out.push_back(display[i])) return;
    }
    return;
  }
  out.assign(display);
}

NameAddrError caller_id(std::string_view p_asserted_identity, std::string_view from, CallerId& out) {
  NameAddr pai{}, fr{};
  NameAddrError from_err = parse_name_addr(from, fr);
  bool have_pai = !trim(p_asserted_identity).empty() &&
                  parse_name_addr(p_asserted_identity, pai) == NameAddrError::kOk;
  out.peer.clear();
  out.peer_name.clear();
  if (have_pai) {
    out.peer.assign(uri_user(pai.uri));
    unquote_display_name(pai.display, out.peer_name);
    if (out.peer_name.empty() && from_err == NameAddrError::kOk) unquote_display_name(fr.display, out.peer_name);
    return NameAddrError::kOk;
  }
  if (from_err != NameAddrError::kOk) return from_err;
  out.peer.assign(uri_user(fr.uri));
  unquote_display_name(fr.display, out.peer_name);
  return NameAddrError::kOk;
}

}  // namespace dialtone::protocol::sip
