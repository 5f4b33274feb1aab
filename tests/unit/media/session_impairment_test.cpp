// Audio under loss and jitter: two AudioSessions on 127.0.0.1 (private
// netns, CTest) talking only through an impairment relay that drops 5 % of
// RTP and delays every RTP/RTCP packet by a random 0..30 ms (so packets
// reorder). Each side's remote candidates are rewritten to the relay's
// port, so ICE checks, DTLS and media all go through it; only media is
// impaired. Checked, after DTLS and a short settling time: the tone each
// side hears stays continuous (no run of silent or toneless 20 ms earpiece
// frames longer than 60 ms; concealed frames that still carry the tone
// count as sound), and stats() reports the loss the relay caused and a
// non-zero jitter.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "tests/common/udp_impairment_relay.hpp"
#include "tests/unit/media/session_test_util.hpp"

namespace dialtone::media {
namespace {

using sdp::Direction;
using test::UdpImpairmentRelay;
using testing::AudioClock;
using testing::LoopWithGlib;
using testing::Party;

constexpr double kLoss = 0.05;
constexpr TimeMs kMaxDelayMs = 30;
constexpr std::uint32_t kSeed = 20240604;
constexpr TimeMs kSettleMs = 1000;   // jitter buffer finds its delay
constexpr TimeMs kWindowMs = 5000;   // what is measured
constexpr TimeMs kMaxGapMs = 60;     // longest toneless run allowed: three 20 ms frames

// Every "a=candidate:" line's address and port become 127.0.0.1:`port`
// (fields 5 and 6: foundation component transport priority address port).
// Returns the rewritten SDP; `real_port` gets the first candidate's port.
std::string via_relay(const std::string& sdp, std::uint16_t port, std::uint16_t& real_port) {
  std::istringstream in(sdp);
  std::string line, out;
  real_port = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("a=candidate:", 0) == 0) {
      std::istringstream f(line);
      std::string tok[6], rest;
      for (std::string& t : tok) f >> t;
      std::getline(f, rest);
      if (real_port == 0) real_port = static_cast<std::uint16_t>(std::atoi(tok[5].c_str()));
      line = tok[0] + ' ' + tok[1] + ' ' + tok[2] + ' ' + tok[3] + " 127.0.0.1 " + std::to_string(port) + rest;
    }
    out += line + "\r\n";
  }
  return out;
}

// Offer from A, answer from B, both rewritten so that every packet between
// them goes through `relay`. With `ice_restart`, the re-offer of a call
// whose path died; the relay's endpoints stay (a restart keeps the sockets).
::testing::AssertionResult negotiate_via_relay(LoopWithGlib& env, Party& a, Party& b, UdpImpairmentRelay& relay,
                                               bool ice_restart) {
  const int a0 = a.sdp_count, b0 = b.sdp_count;
  if (!a.s->create_offer(Direction::kSendRecv, ice_restart)) return ::testing::AssertionFailure() << "create_offer";
  if (!env.run_until([&] { return a.sdp_count > a0; }, 5000)) return ::testing::AssertionFailure() << "no offer";
  std::uint16_t a_port = 0, b_port = 0;
  const std::string offer = via_relay(a.local_sdp, relay.port_for(UdpImpairmentRelay::kB), a_port);
  if (a_port == 0) return ::testing::AssertionFailure() << "no candidate in " << a.local_sdp;
  relay.set_endpoint(UdpImpairmentRelay::kA, a_port);
  if (!b.s->create_answer(offer, Direction::kSendRecv)) return ::testing::AssertionFailure() << "create_answer";
  if (!env.run_until([&] { return b.sdp_count > b0; }, 5000)) return ::testing::AssertionFailure() << "no answer";
  const std::string answer = via_relay(b.local_sdp, relay.port_for(UdpImpairmentRelay::kA), b_port);
  if (b_port == 0) return ::testing::AssertionFailure() << "no candidate in " << b.local_sdp;
  relay.set_endpoint(UdpImpairmentRelay::kB, b_port);
  if (!a.s->apply_answer(answer)) return ::testing::AssertionFailure() << "apply_answer";
  return ::testing::AssertionSuccess();
}

