#include "protocol/common/url.hpp"

#include "firmware/core/ascii.hpp"

namespace dialtone::protocol {

const char* to_string(UrlError e) {
  switch (e) {
    case UrlError::kOk: return "ok";
    case UrlError::kNoScheme: return "no scheme";
    case UrlError::kUnsupportedScheme: return "unsupported scheme";
    case UrlError::kEmptyHost: return "empty host";
    case UrlError::kHostTooLong: return "host too long";
    case UrlError::kBadHost: return "bad host";
    case UrlError::kBadPort: return "bad port";
    case UrlError::kUserInfo: return "user info not allowed";
    case UrlError::kTargetTooLong: return "path and query too long";
    case UrlError::kBadTarget: return "bad character in path or query";
  }
  return "?";
}

namespace {

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

}  // namespace

std::string_view Url::path() const {
  std::string_view t = target.view();
  auto q = t.find('?');
  return q == std::string_view::npos ? t : t.substr(0, q);
}

std::string_view Url::query() const {
  std::string_view t = target.view();
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

UrlError parse_url(std::string_view text, Url& out) {
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return UrlError::kNoScheme;
  std::string_view scheme = text.substr(0, sep);
  if (ascii_iequals(scheme, "https")) out.scheme = Scheme::kHttps;
  else if (ascii_iequals(scheme, "http")) out.scheme = Scheme::kHttp;
  else if (ascii_iequals(scheme, "wss")) out.scheme = Scheme::kWss;
  else if (ascii_iequals(scheme, "ws")) out.scheme = Scheme::kWs;
  else return UrlError::kUnsupportedScheme;

  std::string_view rest = text.substr(sep + 3);
  auto frag = rest.find('#');
  if (frag != std::string_view::npos) rest = rest.substr(0, frag);  // fragments never go on the wire
  auto auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view target = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return UrlError::kUserInfo;

  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return UrlError::kBadHost;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return UrlError::kBadHost;
      port = after.substr(1);
      if (port.empty()) return UrlError::kBadPort;
    }
    for (char c : host)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
        return UrlError::kBadHost;
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return UrlError::kBadPort;
    }
    for (char c : host)
      if (!host_char(c)) return UrlError::kBadHost;
  }
  if (host.empty()) return UrlError::kEmptyHost;
  if (host.size() > limits::kHostMax) return UrlError::kHostTooLong;

  std::uint32_t p = 0;
  if (!port.empty()) {
    if (port.size() > 5) return UrlError::kBadPort;
    for (char c : port) {
      if (c < '0' || c > '9') return UrlError::kBadPort;
      p = p * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (p == 0 || p > 65535) return UrlError::kBadPort;
  } else {
    p = out.secure() ? 443 : 80;
  }

  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return UrlError::kBadTarget;
  // The limit is on the target as stored: a query alone gets its "/" first.
  bool add_slash = target.empty() || target.front() == '?';
  if (target.size() + (add_slash ? 1 : 0) > limits::kUrlMax) return UrlError::kTargetTooLong;

  out.host.assign(host);
  out.port = static_cast<std::uint16_t>(p);
  if (add_slash) {
    out.target.assign("/");
    out.target.append(target);
  } else {
    out.target.assign(target);
  }
  return UrlError::kOk;
}

std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

PercentError percent_decode(std::string_view in, char* out, std::size_t cap, std::size_t& out_len,
                            bool plus_is_space) {
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out_len = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return PercentError::kBadEscape;
      int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
      if (hi < 0 || lo < 0) return PercentError::kBadEscape;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (out_len >= cap) return PercentError::kNoRoom;
    out[out_len++] = c;
  }
  return PercentError::kOk;
}

}  // namespace dialtone::protocol
