// SIP stream framing (RFC 3261 18.3, RFC 5626 keep-alives) and keep-alive
// timing, on byte strings and virtual time.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/sip/keepalive.hpp"
#include "protocol/sip/stream_framing.hpp"

using namespace dialtone;
using namespace dialtone::protocol::sip;

namespace {

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string message(const std::string& length_header, const std::string& body) {
  return "OPTIONS sip:desk@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1\r\n" +
         length_header + "\r\nCall-ID: a@b\r\n\r\n" + body;
}

std::string cl(std::size_t n) { return "Content-Length: " + std::to_string(n); }

// What a framer makes of `stream` delivered in pieces of `chunk` bytes.
struct Drained {
  std::vector<std::string> messages;
  int pings = 0, pongs = 0;
  std::vector<FramingError> errors;
};

Drained feed(SipStreamFramer& f, const std::string& stream, std::size_t chunk) {
  Drained d;
  std::size_t pos = 0;
  while (pos < stream.size() && !f.broken()) {
    auto space = f.space();
    std::size_t n = std::min({chunk, space.size(), stream.size() - pos});
    std::copy(stream.begin() + static_cast<long>(pos), stream.begin() + static_cast<long>(pos + n), space.begin());
    f.commit(n);
    pos += n;
    for (int guard = 0; guard < 10000; ++guard) {  // a framer that repeats itself fails, not hangs
      SipStreamFramer::Item it = f.next();
      if (it.kind == FrameKind::kNeedMore) break;
      if (it.kind == FrameKind::kMessage) d.messages.emplace_back(reinterpret_cast<const char*>(it.message.data()),
                                                                  it.message.size());
      if (it.kind == FrameKind::kPing) ++d.pings;
      if (it.kind == FrameKind::kPong) ++d.pongs;
      if (it.kind == FrameKind::kError) {
        d.errors.push_back(it.error);
        if (is_fatal(it.error)) break;
      }
    }
  }
  return d;
}

constexpr std::size_t kMax = limits::kSipMessageMax;

}  // namespace

TEST(SipFraming, OneMessageEndsWhereContentLengthSays) {
  std::string m = message(cl(5), "hello");
  FrameScan s = scan_sip_frame(bytes(m + "INVITE"), kMax);
  EXPECT_EQ(s.kind, FrameKind::kMessage);
  EXPECT_EQ(s.size, m.size());
  // Not all of the body yet: more is needed, and the size is already known.
  s = scan_sip_frame(bytes(m.substr(0, m.size() - 1)), kMax);
  EXPECT_EQ(s.kind, FrameKind::kNeedMore);
  EXPECT_EQ(s.size, m.size());
  // Headers not complete: size unknown.
  s = scan_sip_frame(bytes(m.substr(0, 40)), kMax);
  EXPECT_EQ(s.kind, FrameKind::kNeedMore);
  EXPECT_EQ(s.size, 0u);
}

TEST(SipFraming, CompactAndOddlySpelledLengths) {
  for (std::string h : {"l: 3", "L:3", "content-length:   3  ", "Content-Length : 3", "Content-Length:\r\n 3",
                        "Content-Length: 003"}) {
    std::string m = message(h, "abc");
    FrameScan s = scan_sip_frame(bytes(m + "garbage"), kMax);
    EXPECT_EQ(s.kind, FrameKind::kMessage) << h;
    EXPECT_EQ(s.size, m.size()) << h;
  }
  // A header whose name only starts like it is another header.
  std::string m = message("Content-Length: 0\r\nLine: 99", "");
  EXPECT_EQ(scan_sip_frame(bytes(m), kMax).size, m.size());
  // The same length twice is fine.
  m = message("l: 2\r\nContent-Length: 2", "ab");
  EXPECT_EQ(scan_sip_frame(bytes(m), kMax).kind, FrameKind::kMessage);
}

TEST(SipFraming, BareLineFeedsAreAccepted) {
  std::string m = "SIP/2.0 200 OK\nVia: SIP/2.0/TCP x\nContent-Length: 2\n\nok";
  FrameScan s = scan_sip_frame(bytes(m + "SIP/2.0"), kMax);
  EXPECT_EQ(s.kind, FrameKind::kMessage);
  EXPECT_EQ(s.size, m.size());
}

