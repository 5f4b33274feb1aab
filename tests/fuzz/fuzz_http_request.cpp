// HTTP request parser (the local web page's side): every pipelined request
// in the input, each parsed all at once and byte by byte (see http_fuzz.hpp).
#include <cstddef>
#include <cstdint>
#include <span>

#include "tests/fuzz/http_fuzz.hpp"

using namespace dialtone::fuzz;
using dialtone::protocol::HttpRequestParser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static HttpRequestParser whole, split;  // ~40 KB each: keep them off the fuzzer's stack
  std::span<const std::uint8_t> in(data, size);
  // A keep-alive connection: the next request starts where this one ended.
  for (int i = 0; i < 8 && !in.empty(); ++i) {
    whole.reset();
    split.reset();
    HttpRun a = feed_whole(whole, in);
    HttpRun b = feed_bytewise(split, in);
    check_same(whole, a, split, b);
    if (a.status != HttpParseStatus::kComplete || a.consumed == 0) break;
    in = in.subspan(a.consumed);
  }
  return 0;
}
