// SIP stream framing (protocol/sip/stream_framing): whatever the server
// sends, in whatever pieces, every message handed out is an exact slice of
// the stream, no larger than the limit, and the items account for every
// byte: messages, keep-alives, refused messages skipped whole, and what is
// still buffered. The first byte picks the read size.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "protocol/sip/stream_framing.hpp"

using namespace dialtone;
using namespace dialtone::protocol::sip;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void crlf_only(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) check(p[i] == '\r' || p[i] == '\n');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static SipStreamFramer framer;  // one maximal message: off the stack
  framer.reset();
  std::size_t chunk = 1 + data[0] % 97;
  const std::uint8_t* in = data + 1;
  std::size_t n = size - 1;

  // The pure scan on the whole input, with the real and a tiny limit.
  for (std::size_t max : {limits::kSipMessageMax, std::size_t{64}}) {
    FrameScan s = scan_sip_frame({in, n}, max);
    to_string(s.error);
    if (s.kind == FrameKind::kMessage) check(s.size <= max && s.size <= n && s.size > 0);
    if (s.kind == FrameKind::kError && s.error == FramingError::kTooLarge) check(s.size > max);
    if (s.kind == FrameKind::kError) check(s.error != FramingError::kNone);
    else check(s.error == FramingError::kNone);
  }
  is_keepalive_datagram({in, n});

  std::size_t fed = 0, offset = 0;
  while (fed < n && !framer.broken()) {
    auto space = framer.space();
    check(!space.empty());
    std::size_t take = chunk < n - fed ? chunk : n - fed;
    if (take > space.size()) take = space.size();
    std::memcpy(space.data(), in + fed, take);
    framer.commit(take);
    fed += take;
    for (;;) {
      SipStreamFramer::Item it = framer.next();
      if (it.kind == FrameKind::kNeedMore) break;
      if (it.kind == FrameKind::kError) {
        check(it.error != FramingError::kNone);
        if (is_fatal(it.error)) break;
        check(it.size > limits::kSipMessageMax);
        offset += it.size;  // skipped whole
        continue;
      }
      check(it.size > 0 && offset + it.size <= fed);
      if (it.kind == FrameKind::kMessage) {
        check(it.message.size() == it.size && it.size <= limits::kSipMessageMax);
        check(std::memcmp(it.message.data(), in + offset, it.size) == 0);
        // A message handed out frames as itself again.
        FrameScan again = scan_sip_frame(it.message, limits::kSipMessageMax);
        check(again.kind == FrameKind::kMessage && again.size == it.size);
      } else {
        check(it.size <= 4);
        crlf_only(in + offset, it.size);
      }
      offset += it.size;
    }
  }
  if (!framer.broken()) {
    if (offset <= fed) check(offset + framer.buffered() == fed);
    else check(framer.buffered() == 0);  // still skipping a refused message
  }
  return 0;
}