// Per 20 ms frame of what `p` played in [from, end): does it carry the
// far end's tone? The longest run of frames that do not, in ms.
struct Continuity {
  std::size_t frames = 0;
  std::size_t toneless = 0;
  TimeMs max_gap_ms = 0;
  double min_ratio = 1;
};
Continuity continuity(const Party& p, std::size_t from, double hz) {
  Continuity c;
  const std::size_t n = p.rate / 50;
  std::size_t run = 0;
  for (std::size_t at = from; at + n <= p.heard.size(); at += n) {
    const std::span<const std::int16_t> frame = std::span(p.heard).subspan(at, n);
    const double ratio = test::tone_power_ratio(frame, hz, p.rate);
    // The mic tone is 8000 peak (rms ~5660); clean frames give a ratio
    // near 1. Concealed frames (Opus FEC/PLC) come out around rms 2200-
    // 4000 with ratio 0.15-0.5: still the tone, so not a gap. A faded PLC
    // frame (rms < 700, ratio < 0.1) or silence is.
    const bool sounding = ratio >= 0.1 && test::rms(frame) >= 1000;
    if (std::getenv("IMPAIR_DUMP") && !sounding)  // diagnosis: which frames, how bad
      std::printf("  frame %zu: ratio %.2f rms %.0f\n", c.frames, ratio, test::rms(frame));
    ++c.frames;
    c.min_ratio = std::min(c.min_ratio, ratio);
    if (sounding) {
      run = 0;
    } else {
      ++c.toneless;
      ++run;
      c.max_gap_ms = std::max<TimeMs>(c.max_gap_ms, static_cast<TimeMs>(run * 20));
    }
  }
  return c;
}

TEST(AudioSessionImpairment, ToneStaysContinuousUnderLossAndJitter) {
  LoopWithGlib env;
  Party a{env.loop, env.ctx, 16000, 1000};
  Party b{env.loop, env.ctx, 48000, 600};
  test::ImpairmentConfig ic;
  ic.loss = kLoss;
  ic.max_delay_ms = kMaxDelayMs;
  ic.seed = kSeed;
  UdpImpairmentRelay relay(env.loop, ic);
  ASSERT_TRUE(relay.open());
  AudioClock clock{env.loop, {&a, &b}};

  // Offer/answer with each side's candidates pointing at the relay.
  ASSERT_TRUE(negotiate_via_relay(env, a, b, relay, false));
  ASSERT_TRUE(env.run_until([&] { return (a.connected_at >= 0 && b.connected_at >= 0) || a.failed || b.failed; },
                            10000));
  ASSERT_TRUE(a.connected_at >= 0 && b.connected_at >= 0) << a.reason << " / " << b.reason;

  env.run_for(kSettleMs);
  const std::size_t a_from = a.heard.size(), b_from = b.heard.size();
  const AudioSessionStats a0 = a.s->stats(), b0 = b.s->stats();
  const test::RelayDirectionStats ab0 = relay.stats(UdpImpairmentRelay::kA);
  const test::RelayDirectionStats ba0 = relay.stats(UdpImpairmentRelay::kB);
  env.run_for(kWindowMs);
  const AudioSessionStats a1 = a.s->stats(), b1 = b.s->stats();
  const test::RelayDirectionStats ab1 = relay.stats(UdpImpairmentRelay::kA);
  const test::RelayDirectionStats ba1 = relay.stats(UdpImpairmentRelay::kB);

  EXPECT_FALSE(a.failed) << a.reason;
  EXPECT_FALSE(b.failed) << b.reason;

  struct Way {
    const char* name;
    const Party& rx;
    std::size_t from;
    double hz;
    AudioSessionStats s0, s1;
    test::RelayDirectionStats r0, r1;
  };
  for (const Way& w : {Way{"A->B", b, b_from, 1000, b0, b1, ab0, ab1}, Way{"B->A", a, a_from, 600, a0, a1, ba0, ba1}}) {
    SCOPED_TRACE(w.name);
    const Continuity c = continuity(w.rx, w.from, w.hz);
    const std::int64_t dropped = static_cast<std::int64_t>(w.r1.rtp_dropped - w.r0.rtp_dropped);
    const std::int64_t rtp = static_cast<std::int64_t>(w.r1.rtp - w.r0.rtp);
    const std::int64_t lost = w.s1.lost - w.s0.lost;
    std::printf("%s: relay rtp=%lld dropped=%lld (%.1f %%) reordered=%llu | session lost=%lld (total %lld, relay "
                "total %llu) jitter=%.2f ms rx=%llu | earpiece %zu frames, %zu toneless, max gap %lld ms, min "
                "ratio %.2f\n",
                w.name, static_cast<long long>(rtp), static_cast<long long>(dropped),
                rtp ? 100.0 * static_cast<double>(dropped) / static_cast<double>(rtp) : 0.0,
                static_cast<unsigned long long>(w.r1.reordered - w.r0.reordered), static_cast<long long>(lost),
                static_cast<long long>(w.s1.lost), static_cast<unsigned long long>(w.r1.rtp_dropped), w.s1.jitter_ms,
                static_cast<unsigned long long>(w.s1.rx_packets), c.frames, c.toneless,
                static_cast<long long>(c.max_gap_ms), c.min_ratio);

    // The impairment really happened (else the rest proves nothing).
    EXPECT_GT(rtp, 200);
    EXPECT_GT(dropped, 0);
    EXPECT_GT(w.r1.reordered - w.r0.reordered, 0u);

    // Continuity in the earpiece.
    EXPECT_GE(c.frames, static_cast<std::size_t>(kWindowMs / 20 - 5));
    EXPECT_LE(c.max_gap_ms, kMaxGapMs);

    // The receiver counts what the relay dropped; packets in flight at the
    // two snapshots may shift a couple between windows.
    EXPECT_GT(w.s1.lost, 0);
    EXPECT_NEAR(static_cast<double>(lost), static_cast<double>(dropped), 3.0);
    EXPECT_GT(w.s1.jitter_ms, 0.0);
  }
}

