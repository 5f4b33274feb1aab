// Two AudioSessions in one process on 127.0.0.1 (private netns, CTest):
// offer/answer through the SDP text, tones both ways after DTLS, hold,
// resume, ICE restart, DTMF, G.711 fallback, fingerprint mismatch.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/unit/media/alloc_counter.hpp"
#include "tests/unit/media/session_test_util.hpp"

namespace dialtone::media {
namespace {

using sdp::Direction;
using testing::AudioClock;
using testing::LoopWithGlib;
using testing::negotiate;
using testing::Party;

struct Call {
  LoopWithGlib env;
  // Different board rates on purpose: 16 kHz and 48 kHz both resample.
  Party a{env.loop, env.ctx, 16000, 1000};
  Party b{env.loop, env.ctx, 48000, 600};
  AudioClock clock{env.loop, {&a, &b}};

  TimeMs t0 = 0;
  bool connect(TimeMs& setup_ms) {
    t0 = monotonic_ms();
    if (!negotiate(env, a, b, Direction::kSendRecv, Direction::kSendRecv)) return false;
    if (!env.run_until([&] { return (a.connected_at >= 0 && b.connected_at >= 0) || a.failed || b.failed; },
                       10000))
      return false;
    setup_ms = std::max(a.connected_at, b.connected_at) - t0;
    return a.connected_at >= 0 && b.connected_at >= 0;
  }
};

TEST(AudioSession, TonesBothWaysHoldResumeDtmf) {
  Call c;
  TimeMs setup = 0;
  ASSERT_TRUE(c.connect(setup)) << c.a.reason << " / " << c.b.reason;
  std::printf("call setup on loopback (create_offer -> on_connected on both): %lld ms "
              "(A connected at +%lld ms, B at +%lld ms)\n",
              static_cast<long long>(setup), static_cast<long long>(c.a.connected_at - c.t0),
              static_cast<long long>(c.b.connected_at - c.t0));
  EXPECT_NE(c.a.local_sdp.find("a=setup:actpass"), std::string::npos);
  EXPECT_NE(c.b.local_sdp.find("a=setup:active"), std::string::npos);
  EXPECT_NE(c.a.local_sdp.find("a=candidate:"), std::string::npos);

  // Audio after DTLS: 1000 Hz A->B, 600 Hz B->A, and neither hears itself.
  c.env.run_for(1500);
  EXPECT_TRUE(c.b.hears(1000)) << test::tone_power_ratio(c.b.last(1000), 1000, 48000);
  EXPECT_TRUE(c.a.hears(600)) << test::tone_power_ratio(c.a.last(1000), 600, 16000);
  EXPECT_FALSE(c.b.hears(600));
  EXPECT_FALSE(c.a.hears(1000));
  EXPECT_EQ(std::string(c.a.s->stats().codec), "opus");
  EXPECT_GT(c.b.s->stats().rx_packets, 40u);
  // Steady state: both media sockets are read at the audio tick, not polled
  // for, and nothing was lost on the way (loopback).
  EXPECT_TRUE(c.a.s->transport().reading_at_tick());
  EXPECT_TRUE(c.b.s->transport().reading_at_tick());
  EXPECT_EQ(c.a.s->stats().lost, 0);
  EXPECT_EQ(c.b.s->stats().lost, 0);

  // Hold: A offers sendonly, B answers recvonly. B->A audio stops; A->B goes on.
  ASSERT_TRUE(negotiate(c.env, c.a, c.b, Direction::kSendOnly, Direction::kSendRecv));
  EXPECT_EQ(c.a.s->direction(), Direction::kSendOnly);
  EXPECT_EQ(c.b.s->direction(), Direction::kRecvOnly);
  EXPECT_NE(c.b.local_sdp.find("a=recvonly"), std::string::npos);
  c.env.run_for(300);  // what was in flight drains
  const std::uint64_t a_rx_held = c.a.s->stats().rx_packets;
  c.env.run_for(1000);
  EXPECT_FALSE(c.a.hears(600, 1000));
  EXPECT_LT(test::rms(c.a.last(1000)), 50.0);
  EXPECT_EQ(c.a.s->stats().rx_packets, a_rx_held) << "B still sends while held";
  EXPECT_TRUE(c.b.hears(1000));

  // Resume (same ICE credentials: a plain re-offer).
  const std::string ufrag_line = c.a.local_sdp.substr(c.a.local_sdp.find("a=ice-ufrag:"), 20);
  ASSERT_TRUE(negotiate(c.env, c.a, c.b, Direction::kSendRecv, Direction::kSendRecv));
  EXPECT_NE(c.a.local_sdp.find(ufrag_line), std::string::npos) << "re-offer changed ICE credentials";
  c.env.run_for(1000);
  EXPECT_TRUE(c.a.hears(600, 600));
  EXPECT_TRUE(c.b.hears(1000, 600)) << "the far end lost our audio over hold and resume";

  // A re-offer from the other side (B holds A, then resumes): both ways again.
  ASSERT_TRUE(negotiate(c.env, c.b, c.a, Direction::kSendOnly, Direction::kSendRecv));
  EXPECT_EQ(c.a.s->direction(), Direction::kRecvOnly);
  c.env.run_for(1300);
  EXPECT_FALSE(c.b.hears(1000, 1000)) << "A still sends while held by B";
  EXPECT_TRUE(c.a.hears(600)) << "A no longer hears B while held by B";
  ASSERT_TRUE(negotiate(c.env, c.b, c.a, Direction::kSendRecv, Direction::kSendRecv));
  c.env.run_for(1000);
  EXPECT_TRUE(c.a.hears(600, 600));
  EXPECT_TRUE(c.b.hears(1000, 600));

  // The call layer's own gate: set_play(false) silences the earpiece.
  c.b.s->set_play(false);
  c.env.run_for(600);
  EXPECT_LT(test::rms(c.b.last(500)), 1.0);
  c.b.s->set_play(true);

  // DTMF: digits sent by A are reported by B, once each, in order.
  ASSERT_TRUE(c.a.s->send_dtmf('5'));
  ASSERT_TRUE(c.a.s->send_dtmf('#'));
  ASSERT_TRUE(c.env.run_until([&] { return c.b.digits.size() >= 2; }, 3000)) << c.b.digits;
  c.env.run_for(300);
  EXPECT_EQ(c.b.digits, "5#");
  EXPECT_FALSE(c.a.s->send_dtmf('x'));

  // ICE restart: new credentials, audio still flows afterwards.
  ASSERT_TRUE(negotiate(c.env, c.a, c.b, Direction::kSendRecv, Direction::kSendRecv, true));
  EXPECT_EQ(c.a.local_sdp.find(ufrag_line), std::string::npos) << "ICE restart kept the old ufrag";
  c.env.run_for(1500);
  EXPECT_TRUE(c.b.hears(1000));
  EXPECT_TRUE(c.a.hears(600));
  // The restart's checks ran with the sockets polled; the new pair's media
  // is read at the tick again.
  EXPECT_TRUE(c.a.s->transport().reading_at_tick());
  EXPECT_TRUE(c.b.s->transport().reading_at_tick());

  // RTCP: a report each way has gone by now (first 1 s after connecting).
  c.env.run_for(4000);
  for (Party* p : {&c.a, &c.b}) {
    AudioSessionStats s = p->s->stats();
    std::printf("stats %c: codec=%s rx=%llu tx=%llu lost=%lld jitter=%.2f ms rtt=%d ms\n", p == &c.a ? 'A' : 'B',
                s.codec, static_cast<unsigned long long>(s.rx_packets), static_cast<unsigned long long>(s.tx_packets),
                static_cast<long long>(s.lost), s.jitter_ms, s.rtt_ms);
    EXPECT_GE(s.rtt_ms, 0) << "no RTCP round trip measured";
  }
  EXPECT_FALSE(c.a.failed);
  EXPECT_FALSE(c.b.failed);
}

// Steady state with the media read at the tick: no heap call per frame or
// per packet in the whole process (our code, libnice, GLib, libsrtp, Opus):
// reception never ends on a failed read, whose GError would be allocated.
TEST(AudioSession, NoHeapCallsPerFrameOnceReadAtTheTick) {
  if (!test::alloc_counting_enabled()) GTEST_SKIP() << "allocation counting is off (sanitizer build)";
  Call c;
  for (Party* p : {&c.a, &c.b}) p->heard.reserve(p->rate * 30);  // the test's own recording
  TimeMs setup = 0;
  ASSERT_TRUE(c.connect(setup)) << c.a.reason << " / " << c.b.reason;
  c.env.run_for(1500);  // past the first RTCP report
  ASSERT_TRUE(c.a.s->transport().reading_at_tick());
  ASSERT_TRUE(c.b.s->transport().reading_at_tick());
  const std::uint64_t rx0 = c.a.s->stats().rx_packets + c.b.s->stats().rx_packets;
  const std::size_t before = test::alloc_count();
  c.env.run_for(2000);
  const std::size_t heap_calls = test::alloc_count() - before;
  const std::uint64_t packets = c.a.s->stats().rx_packets + c.b.s->stats().rx_packets - rx0;
  EXPECT_GT(packets, 150u);
  EXPECT_EQ(heap_calls, 0u) << "over " << packets << " packets";
  EXPECT_TRUE(c.b.hears(1000));
  EXPECT_TRUE(c.a.hears(600));
}

// A far end without Opus: both sides fall back to PCMU and the tones still pass.
TEST(AudioSession, G711WhenOpusIsNotOffered) {
  LoopWithGlib env;
  Party a{env.loop, env.ctx, 8000, 1000};
  Party b{env.loop, env.ctx, 16000, 600};
  AudioClock clock{env.loop, {&a, &b}};
  auto strip_opus = [](std::string sdp) {
    std::size_t m = sdp.find("m=audio ");
    std::size_t pt = sdp.find(" 111", m);
    if (pt != std::string::npos && pt < sdp.find('\n', m)) sdp.erase(pt, 4);
    return sdp;
  };
  ASSERT_TRUE(negotiate(env, a, b, Direction::kSendRecv, Direction::kSendRecv, false, strip_opus));
  ASSERT_TRUE(env.run_until([&] { return a.connected_at >= 0 && b.connected_at >= 0; }, 10000))
      << a.reason << " / " << b.reason;
  EXPECT_EQ(std::string(b.s->stats().codec), "PCMU");
  EXPECT_EQ(std::string(a.s->stats().codec), "PCMU");
  env.run_for(1500);
  EXPECT_TRUE(b.hears(1000));
  EXPECT_TRUE(a.hears(600));
}

// The answer carries a fingerprint that is not B's certificate: A refuses
// DTLS and says why; no audio is sent.
TEST(AudioSession, FingerprintMismatchFails) {
  LoopWithGlib env;
  Party a{env.loop, env.ctx, 16000, 1000};
  Party b{env.loop, env.ctx, 16000, 600};
  AudioClock clock{env.loop, {&a, &b}};
  ASSERT_TRUE(a.s->create_offer(Direction::kSendRecv, false));
  ASSERT_TRUE(env.run_until([&] { return a.sdp_count > 0; }, 5000));
  ASSERT_TRUE(b.s->create_answer(a.local_sdp, Direction::kSendRecv));
  ASSERT_TRUE(env.run_until([&] { return b.sdp_count > 0; }, 5000));
  std::string answer = b.local_sdp;
  std::size_t at = answer.find("a=fingerprint:sha-256 ") + 22;
  answer[at] = answer[at] == 'A' ? 'B' : 'A';
  ASSERT_TRUE(a.s->apply_answer(answer));
  ASSERT_TRUE(env.run_until([&] { return a.failed; }, 10000));
  EXPECT_NE(a.reason.find("fingerprint"), std::string::npos) << a.reason;
  EXPECT_LT(a.connected_at, 0);
  EXPECT_FALSE(a.s->connected());
  EXPECT_EQ(a.s->stats().tx_packets, 0u);
}

}  // namespace
}  // namespace dialtone::media
