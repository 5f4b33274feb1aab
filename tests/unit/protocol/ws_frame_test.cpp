#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "protocol/websocket/ws_frame.hpp"
#include "protocol/websocket/ws_handshake.hpp"

using namespace dialtone;
using namespace dialtone::protocol;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes frame(WsOpcode op, bool fin, std::string_view payload, const std::uint8_t* mask = nullptr) {
  Bytes out(payload.size() + 14);
  std::size_t n = ws_encode_frame(out, op, fin, {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()},
                                  mask);
  out.resize(n);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes o;
  for (auto& p : parts) o.insert(o.end(), p.begin(), p.end());
  return o;
}

// All messages out of `in`, fed in pieces of `step` bytes.
std::vector<WsMessage> decode_all(WsDecoder& d, const Bytes& in, std::size_t step, std::vector<std::string>& texts) {
  std::vector<WsMessage> out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    std::size_t len = std::min(step, in.size() - pos);
    std::span<const std::uint8_t> chunk(in.data() + pos, len);
    while (!chunk.empty()) {
      std::size_t used = 0;
      WsMessage m = d.feed(chunk, used);
      chunk = chunk.subspan(used);
      pos += used;
      if (m.kind != WsMessage::Kind::kNone) {
        out.push_back(m);
        texts.emplace_back(m.kind == WsMessage::Kind::kClose ? std::string(m.close_reason) : std::string(m.text()));
        if (m.kind == WsMessage::Kind::kError) return out;
      }
      if (used == 0) break;
    }
  }
  return out;
}

const std::uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

}  // namespace

TEST(WsFrame, Rfc6455Examples) {
  // RFC 6455 section 5.7: "Hello", unmasked and masked.
  Bytes unmasked = frame(WsOpcode::kText, true, "Hello");
  EXPECT_EQ(unmasked, (Bytes{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  Bytes masked = frame(WsOpcode::kText, true, "Hello", kMask);
  EXPECT_EQ(masked, (Bytes{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  EXPECT_EQ(frame(WsOpcode::kText, true, std::string(256, 'a')).size(), 4u + 256);
  EXPECT_EQ(frame(WsOpcode::kBinary, true, std::string(65536, 'a')).size(), 10u + 65536);
  std::uint8_t tiny[4];
  EXPECT_EQ(ws_encode_frame(tiny, WsOpcode::kText, true, {}, kMask), 0u);
}

TEST(WsFrame, DecodesEverySplit) {
  auto d = std::make_unique<WsDecoder>(false);
  std::string big(300, 'x');
  Bytes in = cat({frame(WsOpcode::kText, false, "Hel"), frame(WsOpcode::kPing, true, "p1"),
                  frame(WsOpcode::kContinuation, true, "lo"), frame(WsOpcode::kText, true, big),
                  frame(WsOpcode::kPong, true, ""), frame(WsOpcode::kClose, true, "\x03\xe9going")});
  for (std::size_t step = 1; step <= in.size(); ++step) {
    d->reset();
    std::vector<std::string> texts;
    auto msgs = decode_all(*d, in, step, texts);
    ASSERT_EQ(msgs.size(), 5u) << step;
    EXPECT_EQ(msgs[0].kind, WsMessage::Kind::kPing);  // control frame between fragments
    EXPECT_EQ(texts[0], "p1");
    EXPECT_EQ(msgs[1].kind, WsMessage::Kind::kText);
    EXPECT_EQ(texts[1], "Hello");
    EXPECT_EQ(texts[2], big);
    EXPECT_EQ(msgs[3].kind, WsMessage::Kind::kPong);
    EXPECT_EQ(msgs[4].kind, WsMessage::Kind::kClose);
    EXPECT_EQ(msgs[4].close_code, 1001);
    EXPECT_EQ(texts[4], "going");
  }
}

TEST(WsFrame, ServerSideDecodesMaskedClientFrames) {
  auto d = std::make_unique<WsDecoder>(true);
  std::vector<std::string> texts;
  Bytes in = cat({frame(WsOpcode::kText, false, "ab", kMask), frame(WsOpcode::kContinuation, true, "cd", kMask)});
  auto msgs = decode_all(*d, in, 3, texts);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(texts[0], "abcd");
  // And a client refuses a masked frame from the server.
  auto c = std::make_unique<WsDecoder>(false);
  msgs = decode_all(*c, frame(WsOpcode::kText, true, "x", kMask), 100, texts);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].error, WsError::kMaskMismatch);
  EXPECT_EQ(ws_close_code_for(msgs[0].error), 1002);
}

TEST(WsFrame, TooBigIsRefusedBeforeThePayload) {
  auto d = std::make_unique<WsDecoder>(false);
  std::vector<std::string> texts;
  // Header only: a 70000-byte frame is refused with no payload read at all.
  Bytes hdr = frame(WsOpcode::kText, true, std::string(limits::kWsFrameMax + 1, 'a'));
  hdr.resize(10);
  auto msgs = decode_all(*d, hdr, 100, texts);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].error, WsError::kTooBig);
  EXPECT_EQ(ws_close_code_for(msgs[0].error), 1009);
  // Fragments that only together exceed the limit.
  d->reset();
  std::string half(limits::kWsFrameMax / 2 + 1, 'a');
  msgs = decode_all(*d, cat({frame(WsOpcode::kText, false, half), frame(WsOpcode::kContinuation, true, half)}), 4096,
                    texts);
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.back().error, WsError::kTooBig);
  // Exactly the limit is fine.
  d->reset();
  msgs = decode_all(*d, frame(WsOpcode::kBinary, true, std::string(limits::kWsFrameMax, 'b')), 65536, texts);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].kind, WsMessage::Kind::kBinary);
  EXPECT_EQ(msgs[0].payload.size(), limits::kWsFrameMax);
}

