#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "media/rtp/demux.hpp"
#include "media/rtp/receiver_stats.hpp"
#include "media/rtp/rtcp.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/rtp/seq.hpp"

namespace dialtone::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Rtp, ParseKnownBytes) {
  // V=2, M=1 PT=111, seq 0x1234, ts 0xDEADBEEF, ssrc 0x01020304, payload "ab"
  const Bytes pkt = {0x80, 0xEF, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, 'a', 'b'};
  RtpPacket p;
  ASSERT_EQ(parse_rtp(pkt, p), RtpError::kOk);
  EXPECT_TRUE(p.marker);
  EXPECT_EQ(p.payload_type, 111);
  EXPECT_EQ(p.sequence, 0x1234);
  EXPECT_EQ(p.timestamp, 0xDEADBEEFu);
  EXPECT_EQ(p.ssrc, 0x01020304u);
  ASSERT_EQ(p.payload.size(), 2u);
  EXPECT_EQ(p.payload[0], 'a');
}

TEST(Rtp, RoundTripWithCsrcExtensionAndPadding) {
  const std::array<std::uint32_t, 2> csrc = {0x11111111, 0x22222222};
  const std::array<std::uint8_t, 8> ext = {0x10, 0xAA, 0, 0, 0x22, 1, 2, 3};
  const std::array<std::uint8_t, 5> payload = {1, 2, 3, 4, 5};
  RtpHeader h;
  h.marker = false;
  h.payload_type = 0;
  h.sequence = 65535;
  h.timestamp = 160;
  h.ssrc = 42;
  h.csrc = csrc;
  h.has_extension = true;
  h.extension_profile = 0xBEDE;
  h.extension = ext;
  h.padding = 3;
  std::array<std::uint8_t, 100> buf{};
  std::size_t n = write_rtp(h, payload, buf);
  ASSERT_EQ(n, 12u + 8 + 4 + 8 + 5 + 3);
  RtpPacket p;
  ASSERT_EQ(parse_rtp({buf.data(), n}, p), RtpError::kOk);
  EXPECT_EQ(p.sequence, 65535);
  EXPECT_EQ(p.csrc_count, 2);
  EXPECT_EQ(p.csrc[1], 0x22222222u);
  EXPECT_TRUE(p.has_extension);
  EXPECT_EQ(p.extension_profile, 0xBEDE);
  ASSERT_EQ(p.extension.size(), 8u);
  EXPECT_EQ(p.extension[1], 0xAA);
  EXPECT_EQ(p.padding, 3);
  ASSERT_EQ(p.payload.size(), 5u);
  EXPECT_EQ(p.payload[4], 5);
  // Does not fit -> 0, header-only write for in-place encoding.
  EXPECT_EQ(write_rtp(h, payload, std::span(buf).first(20)), 0u);
  EXPECT_EQ(write_rtp_header(h, buf), 32u);
}

TEST(Rtp, Errors) {
  RtpPacket p;
  Bytes base = {0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9};
  EXPECT_EQ(parse_rtp(Bytes(base.begin(), base.begin() + 11), p), RtpError::kTooShort);
  Bytes v1 = base;
  v1[0] = 0x40;
  EXPECT_EQ(parse_rtp(v1, p), RtpError::kBadVersion);
  Bytes csrc = base;
  csrc[0] = 0x82;  // two CSRCs claimed, only 4 bytes left
  EXPECT_EQ(parse_rtp(csrc, p), RtpError::kBadLength);
  Bytes ext = base;
  ext[0] = 0x90;
  ext[14] = 0;
  ext[15] = 5;  // 5 words of extension that are not there
  EXPECT_EQ(parse_rtp(ext, p), RtpError::kBadLength);
  Bytes pad = base;
  pad[0] = 0xA0;
  pad.back() = 0;
  EXPECT_EQ(parse_rtp(pad, p), RtpError::kBadPadding);
  pad.back() = 5;  // more than the 4 payload bytes
  EXPECT_EQ(parse_rtp(pad, p), RtpError::kBadPadding);
  pad.back() = 4;
  ASSERT_EQ(parse_rtp(pad, p), RtpError::kOk);
  EXPECT_TRUE(p.payload.empty());
}

