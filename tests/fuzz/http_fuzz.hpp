// Shared by the HTTP request and response targets: parse the same bytes all
// at once and one byte per feed(), and trap when the two disagree.
// http-parser hands a URL, header or body over in as many pieces as the
// input arrives in, and the wrapper must join them into the same message
// whatever the split (a TLS record boundary can fall anywhere).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/http/http_parser.hpp"

namespace dialtone::fuzz {

using protocol::HttpMessageParser;
using protocol::HttpParseStatus;

struct HttpRun {
  HttpParseStatus status = HttpParseStatus::kNeedMore;
  std::size_t consumed = 0;
};

inline HttpRun feed_whole(HttpMessageParser& p, std::span<const std::uint8_t> in) {
  auto r = p.feed(in);
  HttpRun run{r.status, r.consumed};
  if (run.status == HttpParseStatus::kNeedMore) run.status = p.finish();  // the peer closed
  return run;
}

inline HttpRun feed_bytewise(HttpMessageParser& p, std::span<const std::uint8_t> in) {
  HttpRun run;
  for (std::size_t i = 0; i < in.size() && run.status == HttpParseStatus::kNeedMore; ++i) {
    auto r = p.feed(in.subspan(i, 1));
    run.status = r.status;
    run.consumed += r.consumed;
  }
  if (run.status == HttpParseStatus::kNeedMore) run.status = p.finish();
  return run;
}

inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Everything a caller may read from a parser, for two parsers that saw the
// same bytes. Of a refused message only the refusal is compared: which of
// two faults is named first (an over-long header list, a bad character
// further on) depends on where the callbacks were split.
inline void check_same(const HttpMessageParser& a, const HttpRun& ra, const HttpMessageParser& b, const HttpRun& rb) {
  check(ra.status == rb.status);
  if (ra.status != HttpParseStatus::kComplete) return;
  check(ra.consumed == rb.consumed);
  check(a.status() == b.status());
  check(a.method() == b.method());
  check(a.target() == b.target());
  check(a.path() == b.path() && a.query() == b.query());
  check(a.keep_alive() == b.keep_alive());
  check(a.upgrade() == b.upgrade());
  check(a.body() == b.body());
  check(a.headers().size() == b.headers().size());
  for (std::size_t i = 0; i < a.headers().size(); ++i) {
    check(a.headers()[i].name == b.headers()[i].name);
    check(a.headers()[i].value == b.headers()[i].value);
  }
  // What the client and the web server look up.
  for (std::string_view name : {"content-length", "content-type", "connection", "retry-after", "location"})
    check(a.header(name) == b.header(name));
  check(a.path().size() + (a.query().empty() ? 0 : a.query().size() + 1) <= a.target().size());
}

}  // namespace dialtone::fuzz
