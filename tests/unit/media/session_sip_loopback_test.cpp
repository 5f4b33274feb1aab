// Two AudioSessions on 127.0.0.1 (private netns, CTest) in the SIP media
// profiles of sip-line.md section 5: RTP/AVP and SDES RTP/SAVP. Tones both
// ways, hold and resume, DTMF, RTCP on port + 1 or muxed, and latching
// (RFC 4961 symmetric RTP) through a relay that changes the source address,
// which for SDES only an authenticated packet may trigger.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "tests/common/udp_impairment_relay.hpp"
#include "tests/unit/media/alloc_counter.hpp"
#include "tests/unit/media/session_test_util.hpp"

namespace dialtone::media {
namespace {

using sdp::Direction;
using sdp::Profile;
using testing::AudioClock;
using testing::LoopWithGlib;
using testing::Party;

std::uint16_t m_port(const std::string& sdp) {
  const std::size_t m = sdp.find("m=audio ");
  return m == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(sdp.substr(m + 8)));
}

std::string with_m_port(std::string sdp, std::uint16_t port) {
  const std::size_t m = sdp.find("m=audio ") + 8;
  sdp.replace(m, sdp.find(' ', m) - m, std::to_string(port));
  return sdp;
}

std::string without(std::string sdp, const std::string& line) {
  const std::size_t p = sdp.find(line);
  if (p != std::string::npos) sdp.erase(p, line.size());
  return sdp;
}

std::string crypto_line(const std::string& sdp) {
  const std::size_t p = sdp.find("a=crypto:");
  return p == std::string::npos ? "" : sdp.substr(p, sdp.find('\r', p) - p);
}

// Offer (A) / answer (B) through the SDP text, each edited on its way.
template <typename EditOffer, typename EditAnswer>
bool offer_answer(LoopWithGlib& env, Party& a, Party& b, Direction da, Direction db, EditOffer edit_offer,
               EditAnswer edit_answer) {
  const int a0 = a.sdp_count, b0 = b.sdp_count;
  if (!a.s->create_offer(da, false)) return false;
  if (!env.run_until([&] { return a.sdp_count > a0; }, 5000)) return false;
  if (!b.s->create_answer(edit_offer(a.local_sdp), db)) return false;
  if (!env.run_until([&] { return b.sdp_count > b0; }, 5000)) return false;
  return a.s->apply_answer(edit_answer(b.local_sdp));
}

bool offer_answer(LoopWithGlib& env, Party& a, Party& b, Direction da, Direction db) {
  auto same = [](const std::string& s) { return s; };
  return offer_answer(env, a, b, da, db, same, same);
}

bool both_connected(LoopWithGlib& env, Party& a, Party& b) {
  return env.run_until([&] { return (a.connects > 0 && b.connects > 0) || a.failed || b.failed; }, 5000) &&
         a.connects > 0 && b.connects > 0;
}

class SipProfiles : public ::testing::TestWithParam<Profile> {};

// B is configured for DTLS offers on purpose: an answer takes the offer's profile.
TEST_P(SipProfiles, TonesBothWaysHoldResumeDtmfRtcp) {
  const Profile profile = GetParam();
  LoopWithGlib env;
  Party a{env.loop, env.ctx, 16000, 1000, profile};
  Party b{env.loop, env.ctx, 48000, 600, Profile::kDtls};
  AudioClock clock{env.loop, {&a, &b}};

  ASSERT_TRUE(offer_answer(env, a, b, Direction::kSendRecv, Direction::kSendRecv)) << a.reason << " / " << b.reason;
  ASSERT_TRUE(both_connected(env, a, b)) << a.reason << " / " << b.reason;
  const char* proto = profile == Profile::kSdes ? " RTP/SAVP " : " RTP/AVP ";
  EXPECT_NE(a.local_sdp.find(proto), std::string::npos) << a.local_sdp;
  EXPECT_NE(b.local_sdp.find(proto), std::string::npos) << b.local_sdp;
  EXPECT_NE(a.local_sdp.find("c=IN IP4 127.0.0.1\r\n"), std::string::npos);
  EXPECT_EQ(a.local_sdp.find("a=ice-ufrag"), std::string::npos);
  EXPECT_EQ(a.local_sdp.find("a=fingerprint"), std::string::npos);
  EXPECT_EQ(a.local_sdp.find("a=crypto:") != std::string::npos, profile == Profile::kSdes);
  EXPECT_EQ(b.local_sdp.find("a=crypto:") != std::string::npos, profile == Profile::kSdes);
  EXPECT_EQ(m_port(a.local_sdp), a.s->rtp_transport().rtp_port());
  EXPECT_EQ(m_port(a.local_sdp) % 2, 0);
  EXPECT_EQ(std::string(a.s->stats().profile), sdp::to_string(profile));
  EXPECT_EQ(std::string(b.s->stats().profile), sdp::to_string(profile));
  EXPECT_EQ(a.s->rtp_transport().srtp(), profile == Profile::kSdes);

  // 1000 Hz A->B, 600 Hz B->A, and neither hears itself.
  env.run_for(1500);
  EXPECT_TRUE(b.hears(1000)) << test::tone_power_ratio(b.last(1000), 1000, 48000);
  EXPECT_TRUE(a.hears(600)) << test::tone_power_ratio(a.last(1000), 600, 16000);
  EXPECT_FALSE(b.hears(600));
  EXPECT_FALSE(a.hears(1000));
  EXPECT_EQ(std::string(a.s->stats().codec), "opus");
  EXPECT_GT(b.s->stats().rx_packets, 40u);
  EXPECT_EQ(a.s->rtp_transport().stats().unprotect_failures, 0u);
  // Steady state: the RTP sockets are read at the audio tick, not polled for.
  EXPECT_TRUE(a.s->rtp_transport().reading_at_tick());
  EXPECT_TRUE(b.s->rtp_transport().reading_at_tick());
  EXPECT_EQ(a.s->stats().lost, 0);
  EXPECT_EQ(b.s->stats().lost, 0);

  // Hold: A offers sendonly, B answers recvonly. B->A stops, A->B goes on.
  // For SDES every offer and answer carries a fresh key.
  const std::string first_key = crypto_line(a.local_sdp);
  ASSERT_TRUE(offer_answer(env, a, b, Direction::kSendOnly, Direction::kSendRecv));
  EXPECT_EQ(a.s->direction(), Direction::kSendOnly);
  EXPECT_EQ(b.s->direction(), Direction::kRecvOnly);
  if (profile == Profile::kSdes) {
    EXPECT_NE(crypto_line(a.local_sdp), first_key);
  }
  env.run_for(300);
  const std::uint64_t a_rx_held = a.s->stats().rx_packets;
  env.run_for(1000);
  EXPECT_FALSE(a.hears(600, 1000));
  EXPECT_EQ(a.s->stats().rx_packets, a_rx_held) << "B still sends while held";
  EXPECT_TRUE(b.hears(1000)) << "the re-keyed stream does not reach B";

  // Resume from B's side this time (B offers, A answers), then both ways.
  ASSERT_TRUE(offer_answer(env, b, a, Direction::kSendRecv, Direction::kSendRecv));
  env.run_for(1000);
  EXPECT_TRUE(a.hears(600, 600));
  EXPECT_TRUE(b.hears(1000, 600));

  // DTMF both ways.
  ASSERT_TRUE(a.s->send_dtmf('5'));
  ASSERT_TRUE(b.s->send_dtmf('#'));
  ASSERT_TRUE(env.run_until([&] { return !b.digits.empty() && !a.digits.empty(); }, 3000));
  env.run_for(300);
  EXPECT_EQ(b.digits, "5");
  EXPECT_EQ(a.digits, "#");

  // RTCP (muxed: both offered a=rtcp-mux): a round trip measured each way.
  env.run_for(5000);
  for (Party* p : {&a, &b}) {
    AudioSessionStats s = p->s->stats();
    std::printf("%s stats %c: codec=%s rx=%llu tx=%llu lost=%lld jitter=%.2f ms rtt=%d ms\n", s.profile,
                p == &a ? 'A' : 'B', s.codec, static_cast<unsigned long long>(s.rx_packets),
                static_cast<unsigned long long>(s.tx_packets), static_cast<long long>(s.lost), s.jitter_ms, s.rtt_ms);
    EXPECT_GE(s.rtt_ms, 0) << "no RTCP round trip measured";
    EXPECT_GT(p->s->rtp_transport().stats().rtcp_received, 0u);
  }
  EXPECT_FALSE(a.failed);
  EXPECT_FALSE(b.failed);
}

// A peer that does not offer rtcp-mux: our answer says none, RTCP goes to
// and comes from port + 1 (a=rtcp), and the round trip is still measured.
TEST_P(SipProfiles, RtcpOnPortPlusOneWithoutMux) {
  const Profile profile = GetParam();
  LoopWithGlib env;
  Party a{env.loop, env.ctx, 8000, 1000, profile};
  Party b{env.loop, env.ctx, 8000, 600, profile};
  AudioClock clock{env.loop, {&a, &b}};
  // A's own offer without mux (as a peer that has none would write it);
  // PCMU only, so G.711 is what both run.
  auto edit_offer = [](std::string s) {
    s = without(s, "a=rtcp-mux\r\n");
    const std::size_t m = s.find("m=audio ");
    const std::size_t fmts = s.find(" 111", m);
    s.erase(fmts, 4);
    return s;
  };
  auto same = [](const std::string& s) { return s; };
  ASSERT_TRUE(offer_answer(env, a, b, Direction::kSendRecv, Direction::kSendRecv, edit_offer, same));
  ASSERT_TRUE(both_connected(env, a, b)) << a.reason << " / " << b.reason;
  EXPECT_EQ(b.local_sdp.find("a=rtcp-mux"), std::string::npos) << b.local_sdp;
  EXPECT_NE(b.local_sdp.find("a=rtcp:" + std::to_string(b.s->rtp_transport().rtcp_port())), std::string::npos);
  env.run_for(6500);
  EXPECT_TRUE(b.hears(1000));
  EXPECT_TRUE(a.hears(600));
  EXPECT_EQ(std::string(a.s->stats().codec), "PCMU");
  for (Party* p : {&a, &b}) {
    EXPECT_GE(p->s->stats().rtt_ms, 0) << "no RTCP round trip over port + 1";
    EXPECT_GT(p->s->rtp_transport().stats().rtcp_received, 0u);
  }
}

// A NAT in the middle: B's SDP names an address where nobody listens (its
// private side), and B's packets reach A from the relay's address instead.
// A must latch onto that address, or B never hears A.
TEST_P(SipProfiles, LatchesOntoWhereThePeerSendsFrom) {
  const Profile profile = GetParam();
  LoopWithGlib env;
  Party a{env.loop, env.ctx, 16000, 1000, profile};
  Party b{env.loop, env.ctx, 16000, 600, profile};
  AudioClock clock{env.loop, {&a, &b}};
  test::UdpImpairmentRelay relay(env.loop, test::ImpairmentConfig{});
  ASSERT_TRUE(relay.open());
  // A port that is bound and never read: what A sends there is lost.
  const int dead = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in da{};
  da.sin_family = AF_INET;
  da.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(dead, reinterpret_cast<sockaddr*>(&da), sizeof da), 0);
  socklen_t dl = sizeof da;
  ::getsockname(dead, reinterpret_cast<sockaddr*>(&da), &dl);
  const std::uint16_t dead_port = ntohs(da.sin_port);