TEST(Seq, WrapAround) {
  EXPECT_EQ(seq_diff(65535, 0), 1);
  EXPECT_EQ(seq_diff(0, 65535), -1);
  EXPECT_TRUE(seq_newer(2, 65530));
  EXPECT_FALSE(seq_newer(65530, 2));
  EXPECT_TRUE(ts_newer(10, 0xFFFFFF00u));
  SeqUnwrapper u;
  EXPECT_EQ(u.unwrap(65534), 65534);
  EXPECT_EQ(u.unwrap(65535), 65535);
  EXPECT_EQ(u.unwrap(1), 65537);
  EXPECT_EQ(u.unwrap(65533), 65533);  // late, from before the wrap
  EXPECT_EQ(u.unwrap(2), 65538);
}

TEST(Rtcp, CompoundSrSdesByeRoundTrip) {
  std::array<ReportBlock, 2> blocks{};
  blocks[0].ssrc = 0xAAAA;
  blocks[0].fraction_lost = 25;
  blocks[0].cumulative_lost = -3;  // duplicates can make it negative
  blocks[0].extended_highest_seq = 0x00012345;
  blocks[0].jitter = 480;
  blocks[0].lsr = 0x12345678;
  blocks[0].dlsr = 0x00010000;
  blocks[1].ssrc = 0xBBBB;
  blocks[1].cumulative_lost = 70000;
  SenderInfo si{0x0102030405060708ull, 96000, 100, 16000};
  std::array<std::uint8_t, limits::kRtcpPacketMax> buf{};
  RtcpWriter w(buf);
  ASSERT_TRUE(w.sender_report(0x5555, si, blocks));
  ASSERT_TRUE(w.sdes_cname(0x5555, "dialtone-cname"));
  ASSERT_TRUE(w.bye(0x5555, "hangup"));
  EXPECT_EQ(w.size() % 4, 0u);

  RtcpCompound c;
  ASSERT_EQ(parse_rtcp(w.bytes(), c), RtcpError::kOk);
  EXPECT_EQ(c.packets, 3u);
  EXPECT_TRUE(c.has_sr);
  EXPECT_EQ(c.sender_ssrc, 0x5555u);
  EXPECT_EQ(c.sender.ntp, si.ntp);
  EXPECT_EQ(c.sender.rtp_timestamp, 96000u);
  EXPECT_EQ(c.sender.packet_count, 100u);
  EXPECT_EQ(c.sender.octet_count, 16000u);
  ASSERT_EQ(c.blocks.size(), 2u);
  EXPECT_EQ(c.blocks[0].fraction_lost, 25);
  EXPECT_EQ(c.blocks[0].cumulative_lost, -3);
  EXPECT_EQ(c.blocks[0].extended_highest_seq, 0x00012345u);
  EXPECT_EQ(c.blocks[0].jitter, 480u);
  EXPECT_EQ(c.blocks[0].lsr, 0x12345678u);
  EXPECT_EQ(c.blocks[0].dlsr, 0x00010000u);
  EXPECT_EQ(c.blocks[1].cumulative_lost, 70000);
  EXPECT_EQ(c.cname.view(), "dialtone-cname");
  EXPECT_EQ(c.cname_ssrc, 0x5555u);
  EXPECT_TRUE(c.has_bye);
  ASSERT_EQ(c.bye_ssrcs.size(), 1u);
  EXPECT_EQ(c.bye_ssrcs[0], 0x5555u);
}