TEST(SipFraming, LengthsThatCannotFrameAreNamedErrors) {
  EXPECT_EQ(scan_sip_frame(bytes(message("Max-Forwards: 70", "")), kMax).error, FramingError::kNoContentLength);
  for (std::string h : {"Content-Length: abc", "Content-Length:", "Content-Length: -1", "Content-Length: 1 2",
                        "Content-Length: 1234567890", "l: 2\r\nContent-Length: 3", "Content-Length: 0x10"}) {
    FrameScan s = scan_sip_frame(bytes(message(h, "abc")), kMax);
    EXPECT_EQ(s.kind, FrameKind::kError) << h;
    EXPECT_EQ(s.error, FramingError::kBadContentLength) << h;
    EXPECT_TRUE(is_fatal(s.error));
  }
}

TEST(SipFraming, KeepAlivesBetweenMessages) {
  EXPECT_EQ(scan_sip_frame(bytes("\r\n\r\n"), kMax).kind, FrameKind::kPing);
  EXPECT_EQ(scan_sip_frame(bytes("\r\n\r\n"), kMax).size, 4u);
  EXPECT_EQ(scan_sip_frame(bytes("\r\n"), kMax).kind, FrameKind::kPong);
  EXPECT_EQ(scan_sip_frame(bytes("\r\nSIP/2.0"), kMax).kind, FrameKind::kPong);
  EXPECT_EQ(scan_sip_frame(bytes("\r\nSIP/2.0"), kMax).size, 2u);
  EXPECT_EQ(scan_sip_frame(bytes("\r\n\r"), kMax).kind, FrameKind::kNeedMore);  // a ping, perhaps
  EXPECT_EQ(scan_sip_frame(bytes("\r"), kMax).kind, FrameKind::kNeedMore);

  SipStreamFramer f;
  std::string m = message(cl(2), "hi");
  Drained d = feed(f, "\r\n\r\n" + m + "\r\n" + m + "\r\n\r\n", 4096);
  EXPECT_EQ(d.pings, 2);
  EXPECT_EQ(d.pongs, 1);
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[1], m);
  EXPECT_TRUE(d.errors.empty());
}

TEST(SipFraming, MessagesSurviveAnySplitAcrossReads) {
  std::string m1 = message(cl(5), "first");
  std::string m2 = message("l: 6", "second");
  std::string stream = m1 + "\r\n" + m2 + m1;
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 100000u}) {
    SipStreamFramer f;
    Drained d = feed(f, stream, chunk);
    ASSERT_EQ(d.messages.size(), 3u) << chunk;
    EXPECT_EQ(d.messages[0], m1);
    EXPECT_EQ(d.messages[1], m2);
    EXPECT_EQ(d.messages[2], m1);
    EXPECT_EQ(d.pongs, 1) << chunk;
    EXPECT_EQ(f.buffered(), 0u);
  }
}

TEST(SipFraming, AMessageOfExactlyTheLimitIsWholeAndOneMoreIsRefusedNotCut) {
  std::string head = message(cl(0), "");
  std::size_t body = kMax - head.size();
  // The length header grows by the digits of the body size: recompute.
  head = message(cl(body), "");
  body = kMax - head.size();
  std::string exact = message(cl(body), std::string(body, 'x'));
  ASSERT_EQ(exact.size(), kMax);
  std::string next = message(cl(2), "ok");
  SipStreamFramer f;
  Drained d = feed(f, exact + next, 1000);
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0], exact);
  EXPECT_EQ(d.messages[1], next);

  std::string over = message(cl(body + 1), std::string(body + 1, 'y'));
  ASSERT_EQ(over.size(), kMax + 1);
  SipStreamFramer g;
  d = feed(g, over + next + over + next, 700);
  // Each refused message is skipped whole; the ones after it still come out.
  ASSERT_EQ(d.errors.size(), 2u);
  EXPECT_EQ(d.errors[0], FramingError::kTooLarge);
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0], next);
  EXPECT_EQ(d.messages[1], next);
  EXPECT_FALSE(g.broken());
}

TEST(SipFraming, TooLargeIsKnownFromTheHeadersAlone) {
  std::string head = message(cl(100000), "");
  FrameScan s = scan_sip_frame(bytes(head), kMax);
  EXPECT_EQ(s.kind, FrameKind::kError);
  EXPECT_EQ(s.error, FramingError::kTooLarge);
  EXPECT_EQ(s.size, head.size() + 100000);
  EXPECT_FALSE(is_fatal(s.error));
}

