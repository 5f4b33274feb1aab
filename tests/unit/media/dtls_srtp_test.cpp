// DTLS-SRTP as a sans-I/O engine: two engines in memory on virtual time.
#include "media/dtls/dtls_srtp.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace dialtone::media {
namespace {

struct Pair {
  DtlsCertificate cert_c, cert_s;
  DtlsSrtp client, server;
  TimeMs now = 1000;
  int dropped_first_from_client = 0;  // how many client datagrams to lose
  bool fragment_client_hello = false;  // split it in two records/datagrams, as OpenSSL/aiortc do

  Pair() {
    EXPECT_TRUE(cert_c.generate());
    EXPECT_TRUE(cert_s.generate());
    EXPECT_TRUE(client.init(cert_c));
    EXPECT_TRUE(server.init(cert_s));
  }
  // Moves datagrams until both queues are empty; returns how many moved.
  int shuttle() {
    int moved = 0;
    for (bool any = true; any;) {
      any = false;
      std::span<const std::uint8_t> d;
      while (client.poll_transmit(d)) {
        any = true;
        ++moved;
        if (dropped_first_from_client > 0) {
          --dropped_first_from_client;
          continue;
        }
        if (fragment_client_hello) {
          fragment_client_hello = false;
          deliver_fragmented(d);
          continue;
        }
        server.handle_datagram(d, now);
      }
      while (server.poll_transmit(d)) {
        any = true;
        ++moved;
        client.handle_datagram(d, now);
      }
    }
    return moved;
  }
  // The ClientHello (one record: 13-byte header, 12-byte handshake header,
  // body) re-sent as two fragments in two datagrams, second one first.
  void deliver_fragmented(std::span<const std::uint8_t> d) {
    ASSERT_GT(d.size(), 25u + 40u);
    ASSERT_EQ(d[13], 1);  // ClientHello
    const std::size_t body = d.size() - 25, cut = body / 2;
    auto make = [&](std::size_t off, std::size_t len, std::uint8_t seq) {
      std::vector<std::uint8_t> r(25 + len);
      std::memcpy(r.data(), d.data(), 25);
      r[10] = seq;  // record sequence number (low byte)
      r[11] = static_cast<std::uint8_t>((12 + len) >> 8);
      r[12] = static_cast<std::uint8_t>(12 + len);
      r[19] = static_cast<std::uint8_t>(off >> 16);
      r[20] = static_cast<std::uint8_t>(off >> 8);
      r[21] = static_cast<std::uint8_t>(off);
      r[22] = static_cast<std::uint8_t>(len >> 16);
      r[23] = static_cast<std::uint8_t>(len >> 8);
      r[24] = static_cast<std::uint8_t>(len);
      std::memcpy(r.data() + 25, d.data() + 25 + off, len);
      return r;
    };
    auto first = make(0, cut, 0), second = make(cut, body - cut, 1);
    server.handle_datagram(second, now);
    server.handle_datagram(first, now);
  }
  // Runs virtual time: shuttle, then jump to the next deadline.
  void run(int rounds = 20) {
    for (int i = 0; i < rounds; ++i) {
      shuttle();
      if (client.state() != DtlsState::kHandshaking && server.state() != DtlsState::kHandshaking) return;
      TimeMs next = -1;
      for (TimeMs t : {client.poll_timeout(), server.poll_timeout()})
        if (t >= 0 && (next < 0 || t < next)) next = t;
      if (next < 0) return;
      now = next;
      client.handle_timeout(now);
      server.handle_timeout(now);
    }
  }
};

std::size_t make_rtp(std::uint8_t* b, std::uint16_t seq, std::uint32_t ssrc, std::string_view payload) {
  b[0] = 0x80;
  b[1] = 0;  // PCMU
  b[2] = static_cast<std::uint8_t>(seq >> 8);
  b[3] = static_cast<std::uint8_t>(seq);
  std::memset(b + 4, 0, 4);
  b[8] = static_cast<std::uint8_t>(ssrc >> 24);
  b[9] = static_cast<std::uint8_t>(ssrc >> 16);
  b[10] = static_cast<std::uint8_t>(ssrc >> 8);
  b[11] = static_cast<std::uint8_t>(ssrc);
  std::memcpy(b + 12, payload.data(), payload.size());
  return 12 + payload.size();
}

TEST(DtlsSrtp, HandshakeThenSrtpBothWays) {
  Pair p;
  ASSERT_TRUE(p.server.start(DtlsRole::kServer, p.cert_c.fingerprint(), p.now));
  ASSERT_TRUE(p.client.start(DtlsRole::kClient, p.cert_s.fingerprint(), p.now));
  p.run();
  ASSERT_EQ(p.client.state(), DtlsState::kConnected) << p.client.failure_reason();
  ASSERT_EQ(p.server.state(), DtlsState::kConnected) << p.server.failure_reason();
  EXPECT_EQ(p.now, 1000);  // no retransmission was needed

  std::uint8_t buf[200];
  for (int dir = 0; dir < 2; ++dir) {
    DtlsSrtp& tx = dir ? p.server : p.client;
    DtlsSrtp& rx = dir ? p.client : p.server;
    for (std::uint16_t seq = 1; seq <= 3; ++seq) {
      std::size_t len = make_rtp(buf, seq, 0x1234 + dir, "hello audio");
      std::size_t plain = len;
      ASSERT_TRUE(tx.protect_rtp(buf, len));
      EXPECT_EQ(len, plain + 10);  // HMAC-SHA1-80 tag
      EXPECT_NE(std::memcmp(buf + 12, "hello audio", 11), 0);  // encrypted
      std::uint8_t copy[200];
      std::memcpy(copy, buf, len);
      std::size_t copy_len = len;
      ASSERT_TRUE(rx.unprotect_rtp(buf, len));
      ASSERT_EQ(len, plain);
      EXPECT_EQ(std::string(reinterpret_cast<char*>(buf + 12), 11), "hello audio");
      EXPECT_FALSE(rx.unprotect_rtp(copy, copy_len));  // a replay is refused
    }
    // RTCP (a bare receiver report).
    std::uint8_t rr[8] = {0x80, 201, 0, 1, 0, 0, 0x12, 0x34};
    std::memcpy(buf, rr, 8);
    std::size_t len = 8;
    ASSERT_TRUE(tx.protect_rtcp(buf, len));
    ASSERT_TRUE(rx.unprotect_rtcp(buf, len));
    ASSERT_EQ(len, 8u);
    EXPECT_EQ(std::memcmp(buf, rr, 8), 0);
  }
  // Tampering is detected.
  std::size_t len = make_rtp(buf, 10, 0x99, "x");
  ASSERT_TRUE(p.client.protect_rtp(buf, len));
  buf[12] ^= 1;
  EXPECT_FALSE(p.server.unprotect_rtp(buf, len));
}

TEST(DtlsSrtp, ServerReassemblesAFragmentedClientHello) {
  Pair p;
  p.fragment_client_hello = true;
  ASSERT_TRUE(p.server.start(DtlsRole::kServer, p.cert_c.fingerprint(), p.now));
  ASSERT_TRUE(p.client.start(DtlsRole::kClient, p.cert_s.fingerprint(), p.now));
  p.run();
  ASSERT_EQ(p.server.state(), DtlsState::kConnected) << p.server.failure_reason();
  ASSERT_EQ(p.client.state(), DtlsState::kConnected) << p.client.failure_reason();
  EXPECT_EQ(p.now, 1000);  // no retransmission: the fragments were enough
}

TEST(DtlsSrtp, FingerprintMismatchFailsWithClearReason) {
  Pair p;
  DtlsCertificate other;
  ASSERT_TRUE(other.generate());
  ASSERT_TRUE(p.server.start(DtlsRole::kServer, p.cert_c.fingerprint(), p.now));
  // The client expects some other certificate than the server's.
  ASSERT_TRUE(p.client.start(DtlsRole::kClient, other.fingerprint(), p.now));
  p.run();
  ASSERT_EQ(p.client.state(), DtlsState::kFailed);
  EXPECT_NE(p.client.failure_reason().find("fingerprint mismatch"), std::string_view::npos)
      << p.client.failure_reason();
  EXPECT_NE(p.server.state(), DtlsState::kConnected);
  std::uint8_t buf[64] = {0x80};
  std::size_t len = 12;
  EXPECT_FALSE(p.client.protect_rtp(buf, len));  // no keys exist
}

TEST(DtlsSrtp, ServerChecksClientFingerprintToo) {
  Pair p;
  DtlsCertificate other;
  ASSERT_TRUE(other.generate());
  ASSERT_TRUE(p.server.start(DtlsRole::kServer, other.fingerprint(), p.now));
  ASSERT_TRUE(p.client.start(DtlsRole::kClient, p.cert_s.fingerprint(), p.now));
  p.run();
  ASSERT_EQ(p.server.state(), DtlsState::kFailed);
  EXPECT_NE(p.server.failure_reason().find("fingerprint mismatch"), std::string_view::npos);
  EXPECT_NE(p.client.state(), DtlsState::kConnected);
}

TEST(DtlsSrtp, LostClientHelloIsRetransmittedAtTheDeadline) {
  Pair p;
  p.dropped_first_from_client = 1;
  ASSERT_TRUE(p.server.start(DtlsRole::kServer, p.cert_c.fingerprint(), p.now));
  ASSERT_TRUE(p.client.start(DtlsRole::kClient, p.cert_s.fingerprint(), p.now));
  EXPECT_EQ(p.client.poll_timeout(), 1000 + 500);
  p.run();
  ASSERT_EQ(p.client.state(), DtlsState::kConnected) << p.client.failure_reason();
  EXPECT_EQ(p.now, 1500);  // one 500 ms retransmission, driven by our clock only
}

TEST(DtlsSrtp, SilentPeerTimesOut) {
  Pair p;
  ASSERT_TRUE(p.client.start(DtlsRole::kClient, p.cert_s.fingerprint(), p.now));
  p.dropped_first_from_client = 1000;
  p.run(50);
  EXPECT_EQ(p.client.state(), DtlsState::kFailed);
  EXPECT_NE(p.client.failure_reason().find("handshake"), std::string_view::npos) << p.client.failure_reason();
}

TEST(DtlsSrtp, RejectsMissingOrNonSha256Fingerprint) {
  Pair p;
  EXPECT_FALSE(p.client.start(DtlsRole::kClient, "", p.now));
  EXPECT_FALSE(p.client.start(DtlsRole::kClient, "sha-1 AB:CD", p.now));
  EXPECT_EQ(p.client.state(), DtlsState::kFailed);
}

TEST(Fingerprint, ParseAndFormatRoundTrip) {
  DtlsCertificate c;
  ASSERT_TRUE(c.generate());
  EXPECT_EQ(c.fingerprint().size(), 103u);
  EXPECT_EQ(c.fingerprint().substr(0, 8), "sha-256 ");
  Sha256 d{};
  ASSERT_TRUE(parse_sha256_fingerprint(c.fingerprint(), d));
  EXPECT_EQ(d, c.digest());
  std::string lower(c.fingerprint());
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  lower[0] = 'S';  // the algorithm name is case-insensitive too
  ASSERT_TRUE(parse_sha256_fingerprint(lower, d));
  EXPECT_EQ(d, c.digest());
  EXPECT_FALSE(parse_sha256_fingerprint("sha-256 AB:CD", d));
  EXPECT_FALSE(parse_sha256_fingerprint(std::string(c.fingerprint()).replace(10, 1, "G"), d));
}

TEST(DtlsCertificate, CreatedOnFirstBootReloadedAfter) {
  char dir[] = "/tmp/dtls_cert_testXXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string fp1;
  {
    DtlsCertificate c;
    ASSERT_TRUE(c.load_or_create(dir));
    fp1 = c.fingerprint();
  }
  struct stat st {};
  ASSERT_EQ(stat((std::string(dir) + "/dtls_key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((std::string(dir) + "/dtls_cert.pem").c_str(), &st), 0);
  {
    DtlsCertificate c;
    ASSERT_TRUE(c.load_or_create(dir));
    EXPECT_EQ(std::string(c.fingerprint()), fp1);  // same identity after "reboot"
  }
  // A damaged certificate file is replaced by a new identity.
  FILE* f = fopen((std::string(dir) + "/dtls_cert.pem").c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("garbage", f);
  fclose(f);
  {
    DtlsCertificate c;
    ASSERT_TRUE(c.load_or_create(dir));
    EXPECT_NE(std::string(c.fingerprint()), fp1);
  }
  std::string cmd = std::string("rm -rf ") + dir;
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace dialtone::media