  auto offer_via_relay = [&](const std::string& s) {
    relay.set_endpoint(test::UdpImpairmentRelay::kA, m_port(s));
    return with_m_port(s, relay.port_for(test::UdpImpairmentRelay::kB));
  };
  auto answer_from_behind_nat = [&](const std::string& s) {
    relay.set_endpoint(test::UdpImpairmentRelay::kB, m_port(s));
    return with_m_port(s, dead_port);
  };
  ASSERT_TRUE(offer_answer(env, a, b, Direction::kSendRecv, Direction::kSendRecv, offer_via_relay,
                        answer_from_behind_nat));
  ASSERT_TRUE(both_connected(env, a, b)) << a.reason << " / " << b.reason;
  env.run_for(1500);
  EXPECT_TRUE(a.hears(600));
  EXPECT_TRUE(b.hears(1000)) << "A did not latch: its audio still goes where B's SDP said";
  EXPECT_TRUE(a.s->rtp_transport().latched());
  EXPECT_EQ(a.s->rtp_transport().stats().latch_moves, 1u);
  EXPECT_EQ(a.s->rtp_transport().rtp_destination_port(), relay.port_for(test::UdpImpairmentRelay::kA));
  EXPECT_GT(relay.stats(test::UdpImpairmentRelay::kA).rtp, 40u) << "A's RTP never went through the relay";
  EXPECT_EQ(b.s->rtp_transport().stats().latch_moves, 0u) << "B's packets came from where its SDP said";
  ::close(dead);
}