TEST(SipFraming, HeadersThatNeverEndBreakTheStream) {
  std::string endless = "INVITE sip:x SIP/2.0\r\n";
  while (endless.size() <= kMax) endless += "X-Filler: 0123456789abcdef\r\n";
  SipStreamFramer f;
  Drained d = feed(f, endless + message(cl(0), ""), 512);
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0], FramingError::kHeadersTooLarge);
  EXPECT_TRUE(d.messages.empty());
  EXPECT_TRUE(f.broken());
  EXPECT_TRUE(f.space().empty());
  EXPECT_EQ(f.next().error, FramingError::kHeadersTooLarge);  // it stays broken
  f.reset();  // a new connection
  d = feed(f, message(cl(0), ""), 512);
  EXPECT_EQ(d.messages.size(), 1u);
}

TEST(SipFraming, KeepAliveDatagrams) {
  EXPECT_TRUE(is_keepalive_datagram(bytes("\r\n")));
  EXPECT_TRUE(is_keepalive_datagram(bytes("\r\n\r\n")));
  EXPECT_FALSE(is_keepalive_datagram(bytes("")));
  EXPECT_FALSE(is_keepalive_datagram(bytes("\r\nOPTIONS")));
}

TEST(SipKeepAlive, StreamPingsAwaitAPong) {
  KeepAlive k;
  EXPECT_FALSE(k.running());
  EXPECT_EQ(k.next_wake(), kNever);
  k.start(1000, 25000, 10000);
  EXPECT_EQ(k.next_wake(), 26000);
  EXPECT_EQ(k.poll(25999), KeepAlive::Due::kNothing);
  EXPECT_EQ(k.poll(26000), KeepAlive::Due::kPing);
  EXPECT_TRUE(k.awaiting_pong());
  EXPECT_EQ(k.next_wake(), 36000);
  k.on_pong();
  EXPECT_EQ(k.next_wake(), 51000);
  EXPECT_EQ(k.poll(51000), KeepAlive::Due::kPing);
  EXPECT_EQ(k.poll(60999), KeepAlive::Due::kNothing);
  EXPECT_EQ(k.poll(61000), KeepAlive::Due::kTimedOut);  // no pong within 10 s
  EXPECT_FALSE(k.running());
  EXPECT_EQ(k.poll(100000), KeepAlive::Due::kNothing);
}

TEST(SipKeepAlive, NoNewPingWhileOneIsUnanswered) {
  KeepAlive k;
  k.start(0, 2000, 10000);  // interval shorter than the pong timeout
  EXPECT_EQ(k.poll(2000), KeepAlive::Due::kPing);
  EXPECT_EQ(k.poll(4000), KeepAlive::Due::kNothing);
  EXPECT_EQ(k.next_wake(), 12000);
  k.on_pong();
  EXPECT_EQ(k.poll(5000), KeepAlive::Due::kPing);  // overdue: at once
}

TEST(SipKeepAlive, DatagramKeepAlivesExpectNothing) {
  KeepAlive k;
  k.start(0, 25000, 0);
  EXPECT_EQ(k.poll(25000), KeepAlive::Due::kPing);
  EXPECT_FALSE(k.awaiting_pong());
  EXPECT_EQ(k.next_wake(), 50000);
  EXPECT_EQ(k.poll(90000), KeepAlive::Due::kPing);  // a late loop sends one, not a burst
  EXPECT_EQ(k.next_wake(), 115000);
  k.stop();
  EXPECT_EQ(k.poll(200000), KeepAlive::Due::kNothing);
}

TEST(SipKeepAlive, OneShotPingsForADriverWithItsOwnSchedule) {
  KeepAlive k;
  EXPECT_TRUE(k.ping_now(1000, 10000));
  EXPECT_TRUE(k.awaiting_pong());
  EXPECT_FALSE(k.ping_now(2000, 10000));  // the first is unanswered
  EXPECT_EQ(k.next_wake(), 11000);
  k.on_pong();
  EXPECT_FALSE(k.running());
  EXPECT_EQ(k.poll(50000), KeepAlive::Due::kNothing);
  EXPECT_TRUE(k.ping_now(60000, 10000));
  EXPECT_EQ(k.poll(70000), KeepAlive::Due::kTimedOut);
  // A schedule started while a one-shot ping waits keeps waiting for it.
  EXPECT_TRUE(k.ping_now(75000, 10000));
  k.start(76000, 25000, 10000);
  EXPECT_TRUE(k.scheduled());
  EXPECT_EQ(k.next_wake(), 85000);
  EXPECT_EQ(k.poll(85000), KeepAlive::Due::kTimedOut);
  // Over UDP nothing is awaited.
  EXPECT_TRUE(k.ping_now(80000, 0));
  EXPECT_TRUE(k.ping_now(80001, 0));
  EXPECT_FALSE(k.running());
}
