#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "media/codec/g711_codec.hpp"
#include "media/codec/opus_codec.hpp"
#include "media/jitter/jitter_buffer.hpp"
#include "media/jitter/playout.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "tests/common/tone_detect.hpp"
#include "tests/unit/media/alloc_counter.hpp"

namespace dialtone::media {
namespace {

using Kind = JitterFrame::Kind;

// A packet whose one-byte payload is its sequence number's low byte.
RtpPacket packet(std::uint16_t seq, std::uint32_t ssrc = 1, std::uint8_t* body = nullptr) {
  static std::array<std::uint8_t, 65536> bodies{};  // stable storage per sequence
  RtpPacket p;
  p.sequence = seq;
  p.timestamp = static_cast<std::uint32_t>(seq) * 960u;
  p.ssrc = ssrc;
  p.payload_type = 111;
  std::uint8_t* b = body ? body : &bodies[seq];
  *b = static_cast<std::uint8_t>(seq);
  p.payload = {b, 1};
  return p;
}

// Pops until playout starts; returns the first frame that is not buffering.
JitterFrame first_played(JitterBuffer& jb) {
  for (int i = 0; i < 50; ++i) {
    JitterFrame f = jb.pop();
    if (f.kind != Kind::kBuffering) return f;
  }
  return {};
}

TEST(JitterBufferTest, BuffersToTargetThenPlaysInOrder) {
  JitterBuffer jb;
  EXPECT_EQ(jb.pop().kind, Kind::kBuffering);
  ASSERT_EQ(jb.push(packet(10), 0), PushResult::kOk);
  EXPECT_EQ(jb.pop().kind, Kind::kBuffering);  // 20 ms held, target 40 ms
  ASSERT_EQ(jb.push(packet(11), 20), PushResult::kOk);
  JitterFrame f = jb.pop();
  ASSERT_EQ(f.kind, Kind::kPacket);
  EXPECT_EQ(f.sequence, 10);
  ASSERT_EQ(f.payload.size(), 1u);
  EXPECT_EQ(f.payload[0], 10);
  EXPECT_EQ(jb.pop().sequence, 11);
  EXPECT_EQ(jb.stats().played, 2u);
  EXPECT_EQ(jb.stats().target_delay_ms, limits::kJitterMinDelayMs);
}

TEST(JitterBufferTest, ReorderedAndEarlierFirstPacket) {
  JitterBuffer jb;
  jb.push(packet(3), 0);
  jb.push(packet(1), 1);  // before playout, an earlier packet opens the stream
  jb.push(packet(2), 2);
  std::vector<std::uint16_t> order;
  JitterFrame f = first_played(jb);
  order.push_back(f.sequence);
  for (int i = 0; i < 2; ++i) order.push_back(jb.pop().sequence);
  EXPECT_EQ(order, (std::vector<std::uint16_t>{1, 2, 3}));
  EXPECT_EQ(jb.stats().lost, 0u);
}

TEST(JitterBufferTest, LossUsesFecFromNextPacketElsePlc) {
  JitterBuffer jb;
  for (std::uint16_t s : {1, 2, 5, 6}) jb.push(packet(s), s * 20);
  EXPECT_EQ(first_played(jb).sequence, 1);
  EXPECT_EQ(jb.pop().kind, Kind::kPacket);  // 2
  JitterFrame f3 = jb.pop();
  EXPECT_EQ(f3.kind, Kind::kLost);  // 3: 4 is missing too
  EXPECT_EQ(f3.sequence, 3);
  JitterFrame f4 = jb.pop();
  ASSERT_EQ(f4.kind, Kind::kFec);  // 4: rebuilt from 5
  EXPECT_EQ(f4.payload[0], 5);
  JitterFrame f5 = jb.pop();
  EXPECT_EQ(f5.kind, Kind::kPacket);
  EXPECT_EQ(f5.sequence, 5);
  EXPECT_EQ(jb.stats().lost, 2u);
  EXPECT_EQ(jb.stats().fec, 1u);
}

TEST(JitterBufferTest, LateAndDuplicateAreDistinct) {
  JitterBuffer jb;
  for (std::uint16_t s = 1; s <= 4; ++s)
    if (s != 2) jb.push(packet(s), s * 20);
  EXPECT_EQ(jb.push(packet(3), 100), PushResult::kDuplicate);  // still buffered
  first_played(jb);  // 1
  jb.pop();          // 2: lost (FEC from 3)
  EXPECT_EQ(jb.push(packet(2), 120), PushResult::kLate);       // its turn passed
  EXPECT_EQ(jb.push(packet(1), 121), PushResult::kDuplicate);  // already played
  EXPECT_EQ(jb.stats().late, 1u);
  EXPECT_EQ(jb.stats().duplicate, 2u);
}

TEST(JitterBufferTest, SequenceWrapAround) {
  JitterBuffer jb;
  std::uint16_t seq = 65530;
  std::vector<std::uint16_t> played;
  for (int i = 0; i < 20; ++i, ++seq) {
    jb.push(packet(seq), i * 20);
    JitterFrame f = jb.pop();
    if (f.kind == Kind::kPacket) {
      played.push_back(f.sequence);
    } else {
      EXPECT_EQ(f.kind, Kind::kBuffering);
    }
  }
  ASSERT_GE(played.size(), 17u);
  for (std::size_t i = 1; i < played.size(); ++i) EXPECT_EQ(static_cast<std::uint16_t>(played[i - 1] + 1), played[i]);
  EXPECT_EQ(jb.stats().lost, 0u);
  EXPECT_EQ(jb.stats().resets, 0u);
}

TEST(JitterBufferTest, ResetOnSsrcChangeAndFarJump) {
  JitterBuffer jb;
  for (std::uint16_t s = 1; s <= 4; ++s) jb.push(packet(s), s * 20);
  first_played(jb);
  EXPECT_EQ(jb.push(packet(500, 2), 100), PushResult::kReset);  // new SSRC
  EXPECT_FALSE(jb.playing());
  jb.push(packet(501, 2), 120);
  EXPECT_EQ(first_played(jb).sequence, 500);
  EXPECT_EQ(jb.push(packet(30000, 2), 140), PushResult::kReset);  // sender restarted
  jb.push(packet(30001, 2), 160);
  EXPECT_EQ(first_played(jb).sequence, 30000);
  EXPECT_EQ(jb.stats().resets, 2u);
}

TEST(JitterBufferTest, OverflowDropsOldestAndStaysBounded) {
  JitterBuffer jb;
  for (std::uint16_t s = 0; s < 40; ++s) jb.push(packet(s), 0);
  EXPECT_LE(jb.buffered(), limits::kJitterSlots);
  EXPECT_EQ(jb.stats().overflow, 40u - limits::kJitterSlots);
  EXPECT_EQ(first_played(jb).sequence, 40 - limits::kJitterSlots);
}

TEST(JitterBufferTest, TooLargePayload) {
  static std::array<std::uint8_t, limits::kJitterPayloadMax + 1> big{};
  RtpPacket p = packet(1);
  p.payload = big;
  JitterBuffer jb;
  EXPECT_EQ(jb.push(p, 0), PushResult::kTooLarge);
}

// Deterministic pseudo-random numbers for network simulation.
class Lcg {
 public:
  std::uint32_t next() {
    state_ = state_ * 1664525u + 1013904223u;
    return state_ >> 8;
  }

