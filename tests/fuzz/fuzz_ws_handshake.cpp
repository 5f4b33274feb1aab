// The WebSocket opening handshake as WebSocketClient reads it: the server's
// answer through the response parser, ws_check_upgrade() with the key we
// sent, and, once accepted, the bytes after the headers as the first frames.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/http/http_parser.hpp"
#include "protocol/websocket/ws_frame.hpp"
#include "protocol/websocket/ws_handshake.hpp"

using namespace dialtone::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static HttpResponseParser http;  // ~40 KB: keep it off the fuzzer's stack
  static WsDecoder decoder;
  // RFC 6455 section 1.3's example key; its accept is s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
  static constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
  std::span<const std::uint8_t> in(data, size);
  http.reset();
  HttpFeedResult r = http.feed(in);
  if (r.status != HttpParseStatus::kComplete) return 0;
  WsUpgradeError e = ws_check_upgrade(http, kKey);
  if (e != WsUpgradeError::kOk) return 0;
  decoder.reset();
  in = in.subspan(r.consumed);
  while (!in.empty()) {
    std::size_t used = 0;
    WsMessage m = decoder.feed(in, used);
    in = in.subspan(used);
    if (m.kind == WsMessage::Kind::kError || m.kind == WsMessage::Kind::kClose) break;
  }
  return 0;
}