// The network dies mid-call for longer than ICE consent lasts (RFC 7675), then
// comes back. Both sides report the path lost (not failed: the call lives),
// A re-offers with an ICE restart as the call layer does, and the same
// DTLS-SRTP association carries the tones both ways again.
TEST(AudioSessionImpairment, CallComesBackAfterAnOutageThroughAnIceRestart) {
  LoopWithGlib env;
  Party a{env.loop, env.ctx, 16000, 1000};
  Party b{env.loop, env.ctx, 48000, 600};
  UdpImpairmentRelay relay(env.loop, test::ImpairmentConfig{});
  ASSERT_TRUE(relay.open());
  AudioClock clock{env.loop, {&a, &b}};
  ASSERT_TRUE(negotiate_via_relay(env, a, b, relay, false));
  ASSERT_TRUE(env.run_until([&] { return (a.connects > 0 && b.connects > 0) || a.failed || b.failed; }, 10000))
      << a.reason << " / " << b.reason;
  env.run_for(1000);
  ASSERT_TRUE(b.hears(1000, 500));
  ASSERT_TRUE(a.hears(600, 500));
  const std::uint64_t a_rx_before = a.s->transport().stats().rtp_received;

  relay.set_outage(true);
  ASSERT_TRUE(env.run_until([&] { return (a.paths_lost > 0 && b.paths_lost > 0) || a.failed || b.failed; }, 40000))
      << "no side noticed the outage";
  EXPECT_FALSE(a.failed) << a.reason;
  EXPECT_FALSE(b.failed) << b.reason;
  EXPECT_FALSE(a.s->connected());
  EXPECT_NE(a.reason.find("consent"), std::string::npos) << a.reason;
  EXPECT_GT(relay.stats(UdpImpairmentRelay::kA).outage_dropped, 0u);
  env.run_for(500);
  EXPECT_FALSE(a.hears(600, 300)) << "audio during the outage?";

  relay.set_outage(false);
  const int a_connects = a.connects, b_connects = b.connects;
  ASSERT_TRUE(negotiate_via_relay(env, a, b, relay, true));
  ASSERT_TRUE(env.run_until(
      [&] { return (a.connects > a_connects && b.connects > b_connects) || a.failed || b.failed; }, 10000))
      << a.reason << " / " << b.reason;
  env.run_for(1500);
  EXPECT_TRUE(b.hears(1000, 1000));
  EXPECT_TRUE(a.hears(600, 1000));
  EXPECT_GT(a.s->transport().stats().rtp_received, a_rx_before + 40);
  EXPECT_EQ(a.s->transport().stats().unprotect_failures, 0u);  // the same SRTP keys on both sides
  EXPECT_FALSE(a.failed || b.failed) << a.reason << " / " << b.reason;
}

}  // namespace
}  // namespace dialtone::media