 private:
  std::uint32_t state_ = 12345;
};

TEST(JitterBufferTest, TargetFollowsJitterAndUnderruns) {
  JitterBuffer steady, jittery;
  Lcg rng;
  for (std::uint16_t s = 0; s < 500; ++s) {
    steady.push(packet(s), s * 20);
    jittery.push(packet(s), s * 20 + rng.next() % 60);
    steady.pop();
    jittery.pop();
  }
  EXPECT_EQ(steady.stats().target_delay_ms, limits::kJitterMinDelayMs);
  EXPECT_LT(steady.stats().jitter_ms, 1.0);
  EXPECT_GT(jittery.stats().jitter_ms, 10.0);
  EXPECT_GT(jittery.stats().target_delay_ms, 60u);
  EXPECT_LE(jittery.stats().target_delay_ms, limits::kJitterMaxDelayMs);
  // A stall: the buffer runs dry, conceals, and aims deeper.
  std::uint32_t before = steady.stats().target_delay_ms;
  for (int i = 0; i < 5; ++i) steady.pop();
  EXPECT_GT(steady.stats().underruns, 0u);
  EXPECT_GT(steady.stats().target_delay_ms, before);
}

// In a call's steady state packets are read at the audio tick, just before
// the pop (AudioSession::on_audio_frame), so their arrival time is the
// tick's, up to one frame after they came. The worst case of that rounding
// is a sender whose packets land right at our tick boundary, some just
// before it and some just after: arrivals then differ by a whole frame from
// one packet to the next. Every packet must still be played in order, none
// concealed, with the delay target well under the maximum. `offset_ms` is
// where, within our frame, the packets come (~0: at the boundary).
JitterStats read_at_tick(double offset_ms, double spread_ms) {
  JitterBuffer jb;
  Lcg rng;
  const int packets = 3000;  // a minute
  std::vector<TimeMs> arrival(packets);
  for (int i = 0; i < packets; ++i) {
    const double u = (rng.next() % 1001) / 1000.0 - 0.5;  // -0.5 .. 0.5
    const double t = 20.0 * (i + 1) + offset_ms + spread_ms * u;
    arrival[i] = static_cast<TimeMs>(std::ceil(t / 20.0)) * 20;  // the first tick at or after it
  }
  int next = 0;
  std::uint16_t expect = 0;
  bool started = false;
  for (TimeMs tick = 0; tick <= 20 * (packets + 20); tick += 20) {
    while (next < packets && arrival[next] <= tick) {
      EXPECT_EQ(jb.push(packet(static_cast<std::uint16_t>(next)), tick), PushResult::kOk);
      ++next;
    }
    if (next == packets && jb.buffered() == 0) break;  // all played
    JitterFrame f = jb.pop();
    if (f.kind == Kind::kBuffering && !started) continue;
    started = true;
    EXPECT_EQ(f.kind, Kind::kPacket) << "tick " << tick;
    EXPECT_EQ(f.sequence, expect);
    ++expect;
  }
  EXPECT_EQ(expect, packets);
  return jb.stats();
}

TEST(JitterBufferTest, PacketsReadAtTheTickAreAllPlayed) {
  const JitterStats mid = read_at_tick(10.0, 3.0);      // well inside our frame
  const JitterStats boundary = read_at_tick(0.0, 3.0);  // straddling our tick
  for (const JitterStats* s : {&mid, &boundary}) {
    EXPECT_EQ(s->lost, 0u);
    EXPECT_EQ(s->underruns, 0u);
    EXPECT_EQ(s->shrunk, 0u);
    EXPECT_LE(s->target_delay_ms, limits::kJitterMaxDelayMs / 2);
  }
  EXPECT_EQ(mid.target_delay_ms, limits::kJitterMinDelayMs);
  std::printf("read at the tick: jitter %.1f ms, target %u ms mid-frame; %.1f ms, %u ms at the boundary\n",
              mid.jitter_ms, mid.target_delay_ms, boundary.jitter_ms, boundary.target_delay_ms);
}

struct SentPacket {
  TimeMs arrival;
  std::vector<std::uint8_t> bytes;
};

// Sends a 1000 Hz tone through `codec` over a bad network (loss, a burst,
// reordering, duplicates, 0-40 ms jitter) into the jitter buffer, plays it
// out tick by tick and checks the tone is continuous.
void tone_through_network(Codec& enc, Codec& dec, std::uint32_t clock_rate) {
  const std::size_t frame = enc.frame_samples();
  const double rate = enc.sample_rate();
  const int frames = 250;
  Lcg rng;
  std::vector<SentPacket> net;
  std::vector<std::int16_t> pcm(frame);
  std::array<std::uint8_t, limits::kRtpPacketMax> buf{};
  std::array<std::uint8_t, limits::kCodecPayloadMax> payload{};
  double phase = 0;
  int dropped = 0;
  for (int i = 0; i < frames; ++i) {
    for (auto& s : pcm) {
      s = static_cast<std::int16_t>(std::lround(8000 * std::sin(phase)));
      phase += 2 * M_PI * 1000 / rate;
    }
    int n = enc.encode(pcm, payload);
    ASSERT_GT(n, 0);
    RtpHeader h;
    h.payload_type = 111;
    h.sequence = static_cast<std::uint16_t>(65400 + i);  // wraps mid-call
    h.timestamp = static_cast<std::uint32_t>(i) * (clock_rate / 50);
    h.ssrc = 0x1234;
    std::size_t len = write_rtp(h, {payload.data(), static_cast<std::size_t>(n)}, buf);
    if (i % 20 == 7 || i == 100 || i == 101) {  // isolated losses and a burst of two
      ++dropped;
      continue;
    }
    TimeMs arrival = 20 * i + 30 + static_cast<TimeMs>(rng.next() % 40);
    if (i % 13 == 5) arrival += 30;  // overtaken by the next packet
    net.push_back({arrival, std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(len))});
    if (i % 17 == 3) net.push_back({arrival + 5, net.back().bytes});  // duplicated
  }
  std::stable_sort(net.begin(), net.end(), [](const auto& a, const auto& b) { return a.arrival < b.arrival; });

