#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "media/dtmf/telephone_event.hpp"
#include "media/rtp/rtp_packet.hpp"

namespace dialtone::media {
namespace {

TEST(Dtmf, DigitCodes) {
  EXPECT_EQ(dtmf_event_code('0'), 0);
  EXPECT_EQ(dtmf_event_code('9'), 9);
  EXPECT_EQ(dtmf_event_code('*'), 10);
  EXPECT_EQ(dtmf_event_code('#'), 11);
  EXPECT_EQ(dtmf_event_code('a'), 12);
  EXPECT_EQ(dtmf_event_code('D'), 15);
  EXPECT_EQ(dtmf_event_code('x'), -1);
  EXPECT_EQ(dtmf_digit(11), '#');
  EXPECT_EQ(dtmf_digit(16), '\0');
}

TEST(Dtmf, PayloadRoundTrip) {
  TelephoneEvent e{11, true, 10, 4800};
  std::array<std::uint8_t, 4> b{};
  ASSERT_EQ(write_telephone_event(e, b), 4u);
  EXPECT_EQ(b[0], 11);
  EXPECT_EQ(b[1], 0x8A);
  EXPECT_EQ(b[2], 0x12);
  EXPECT_EQ(b[3], 0xC0);
  TelephoneEvent r;
  ASSERT_TRUE(parse_telephone_event(b, r));
  EXPECT_EQ(r.event, 11);
  EXPECT_TRUE(r.end);
  EXPECT_EQ(r.volume, 10);
  EXPECT_EQ(r.duration, 4800);
  EXPECT_FALSE(parse_telephone_event(std::span(b).first(3), r));
}

TEST(Dtmf, SenderFollowsRfc4733) {
  DtmfSender s(126, 48000);
  ASSERT_TRUE(s.queue('5'));
  ASSERT_TRUE(s.queue('#', 60));
  EXPECT_FALSE(s.queue('x'));
  std::uint32_t ts = 96000;
  std::vector<DtmfPacket> sent;
  std::vector<bool> audio;
  for (int tick = 0; tick < 30; ++tick, ts += 960) {
    auto p = s.tick(ts);
    audio.push_back(!p.has_value());
    if (p) sent.push_back(*p);
  }
  EXPECT_FALSE(s.busy());
  // '5': 100 ms = 5 packets, the last of them with E, then E twice more.
  ASSERT_GE(sent.size(), 7u);
  for (int i = 0; i < 7; ++i) {
    TelephoneEvent e;
    ASSERT_TRUE(parse_telephone_event(sent[i].payload, e));
    EXPECT_EQ(e.event, 5);
    EXPECT_EQ(sent[i].timestamp, 96000u) << "timestamp stays at the event start";
    EXPECT_EQ(sent[i].marker, i == 0);
    EXPECT_EQ(sent[i].payload_type, 126);
    EXPECT_EQ(e.end, i >= 4);
    EXPECT_EQ(e.duration, 960u * static_cast<unsigned>(i < 4 ? i + 1 : 5));
  }
  // Then a 60 ms pause of audio, then '#' (60 ms: 3 packets + 2 repeats).
  EXPECT_TRUE(audio[7] && audio[8] && audio[9]);
  ASSERT_EQ(sent.size(), 12u);
  EXPECT_TRUE(sent[7].marker);
  EXPECT_EQ(sent[7].timestamp, 96000u + 10 * 960);
  TelephoneEvent last;
  parse_telephone_event(sent[11].payload, last);
  EXPECT_EQ(last.event, 11);
  EXPECT_TRUE(last.end);
  EXPECT_EQ(last.duration, 3u * 960);
}

TEST(Dtmf, QueueIsBounded) {
  DtmfSender s(101, 8000);
  std::size_t n = 0;
  while (s.queue('1')) ++n;
  EXPECT_EQ(n, limits::kDtmfQueueMax);
}

TEST(Dtmf, RoundTripOverRtpReportsEachDigitOnce) {
  DtmfSender s(101, 8000);
  for (char c : std::string("1#9A")) ASSERT_TRUE(s.queue(c));
  std::vector<std::vector<std::uint8_t>> wire;
  std::uint32_t ts = 0;
  std::uint16_t seq = 100;
  std::array<std::uint8_t, 64> buf{};
  for (int tick = 0; tick < 60; ++tick, ts += 160) {
    auto p = s.tick(ts);
    if (!p) continue;
    RtpHeader h;
    h.marker = p->marker;
    h.payload_type = p->payload_type;
    h.sequence = seq++;
    h.timestamp = p->timestamp;
    h.ssrc = 7;
    std::size_t n = write_rtp(h, p->payload, buf);
    ASSERT_GT(n, 0u);
    wire.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    if (tick % 3 == 0) wire.push_back(wire.back());  // duplicated on the way
  }
  // Swap two neighbours inside events: order must not matter.
  std::swap(wire[1], wire[2]);
  std::swap(wire[wire.size() - 2], wire[wire.size() - 3]);
  DtmfReceiver r;
  std::string got;
  for (const auto& pkt : wire) {
    RtpPacket p;
    ASSERT_EQ(parse_rtp(pkt, p), RtpError::kOk);
    ASSERT_EQ(p.payload_type, 101);
    if (auto d = r.on_packet(p.timestamp, p.payload)) got.push_back(*d);
  }
  EXPECT_EQ(got, "1#9A");
}

TEST(Dtmf, ReceiverOnlyEndPacketsStillReportsOnce) {
  // The start packets were lost: only the three end packets arrive.
  DtmfReceiver r;
  std::array<std::uint8_t, 4> end{};
  write_telephone_event({3, true, 10, 800}, end);
  EXPECT_EQ(r.on_packet(5000, end), '3');
  EXPECT_FALSE(r.on_packet(5000, end).has_value());
  EXPECT_FALSE(r.on_packet(5000, end).has_value());
  EXPECT_FALSE(r.on_packet(4000, end).has_value());  // straggler of an older event
  EXPECT_EQ(r.on_packet(9000, end), '3');  // the same key pressed again
}

}  // namespace
}  // namespace dialtone::media