TEST(Rtcp, ReceiverReportAndSkippedTypes) {
  std::array<std::uint8_t, 128> buf{};
  RtcpWriter w(buf);
  ReportBlock b;
  b.ssrc = 7;
  b.fraction_lost = 128;
  ASSERT_TRUE(w.receiver_report(9, std::span(&b, 1)));
  std::size_t n = w.size();
  // Append a transport feedback packet (PT 205) we do not read.
  const std::uint8_t fb[] = {0x8F, 205, 0, 2, 0, 0, 0, 9, 0, 0, 0, 7};
  std::copy(std::begin(fb), std::end(fb), buf.begin() + static_cast<std::ptrdiff_t>(n));
  RtcpCompound c;
  ASSERT_EQ(parse_rtcp({buf.data(), n + sizeof fb}, c), RtcpError::kOk);
  EXPECT_TRUE(c.has_rr);
  EXPECT_FALSE(c.has_sr);
  EXPECT_EQ(c.sender_ssrc, 9u);
  ASSERT_EQ(c.blocks.size(), 1u);
  EXPECT_EQ(c.blocks[0].fraction_lost, 128);
  EXPECT_EQ(c.skipped, 1u);
  EXPECT_EQ(c.packets, 2u);
  // Writer refuses what does not fit.
  std::array<std::uint8_t, 16> tiny{};
  RtcpWriter t(tiny);
  EXPECT_FALSE(t.receiver_report(1, std::span(&b, 1)));
  EXPECT_EQ(t.size(), 0u);
}

TEST(Rtcp, Errors) {
  RtcpCompound c;
  EXPECT_EQ(parse_rtcp(Bytes{0x80, 201}, c), RtcpError::kTooShort);
  EXPECT_EQ(parse_rtcp(Bytes{0x40, 201, 0, 1, 0, 0, 0, 1}, c), RtcpError::kBadVersion);
  EXPECT_EQ(parse_rtcp(Bytes{0x80, 201, 0, 5, 0, 0, 0, 1}, c), RtcpError::kBadLength);
  EXPECT_EQ(parse_rtcp(Bytes{0x80, 200, 0, 1, 0, 0, 0, 1}, c), RtcpError::kBadLength);  // SR without sender info
  // Trailing garbage after a good packet.
  EXPECT_EQ(parse_rtcp(Bytes{0x80, 201, 0, 1, 0, 0, 0, 1, 0x80}, c), RtcpError::kTooShort);
}