  JitterBuffer jb({.clock_rate = clock_rate});
  std::vector<std::int16_t> out;
  out.reserve((frames + 20) * frame);  // the test's own buffer must not count
  std::vector<std::int16_t> tick(limits::kFrameSamplesMax);
  std::size_t next = 0;
  // The decoder's first packet may allocate once inside libopus (run-time CPU
  // detection reads /proc/cpuinfo through stdio on Debian's armhf): decode it
  // before counting, since what is measured is the steady per-tick path.
  {
    RtpPacket first;
    ASSERT_EQ(parse_rtp(net.front().bytes, first), RtpError::kOk);
    ASSERT_GT(dec.decode(first.payload, tick), 0);
  }
  std::size_t allocs_before = test::alloc_count();
  for (TimeMs t = 0; t < 20 * frames + 300; ++t) {
    while (next < net.size() && net[next].arrival <= t) {
      RtpPacket p;
      ASSERT_EQ(parse_rtp(net[next].bytes, p), RtpError::kOk);
      jb.push(p, t);
      ++next;
    }
    if (t % 20 == 0) {
      play_next(jb, dec, tick);
      out.insert(out.end(), tick.begin(), tick.begin() + static_cast<std::ptrdiff_t>(frame));
    }
  }
  if (test::alloc_counting_enabled()) {
    EXPECT_EQ(test::alloc_count(), allocs_before);
  }

