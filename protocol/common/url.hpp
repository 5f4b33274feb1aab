// Absolute URL parsing for the schemes the agent speaks: https, wss (TLS) and
// http, ws (plain TCP: tests and loopback). Pure; copies into fixed buffers so
// a Url outlives the text it came from.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::protocol {

enum class Scheme : std::uint8_t { kHttp, kHttps, kWs, kWss };

enum class UrlError : std::uint8_t {
  kOk,
  kNoScheme,          // no "scheme://"
  kUnsupportedScheme, // not http/https/ws/wss
  kEmptyHost,
  kHostTooLong,       // > limits::kHostMax
  kBadHost,           // characters a host cannot contain, or an unclosed [ipv6]
  kBadPort,           // not 1..65535
  kUserInfo,          // user:pass@ is refused: credentials travel in headers
  kTargetTooLong,     // path+query > limits::kUrlMax
  kBadTarget,         // control characters or spaces in path/query
};
const char* to_string(UrlError e);

struct Url {
  Scheme scheme = Scheme::kHttps;
  FixedString<limits::kHostMax> host;  // without [] for IPv6 literals
  std::uint16_t port = 0;              // explicit or the scheme's default
  FixedString<limits::kUrlMax> target; // path + "?query", "/" when empty; never a fragment

  bool secure() const { return scheme == Scheme::kHttps || scheme == Scheme::kWss; }
  bool default_port() const { return port == (secure() ? 443 : 80); }
  std::string_view path() const;   // target up to '?'
  std::string_view query() const;  // after '?', without it; empty when none
};

UrlError parse_url(std::string_view text, Url& out);

// Decode %XX escapes (any byte, so UTF-8 sequences come out whole). '+' is
// left as it is: that convention belongs to HTML forms, not URLs.
// `plus_is_space` is for application/x-www-form-urlencoded bodies and HTML
// form queries only (the local web page), never for the PoP `uri`.
enum class PercentError : std::uint8_t { kOk, kBadEscape, kNoRoom };
PercentError percent_decode(std::string_view in, char* out, std::size_t cap, std::size_t& out_len,
                            bool plus_is_space = false);

// The raw (still encoded) value of `name` in "a=1&b=2"; nullopt when absent.
std::optional<std::string_view> query_param(std::string_view query, std::string_view name);

// Percent-encode everything outside RFC 3986 unreserved; false when out is full.
template <std::size_t N>
bool percent_encode_append(std::string_view in, FixedString<N>& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : in) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      if (!out.push_back(static_cast<char>(c))) return false;
    } else {
      char esc[3] = {'%', kHex[c >> 4], kHex[c & 15]};
      if (!out.append(std::string_view(esc, 3))) return false;
    }
  }
  return true;
}

}  // namespace dialtone::protocol