// In a call's steady state (audio both ways, RTCP, SRTP for sdes) nothing is
// allocated on the heap: not per packet, not per frame.
TEST_P(SipProfiles, NoHeapCallsPerPacket) {
  if (!test::alloc_counting_enabled()) GTEST_SKIP() << "allocation counting is off (sanitizer build)";
  const Profile profile = GetParam();
  LoopWithGlib env;
  Party a{env.loop, env.ctx, 16000, 1000, profile};
  Party b{env.loop, env.ctx, 8000, 600, profile};
  for (Party* p : {&a, &b}) p->heard.reserve(p->rate * 30);  // the test's own recording
  AudioClock clock{env.loop, {&a, &b}};
  ASSERT_TRUE(offer_answer(env, a, b, Direction::kSendRecv, Direction::kSendRecv));
  ASSERT_TRUE(both_connected(env, a, b));
  env.run_for(1500);  // past the first RTCP report
  const std::uint64_t rx0 = a.s->stats().rx_packets + b.s->stats().rx_packets;
  const std::size_t before = test::alloc_count();
  env.run_for(2000);
  const std::size_t heap_calls = test::alloc_count() - before;
  const std::uint64_t packets = a.s->stats().rx_packets + b.s->stats().rx_packets - rx0;
  EXPECT_GT(packets, 150u);
  EXPECT_EQ(heap_calls, 0u) << "over " << packets << " packets";
  EXPECT_TRUE(b.hears(1000));
  EXPECT_TRUE(a.hears(600));
}