TEST(Rtcp, RoundTripTime) {
  // We sent an SR at t=10 s; the peer held it 250 ms and its RR reached us
  // at t=10.4 s: the network took 150 ms both ways.
  const std::uint64_t sr_ntp = ntp_from_ms(10'000);
  ReceiverStats peer(48000);
  peer.on_sender_report(sr_ntp, 5'000);
  ReportBlock b = peer.make_report(1, 5'250);
  EXPECT_EQ(b.lsr, ntp_middle(sr_ntp));
  EXPECT_EQ(b.dlsr, 250u * 65536 / 1000);
  auto rtt = rtt_ms(b, ntp_from_ms(10'400));
  ASSERT_TRUE(rtt.has_value());
  EXPECT_NEAR(static_cast<double>(*rtt), 150.0, 1.0);
  ReportBlock none;
  EXPECT_FALSE(rtt_ms(none, ntp_from_ms(1000)).has_value());
}

TEST(ReceiverStatsTest, LossAcrossWrapAndFractionPerInterval) {
  ReceiverStats s(48000);
  TimeMs t = 0;
  std::uint32_t ts = 0;
  std::uint16_t seq = 65500;
  int sent = 0;
  for (int i = 0; i < 200; ++i, ++seq, t += 20, ts += 960) {
    ++sent;
    if (i % 20 == 10) continue;  // 10 lost, spread over the run
    s.on_packet(seq, ts, t);
  }
  EXPECT_TRUE(s.valid());
  // Probation swallows the first packet (A.1): base is the second.
  EXPECT_EQ(s.expected(), 199u);
  EXPECT_EQ(s.lost(), 10);
  EXPECT_EQ(s.extended_highest_seq(), 65536u + static_cast<std::uint16_t>(65500 + 199));
  ReportBlock b = s.make_report(0x1234, t);
  EXPECT_EQ(b.cumulative_lost, 10);
  EXPECT_EQ(b.fraction_lost, (10 * 256) / 199);
  EXPECT_EQ(b.jitter, 0u);  // perfectly paced
  // Next interval: 20 packets, 5 lost.
  for (int i = 0; i < 20; ++i, ++seq, t += 20, ts += 960)
    if (i % 4 != 0) s.on_packet(seq, ts, t);
  b = s.make_report(0x1234, t);
  EXPECT_EQ(b.fraction_lost, 5 * 256 / 20);
  EXPECT_EQ(b.cumulative_lost, 15);
}

TEST(ReceiverStatsTest, JitterFollowsRfc3550A8) {
  ReceiverStats s(48000);
  TimeMs t = 1000;
  std::uint32_t ts = 0xFFFF0000u;  // also crosses the timestamp wrap
  for (int i = 0; i < 400; ++i, ts += 960) {
    // Arrivals alternate 0 and +10 ms around the 20 ms grid: |D| = 10 ms.
    s.on_packet(static_cast<std::uint16_t>(i), ts, t + 20 * i + ((i % 2) ? 10 : 0));
  }
  EXPECT_NEAR(s.jitter_ms(), 10.0, 0.5);
  EXPECT_NEAR(static_cast<double>(s.jitter()), 480.0, 24.0);
}

TEST(ReceiverStatsTest, DuplicatesAndRestart) {
  ReceiverStats s(8000);
  for (std::uint16_t q = 0; q < 10; ++q) s.on_packet(q, q * 160u, q * 20);
  s.on_packet(5, 800, 200);  // duplicate counts as received
  EXPECT_EQ(s.lost(), -1);
  // A far jump is ignored once, accepted when the next packet follows it.
  EXPECT_FALSE(s.on_packet(40000, 0, 220));
  EXPECT_TRUE(s.on_packet(40001, 160, 240));
  EXPECT_EQ(s.expected(), 1u);
  EXPECT_EQ(s.lost(), 0);
}

TEST(Demux, Rfc7983FirstByte) {
  auto kind = [](std::initializer_list<std::uint8_t> head, std::size_t size) {
    Bytes b(size, 0);
    std::copy(head.begin(), head.end(), b.begin());
    return classify(b);
  };
  EXPECT_EQ(kind({0x00, 0x01}, 20), PacketKind::kStun);  // binding request
  EXPECT_EQ(kind({0x01, 0x01}, 20), PacketKind::kStun);  // success response
  EXPECT_EQ(kind({0x00, 0x01}, 10), PacketKind::kUnknown);
  EXPECT_EQ(kind({22, 0xFE, 0xFD}, 40), PacketKind::kDtls);  // handshake
  EXPECT_EQ(kind({23, 0xFE, 0xFD}, 40), PacketKind::kDtls);  // application data
  EXPECT_EQ(kind({63}, 40), PacketKind::kDtls);
  EXPECT_EQ(kind({16}, 40), PacketKind::kZrtp);
  EXPECT_EQ(kind({64}, 40), PacketKind::kTurnChannel);
  EXPECT_EQ(kind({0x80, 111}, 40), PacketKind::kRtp);
  EXPECT_EQ(kind({0x80, 0x80 | 111}, 40), PacketKind::kRtp);  // marker set
  EXPECT_EQ(kind({0x80, 0}, 12), PacketKind::kRtp);
  EXPECT_EQ(kind({0x80, 200}, 28), PacketKind::kRtcp);  // SR
  EXPECT_EQ(kind({0x81, 201}, 32), PacketKind::kRtcp);  // RR
  EXPECT_EQ(kind({0x80, 206}, 12), PacketKind::kRtcp);  // PSFB
  EXPECT_EQ(kind({0xBF, 223}, 8), PacketKind::kRtcp);
  EXPECT_EQ(kind({0x80, 111}, 11), PacketKind::kUnknown);
  EXPECT_EQ(kind({0xC0, 111}, 40), PacketKind::kUnknown);  // version 3
  EXPECT_EQ(kind({100}, 40), PacketKind::kUnknown);
  EXPECT_EQ(classify({}), PacketKind::kUnknown);
  EXPECT_STREQ(to_string(PacketKind::kRtcp), "rtcp");
}

}  // namespace
}  // namespace dialtone::media
