// A relayed path through Debian's coturn on 127.0.0.1: our side A gathers
// only relayed candidates (force-relay), B only host ones; SRTP must flow
// through the TURN server. Private netns, lo only.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "tests/unit/media/media_net_test_util.hpp"
#include "tests/unit/media/transport_test_util.hpp"

namespace dialtone::media {
namespace {

using testing::LoopWithGlib;
using testing::Peer;

struct Coturn {
  pid_t pid = -1;
  bool start() {
    pid = fork();
    if (pid == 0) {
      freopen("/tmp/dialtone_turn_test.log", "w", stdout);
      // --allow-loopback-peers is accepted only with the CLI off (or a CLI
      // password); without it coturn answers 403 Forbidden IP for 127.0.0.1.
      execl(TURNSERVER, TURNSERVER, "-n", "--listening-ip=127.0.0.1", "--listening-port=34780",
            "--relay-ip=127.0.0.1", "--allow-loopback-peers", "--no-cli", "--lt-cred-mech", "--user=u:p",
            "--realm=dialtone", "--no-tls", "--no-dtls", "--min-port=49200", "--max-port=49300",
            "--log-file=stdout", "--simple-log", static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid > 0;
  }
  ~Coturn() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

TEST(TransportTurn, RelayedPathThroughCoturn) {
  Coturn turn;
  ASSERT_TRUE(turn.start());
  LoopWithGlib env;
  DtlsCertificate cert_a, cert_b;
  ASSERT_TRUE(cert_a.generate());
  ASSERT_TRUE(cert_b.generate());
  Peer a(env.loop, env.ctx, cert_a), b(env.loop, env.ctx, cert_b);

  IceConfig ca;
  ca.host_addresses.push_back(IpString("127.0.0.1"));
  ca.turn.ip.assign("127.0.0.1");
  ca.turn.port = 34780;
  ca.turn.username.assign("u");
  ca.turn.password.assign("p");
  ca.relay_only = true;
  ca.controlling = true;
  IceConfig cb;
  cb.host_addresses.push_back(IpString("127.0.0.1"));
  ASSERT_TRUE(a.start(ca));
  ASSERT_TRUE(b.start(cb));
  // libnice retransmits the Allocate while coturn is still starting.
  ASSERT_TRUE(env.run_until([&] { return a.gathered && b.gathered; }, 15000));
  ASSERT_FALSE(a.t.local_candidates().empty()) << "no relayed candidate: see /tmp/dialtone_turn_test.log";
  for (const auto& c : a.t.local_candidates())
    EXPECT_NE(c.view().find("typ relay"), std::string_view::npos) << c.view();

  const TimeMs t0 = monotonic_ms();
  ASSERT_TRUE(b.set_remote(a.describe(), DtlsRole::kServer));
  ASSERT_TRUE(a.set_remote(b.describe(), DtlsRole::kClient));
  ASSERT_TRUE(env.run_until([&] { return (a.connected && b.connected) || a.failed || b.failed; }, 15000));
  ASSERT_TRUE(a.connected) << a.reason;
  ASSERT_TRUE(b.connected) << b.reason;
  std::printf("ICE+DTLS via TURN relay: %lld ms from set_remote\n", static_cast<long long>(monotonic_ms() - t0));
  EXPECT_EQ(a.t.selected_local_type(), CandidateType::kRelayed);

  const std::uint8_t payload[160] = {7};
  for (std::uint16_t seq = 0; seq < 20; ++seq) {
    auto pa = testing::make_rtp(0, seq, seq * 160u, 0xA, payload, sizeof(payload));
    auto pb = testing::make_rtp(0, seq, seq * 160u, 0xB, payload, sizeof(payload));
    ASSERT_TRUE(a.t.send_rtp(pa));
    ASSERT_TRUE(b.t.send_rtp(pb));
  }
  ASSERT_TRUE(env.run_until([&] { return a.rtp.size() == 20 && b.rtp.size() == 20; }, 5000))
      << a.rtp.size() << " / " << b.rtp.size();
  EXPECT_EQ(testing::rtp_ssrc(b.rtp[0]), 0xAu);
  EXPECT_EQ(testing::rtp_ssrc(a.rtp[0]), 0xBu);
  a.t.close();  // releases the allocation (close_async) while coturn still runs
  env.run_for(300);
}

}  // namespace
}  // namespace dialtone::media