INSTANTIATE_TEST_SUITE_P(Profiles, SipProfiles, ::testing::Values(Profile::kRtp, Profile::kSdes),
                         [](const auto& param_info) { return std::string(sdp::to_string(param_info.param)); });

// SDES: a forged packet from another address (right header, wrong tag) does
// not move A's destination; the first authenticated one does.
TEST(SipSdes, OnlyAnAuthenticatedPacketLatches) {
  LoopWithGlib env;
  Party a{env.loop, env.ctx, 16000, 1000, Profile::kSdes};
  Party b{env.loop, env.ctx, 16000, 600, Profile::kSdes};
  AudioClock clock{env.loop, {&a, &b}};
  test::UdpImpairmentRelay relay(env.loop, test::ImpairmentConfig{});
  ASSERT_TRUE(relay.open());
  const int dead = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int rogue = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(dead, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::bind(rogue, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(dead, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::uint16_t dead_port = ntohs(addr.sin_port);
  auto offer_via_relay = [&](const std::string& s) {
    relay.set_endpoint(test::UdpImpairmentRelay::kA, m_port(s));
    return with_m_port(s, relay.port_for(test::UdpImpairmentRelay::kB));
  };
  auto answer_from_behind_nat = [&](const std::string& s) {
    relay.set_endpoint(test::UdpImpairmentRelay::kB, m_port(s));
    return with_m_port(s, dead_port);
  };
  // B only listens at first, so nothing genuine reaches A yet.
  ASSERT_TRUE(offer_answer(env, a, b, Direction::kSendRecv, Direction::kRecvOnly, offer_via_relay,
                        answer_from_behind_nat));
  ASSERT_TRUE(both_connected(env, a, b));
  // The rogue sends RTP with A's negotiated payload type and a made-up tag.
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(a.s->rtp_transport().rtp_port());
  for (int i = 0; i < 5; ++i) {
    std::uint8_t p[12 + 160 + 10] = {0x80, 111, 0, static_cast<std::uint8_t>(i), 0, 0, 0, 0, 1, 2, 3, 4};
    for (std::size_t k = 12; k < sizeof p; ++k) p[k] = static_cast<std::uint8_t>(k * 7 + i);
    ASSERT_GT(::sendto(rogue, p, sizeof p, 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  }
  env.run_for(300);
  EXPECT_EQ(a.s->rtp_transport().stats().unprotect_failures, 5u);
  EXPECT_FALSE(a.s->rtp_transport().latched());
  // Now B talks: A latches onto the relay, and the rogue hears nothing.
  ASSERT_TRUE(offer_answer(env, a, b, Direction::kSendRecv, Direction::kSendRecv, offer_via_relay,
                        answer_from_behind_nat));
  env.run_for(1500);
  EXPECT_TRUE(a.hears(600));
  EXPECT_TRUE(b.hears(1000));
  EXPECT_EQ(a.s->rtp_transport().rtp_destination_port(), relay.port_for(test::UdpImpairmentRelay::kA));
  std::uint8_t buf[1500];
  EXPECT_LT(::recv(rogue, buf, sizeof buf, 0), 0) << "A sent its audio to the forger";
  ::close(dead);
  ::close(rogue);
}

// An SDES offer whose only crypto line we cannot use is refused by name, and
// no plain answer goes out.
TEST(SipSdes, OfferWithOnlyUnusableCryptoIsRefused) {
  LoopWithGlib env;
  Party a{env.loop, env.ctx, 16000, 1000, Profile::kSdes};
  Party b{env.loop, env.ctx, 16000, 600};
  ASSERT_TRUE(a.s->create_offer(Direction::kSendRecv, false));
  ASSERT_TRUE(env.run_until([&] { return a.sdp_count > 0; }, 5000));
  std::string offer = a.local_sdp;
  // Both lines become a suite we do not implement (AES-256 counter mode).
  for (std::size_t p = offer.find("AES_CM_128"); p != std::string::npos; p = offer.find("AES_CM_128"))
    offer.replace(p, 10, "AES_CM_256");
  EXPECT_FALSE(b.s->create_answer(offer, Direction::kSendRecv));
  env.run_for(100);
  EXPECT_EQ(b.sdp_count, 0);
  EXPECT_FALSE(b.s->connected());
}

}  // namespace
}  // namespace dialtone::media