  const JitterStats& st = jb.stats();
  // Every dropped frame is reported lost; late ones are concealed too.
  EXPECT_GE(st.lost, static_cast<std::uint64_t>(dropped));
  EXPECT_LE(st.lost, static_cast<std::uint64_t>(dropped) + st.late + st.shrunk);
  EXPECT_GT(st.duplicate, 0u);
  EXPECT_EQ(st.resets, 0u);

  // From the first sound to the end of the stream: no gap over 60 ms.
  std::size_t start = 0;
  while (start < out.size() && out[start] == 0) ++start;
  ASSERT_LT(start, out.size());
  std::size_t end = start + (frames - 10) * frame;
  ASSERT_LE(end, out.size());
  int quiet_run = 0, worst = 0;
  for (std::size_t at = start; at + frame <= end; at += frame) {
    std::span<const std::int16_t> w(out.data() + at, frame);
    quiet_run = test::rms(w) < 800 ? quiet_run + 1 : 0;
    worst = std::max(worst, quiet_run);
  }
  EXPECT_LE(worst * 20, 60) << "longest gap " << worst * 20 << " ms";
  std::printf("lost %llu (fec %llu) late %llu dup %llu underruns %llu target %u ms jitter %.1f ms gap %d ms\n",
              static_cast<unsigned long long>(st.lost), static_cast<unsigned long long>(st.fec),
              static_cast<unsigned long long>(st.late), static_cast<unsigned long long>(st.duplicate),
              static_cast<unsigned long long>(st.underruns), st.target_delay_ms, st.jitter_ms, worst * 20);
  std::span<const std::int16_t> all(out.data() + start, end - start);
  EXPECT_GT(test::tone_power_ratio(all, 1000, rate), 0.3);
}

TEST(JitterPlayout, OpusToneSurvivesBadNetwork) {
  auto enc = std::make_unique<OpusCodec>();
  auto dec = std::make_unique<OpusCodec>();
  ASSERT_TRUE(enc->init());
  ASSERT_TRUE(dec->init());
  tone_through_network(*enc, *dec, 48000);
}

TEST(JitterPlayout, PcmuToneSurvivesBadNetwork) {
  G711Codec enc(sdp::CodecKind::kPcmu), dec(sdp::CodecKind::kPcmu);
  tone_through_network(enc, dec, 8000);
}

}  // namespace
}  // namespace dialtone::media
