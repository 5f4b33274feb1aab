// URL parser (configured base URLs, the channelUrl the network sends, the
// web page's redirect targets) and the query helpers the OAuth callback
// uses. An accepted URL, written back out from its parts, must parse to the
// same parts.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "protocol/common/url.hpp"

using namespace dialtone;
using namespace dialtone::protocol;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

const char* scheme_name(Scheme s) {
  switch (s) {
    case Scheme::kHttp: return "http";
    case Scheme::kHttps: return "https";
    case Scheme::kWs: return "ws";
    case Scheme::kWss: return "wss";
  }
  return "?";
}

void decode_both_ways(std::string_view s) {
  static std::array<char, 4096> out;
  for (bool plus : {false, true}) {
    std::size_t len = 0;
    PercentError e = percent_decode(s, out.data(), out.size(), len, plus);
    check(len <= s.size() && len <= out.size());
    if (e == PercentError::kOk && s.find('%') == std::string_view::npos) check(len == s.size());
    // A small buffer must say so rather than overrun.
    e = percent_decode(s, out.data(), 8, len, plus);
    check(len <= 8);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Url url, again;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  UrlError e = parse_url(text, url);
  to_string(e);
  if (e == UrlError::kOk) {
    check(!url.host.empty() && url.port != 0 && !url.target.empty() && url.target.view().front() == '/');
    check(url.path().size() <= url.target.size() && url.query().size() < url.target.size());
    static FixedString<limits::kHostMax + limits::kUrlMax + 32> text2;
    bool v6 = url.host.view().find(':') != std::string_view::npos;
    char port[8];
    std::snprintf(port, sizeof port, ":%u", static_cast<unsigned>(url.port));
    text2.assign(scheme_name(url.scheme));
    text2.append("://");
    text2.append(v6 ? "[" : "");
    text2.append(url.host.view());
    text2.append(v6 ? "]" : "");
    text2.append(port);
    check(text2.append(url.target.view()));
    check(parse_url(text2.view(), again) == UrlError::kOk);
    check(again.scheme == url.scheme && again.host.view() == url.host.view() && again.port == url.port &&
          again.target.view() == url.target.view());
    for (std::string_view name : {"code", "state", "error"})
      if (auto v = query_param(url.query(), name)) decode_both_ways(*v);
  }
  decode_both_ways(text);
  query_param(text, "code");
  return 0;
}