TEST(WsFrame, ProtocolErrors) {
  struct Case {
    Bytes in;
    WsError e;
  };
  Bytes rsv = frame(WsOpcode::kText, true, "x");
  rsv[0] |= 0x40;
  Bytes badop = frame(WsOpcode::kText, true, "x");
  badop[0] = 0x83;
  Bytes longping = {0x89, 126, 0, 126};
  std::vector<Case> cases = {
      {rsv, WsError::kReservedBits},
      {badop, WsError::kBadOpcode},
      {longping, WsError::kControlTooLong},
      {frame(WsOpcode::kPing, false, "x"), WsError::kControlFragmented},
      {frame(WsOpcode::kContinuation, true, "x"), WsError::kUnexpectedContinuation},
      {cat({frame(WsOpcode::kText, false, "a"), frame(WsOpcode::kText, true, "b")}), WsError::kExpectedContinuation},
      {frame(WsOpcode::kText, true, "\xc3\x28"), WsError::kBadUtf8},
      {frame(WsOpcode::kText, true, "\xed\xa0\x80"), WsError::kBadUtf8},  // a surrogate
      {frame(WsOpcode::kClose, true, "\x03"), WsError::kBadClosePayload},
      {frame(WsOpcode::kClose, true, "\x03\xed"), WsError::kBadClosePayload},  // 1005 may not be sent
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto d = std::make_unique<WsDecoder>(false);
    std::vector<std::string> texts;
    auto msgs = decode_all(*d, cases[i].in, 1, texts);
    ASSERT_FALSE(msgs.empty()) << i;
    EXPECT_EQ(msgs.back().kind, WsMessage::Kind::kError) << i;
    EXPECT_EQ(msgs.back().error, cases[i].e) << i << " " << to_string(msgs.back().error);
  }
  auto d = std::make_unique<WsDecoder>(false);
  std::vector<std::string> texts;
  auto msgs = decode_all(*d, frame(WsOpcode::kClose, true, ""), 1, texts);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].close_code, ws_close::kNoStatus);
}

TEST(WsFrame, Utf8Validator) {
  auto v = [](std::string_view s) { return utf8_valid({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}); };
  EXPECT_TRUE(v("Zo\xc3\xab \xe2\x98\x8e \xf0\x9f\x98\x80"));
  EXPECT_FALSE(v("\xc0\xaf"));          // overlong
  EXPECT_FALSE(v("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(v("\xe2\x98"));          // truncated
}

TEST(WsHandshake, AcceptValueAndRequest) {
  char acc[kWsAcceptLen];
  ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", acc);  // RFC 6455 section 1.3
  EXPECT_EQ(std::string_view(acc, sizeof acc), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  Url u;
  ASSERT_EQ(parse_url("wss://127.0.0.1:9443/channel?id=1", u), UrlError::kOk);
  HttpHeader extra[] = {{"Authorization", "Bearer t"}, {"X-Authorization", "a.b.c"}};
  char buf[1024];
  std::size_t n = write_ws_upgrade(buf, u, "dGhlIHNhbXBsZSBub25jZQ==", extra);
  std::string req(buf, n);
  EXPECT_EQ(req.rfind("GET /channel?id=1 HTTP/1.1\r\n", 0), 0u);
  for (const char* h : {"Upgrade: websocket\r\n", "Connection: Upgrade\r\n",
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "Sec-WebSocket-Version: 13\r\n",
                        "Authorization: Bearer t\r\n", "X-Authorization: a.b.c\r\n"})
    EXPECT_NE(req.find(h), std::string::npos) << h;

  auto r = std::make_unique<HttpResponseParser>();
  r->feed(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  EXPECT_EQ(ws_check_upgrade(*r, "dGhlIHNhbXBsZSBub25jZQ=="), WsUpgradeError::kOk);
  EXPECT_EQ(ws_check_upgrade(*r, "AAAAAAAAAAAAAAAAAAAAAA=="), WsUpgradeError::kBadAccept);
  r->reset();
  r->feed("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(ws_check_upgrade(*r, "dGhlIHNhbXBsZSBub25jZQ=="), WsUpgradeError::kRefused);
}
