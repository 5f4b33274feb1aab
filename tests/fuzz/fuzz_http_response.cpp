// HTTP response parser (the REST client's side), parsed all at once and byte
// by byte (see http_fuzz.hpp), and once more as the answer to a HEAD request.
#include <cstddef>
#include <cstdint>
#include <span>

#include "tests/fuzz/http_fuzz.hpp"

using namespace dialtone::fuzz;
using dialtone::protocol::HttpResponseParser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static HttpResponseParser whole, split;  // ~40 KB each: keep them off the fuzzer's stack
  std::span<const std::uint8_t> in(data, size);
  whole.reset();
  split.reset();
  HttpRun a = feed_whole(whole, in);
  HttpRun b = feed_bytewise(split, in);
  check_same(whole, a, split, b);
  // Nothing follows a 101's headers but WebSocket bytes, which stay unread.
  if (a.status == HttpParseStatus::kComplete && whole.status() == 101) check(whole.body().empty());

  whole.reset();
  whole.expect_no_body();
  HttpRun h = feed_whole(whole, in);
  if (h.status == HttpParseStatus::kComplete) check(whole.body().empty());
  return 0;
}
