// Two of our MediaTransports on 127.0.0.1 in one process: one controlling and
// DTLS client, the other controlled and DTLS server. Private netns (CTest).
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/unit/media/media_net_test_util.hpp"
#include "tests/unit/media/transport_test_util.hpp"

namespace dialtone::media {
namespace {

using testing::LoopWithGlib;
using testing::make_rtp;
using testing::Peer;

IceConfig loopback(bool controlling) {
  IceConfig c;
  c.host_addresses.push_back(IpString("127.0.0.1"));
  c.controlling = controlling;
  return c;
}

struct Fixture {
  LoopWithGlib env;
  DtlsCertificate cert_a, cert_b;
  Peer a{env.loop, env.ctx, cert_a};
  Peer b{env.loop, env.ctx, cert_b};
  Fixture() {
    EXPECT_TRUE(cert_a.generate());
    EXPECT_TRUE(cert_b.generate());
    EXPECT_TRUE(a.start(loopback(true)));
    EXPECT_TRUE(b.start(loopback(false)));
    EXPECT_TRUE(env.run_until([&] { return a.gathered && b.gathered; }, 5000));
  }
};

TEST(MediaTransport, SrtpBothWaysOnLoopback) {
  Fixture f;
  const TimeMs t0 = monotonic_ms();
  // a controls ICE and is the DTLS client; b is controlled and the server.
  ASSERT_TRUE(f.b.set_remote(f.a.describe(), DtlsRole::kServer));
  ASSERT_TRUE(f.a.set_remote(f.b.describe(), DtlsRole::kClient));
  ASSERT_TRUE(f.env.run_until([&] { return (f.a.connected && f.b.connected) || f.a.failed || f.b.failed; },
                              10000));
  ASSERT_TRUE(f.a.connected) << f.a.reason;
  ASSERT_TRUE(f.b.connected) << f.b.reason;
  const TimeMs setup = monotonic_ms() - t0;
  std::printf("ICE+DTLS setup on loopback: %lld ms from set_remote, DTLS done %lld ms after the ICE pair\n",
              static_cast<long long>(setup),
              static_cast<long long>(f.a.t.stats().dtls_connected_at - f.a.t.stats().ice_connected_at));

  const std::uint8_t payload[160] = {1, 2, 3};
  for (std::uint16_t seq = 0; seq < 50; ++seq) {
    auto pa = make_rtp(0, seq, seq * 160u, 0xAAAA0001, payload, sizeof(payload));
    auto pb = make_rtp(0, seq, seq * 160u, 0xBBBB0001, payload, sizeof(payload));
    ASSERT_TRUE(f.a.t.send_rtp(pa));
    ASSERT_TRUE(f.b.t.send_rtp(pb));
  }
  const std::uint8_t rr[8] = {0x80, 201, 0, 1, 0xAA, 0xAA, 0, 1};
  ASSERT_TRUE(f.a.t.send_rtcp(rr));
  ASSERT_TRUE(f.b.t.send_rtcp(rr));
  ASSERT_TRUE(f.env.run_until(
      [&] { return f.a.rtp.size() == 50 && f.b.rtp.size() == 50 && !f.a.rtcp.empty() && !f.b.rtcp.empty(); },
      3000));
  EXPECT_EQ(testing::rtp_ssrc(f.b.rtp[0]), 0xAAAA0001u);
  EXPECT_EQ(testing::rtp_ssrc(f.a.rtp[0]), 0xBBBB0001u);
  EXPECT_EQ(f.b.rtp[7].size(), 12u + sizeof(payload));
  EXPECT_EQ(f.b.rtp[7][12], 1);
  EXPECT_EQ(f.a.rtcp[0], std::vector<std::uint8_t>(rr, rr + 8));
  EXPECT_EQ(f.a.t.stats().unprotect_failures, 0u);

  // ICE restart keeps DTLS/SRTP; media flows after new credentials.
  ASSERT_TRUE(f.a.t.restart_ice());
  ASSERT_TRUE(f.b.t.restart_ice());
  ASSERT_TRUE(f.b.set_remote(f.a.describe(), DtlsRole::kServer));
  ASSERT_TRUE(f.a.set_remote(f.b.describe(), DtlsRole::kClient));
  std::uint16_t seq = 100;
  ASSERT_TRUE(f.env.run_until(
      [&] {
        auto p = make_rtp(0, seq++, 0, 0xAAAA0001, payload, 10);
        f.a.t.send_rtp(p);
        return f.b.rtp.size() > 55;
      },
      5000));
  EXPECT_FALSE(f.a.failed);
  EXPECT_FALSE(f.b.failed);
}

TEST(MediaTransport, FingerprintMismatchFailsWithClearReason) {
  Fixture f;
  DtlsCertificate stranger;
  ASSERT_TRUE(stranger.generate());
  ASSERT_TRUE(f.b.set_remote(f.a.describe(), DtlsRole::kServer));
  // a's "SDP" carries the wrong fingerprint for b.
  ASSERT_TRUE(f.a.set_remote(f.b.describe(), DtlsRole::kClient, stranger.fingerprint()));
  ASSERT_TRUE(f.env.run_until([&] { return f.a.failed && f.b.failed; }, 10000));
  EXPECT_NE(f.a.reason.find("fingerprint mismatch"), std::string::npos) << f.a.reason;
  EXPECT_FALSE(f.a.connected);
  EXPECT_FALSE(f.b.connected);
  std::printf("a failed with: %s\nb failed with: %s\n", f.a.reason.c_str(), f.b.reason.c_str());
  const std::uint8_t p[12] = {0x80};
  EXPECT_FALSE(f.a.t.send_rtp(p));
}

}  // namespace
}  // namespace dialtone::media
