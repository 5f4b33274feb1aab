// WebSocket frame decoder, in both directions (a client expects unmasked
// frames, a server masked ones). Each input is decoded all at once and one
// byte per feed(), which must give the same messages; every data message
// decoded is encoded again as a client would send it and must decode back
// to itself on the server side.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "protocol/websocket/ws_frame.hpp"

using namespace dialtone;
using namespace dialtone::protocol;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// What a caller may read from one message; the payload view dies with the
// next feed(), so it is hashed here.
struct Seen {
  WsMessage::Kind kind;
  std::size_t size;
  std::uint64_t hash;
  std::uint16_t close_code;
  WsError error;
  bool operator==(const Seen&) const = default;
};

std::uint64_t fnv1a(std::span<const std::uint8_t> b) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::uint8_t c : b) h = (h ^ c) * 1099511628211ull;
  return h;
}

Seen seen(const WsMessage& m) {
  std::span<const std::uint8_t> reason(reinterpret_cast<const std::uint8_t*>(m.close_reason.data()),
                                       m.close_reason.size());
  return {m.kind, m.payload.size(), fnv1a(m.payload) ^ fnv1a(reason), m.close_code, m.error};
}

constexpr std::size_t kMaxMessages = 64;
using Trace = std::array<Seen, kMaxMessages>;

// Decodes `in` in pieces of `step` bytes (0: all at once), as WebSocketClient
// does; stops at the first error. Returns the number of messages.
std::size_t decode(WsDecoder& d, std::span<const std::uint8_t> in, std::size_t step, Trace& out, bool reencode);

void roundtrip(const WsMessage& m) {
  static WsDecoder server(true);
  static std::array<std::uint8_t, limits::kWsFrameMax + 14> frame;
  static constexpr std::uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};
  WsOpcode op = m.kind == WsMessage::Kind::kText ? WsOpcode::kText : WsOpcode::kBinary;
  std::size_t n = ws_encode_frame(frame, op, true, m.payload, kMask);
  check(n == ws_frame_overhead(m.payload.size(), true) + m.payload.size());
  server.reset();
  std::size_t used = 0;
  WsMessage back = server.feed({frame.data(), n}, used);
  check(used == n && back.kind == m.kind && back.payload.size() == m.payload.size());
  check(m.payload.empty() || std::memcmp(back.payload.data(), m.payload.data(), m.payload.size()) == 0);
}

std::size_t decode(WsDecoder& d, std::span<const std::uint8_t> in, std::size_t step, Trace& out, bool reencode) {
  d.reset();
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < in.size() && count < kMaxMessages) {
    std::size_t n = step == 0 ? in.size() - pos : std::min(step, in.size() - pos);
    std::span<const std::uint8_t> piece = in.subspan(pos, n);
    while (!piece.empty() && count < kMaxMessages) {
      std::size_t used = 0;
      WsMessage m = d.feed(piece, used);
      check(used <= piece.size());
      piece = piece.subspan(used);
      pos += used;
      if (m.kind == WsMessage::Kind::kNone) {
        check(piece.empty());
        continue;
      }
      out[count++] = seen(m);
      if (m.kind == WsMessage::Kind::kError) return count;
      if (m.kind == WsMessage::Kind::kPing || m.kind == WsMessage::Kind::kPong)
        check(m.payload.size() <= limits::kWsControlMax);
      if (m.kind == WsMessage::Kind::kText) check(utf8_valid(m.payload));
      if (reencode && (m.kind == WsMessage::Kind::kText || m.kind == WsMessage::Kind::kBinary)) roundtrip(m);
    }
  }
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static WsDecoder client(false), server(true);  // ~64 KB each: keep them off the fuzzer's stack
  static Trace whole, bytewise;
  std::span<const std::uint8_t> in(data, size);
  for (WsDecoder* d : {&client, &server}) {
    std::size_t a = decode(*d, in, 0, whole, d == &client);
    std::size_t b = decode(*d, in, 1, bytewise, false);
    check(a == b);
    for (std::size_t i = 0; i < a; ++i) check(whole[i] == bytewise[i]);
  }
  return 0;
}
