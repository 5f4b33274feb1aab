// TLS and TCP streams against real servers on 127.0.0.1 (openssl s_server).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "net_helpers.hpp"
#include "protocol/tls/ip_san.hpp"
#include "protocol/tls/transport_pool.hpp"

using namespace dialtone;
using namespace dialtone::protocol;

namespace {

struct Outcome {
  bool opened = false;
  bool closed = false;
  StreamError error = StreamError::kNone;
  std::string received;
};

std::vector<std::string> s_server(std::uint16_t port, const std::string& leaf, const std::string& addr = "127.0.0.1") {
  return {"openssl", "s_server", "-accept", addr + ":" + std::to_string(port), "-cert", nettest::pki(leaf + ".crt"),
          "-key", nettest::pki(leaf + ".key"), "-rev", "-quiet"};
}

bool port_accepts_v6(std::uint16_t port) {
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_addr = in6addr_loopback;
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

struct ParsedCert {
  explicit ParsedCert(const std::string& leaf) {
    mbedtls_x509_crt_init(&crt);
    ok = mbedtls_x509_crt_parse_file(&crt, nettest::pki(leaf + ".crt").c_str()) == 0;
  }
  ~ParsedCert() { mbedtls_x509_crt_free(&crt); }
  bool names(const char* addr) const {
    IpAddress ip;
    return parse_ip_literal(addr, ip) && cert_names_ip(crt, ip);
  }
  mbedtls_x509_crt crt;
  bool ok = false;
};

class TlsNet : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rng_.init());
    loop_ = std::make_unique<EventLoop>();
    pool_ = std::make_unique<TransportPool>(*loop_);
  }

  // Opens a stream, sends `text`, reads until `expect` arrived or it fails.
  Outcome exchange(Stream& s, std::uint16_t port, const std::string& text, const std::string& expect,
                   const char* host = "127.0.0.1", TimeMs timeout = 5000) {
    Outcome o;
    bool ok = s.open(host, port, timeout, [&](StreamEvent ev, StreamError err) {
      if (ev == StreamEvent::kOpen) o.opened = true;
      if (ev == StreamEvent::kClosed) {
        o.closed = true;
        o.error = err;
      }
      if (ev == StreamEvent::kReadable) {
        std::uint8_t buf[256];
        for (;;) {
          IoResult r = s.read(buf);
          if (r.status != IoStatus::kOk) break;
          o.received.append(reinterpret_cast<char*>(buf), r.n);
        }
      }
    });
    EXPECT_TRUE(ok);
    EXPECT_TRUE(s.send(text));  // queued before the handshake completes
    EXPECT_TRUE(nettest::run_until(*loop_, [&] {
      return o.closed || (!expect.empty() && o.received.find(expect) != std::string::npos) ||
             (expect.empty() && o.opened);
    }));
    return o;
  }

  Csprng rng_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<TransportPool> pool_;
};

}  // namespace

TEST_F(TlsNet, GoodCaAndHostConnectsAndExchangesBytes) {
  std::uint16_t port = nettest::free_port();
  nettest::Child server(s_server(port, "server"), port);
  TlsContext ctx;
  ASSERT_TRUE(ctx.init(nettest::pki("ca.crt").c_str(), rng_));
  ASSERT_TRUE(pool_->init(&ctx));
  Stream* s = pool_->acquire(true);
  ASSERT_NE(s, nullptr);
  // 127.0.0.1 is matched against the iPAddress SAN (server.crt has no DNS:127.0.0.1).
  Outcome o = exchange(*s, port, "hello dialtone\n", "enotlaid olleh");
  EXPECT_TRUE(o.opened);
  EXPECT_FALSE(o.closed) << to_string(o.error);
  EXPECT_NE(o.received.find("enotlaid olleh"), std::string::npos);
  pool_->release(s);

  // The same slot, reset and reused for a second connection.
  Stream* again = pool_->acquire(true);
  ASSERT_EQ(again, s);
  Outcome o2 = exchange(*again, port, "second\n", "dnoces");
  EXPECT_NE(o2.received.find("dnoces"), std::string::npos) << to_string(o2.error);
  pool_->release(again);
}

TEST(IpSan, LiteralsAreParsedStrictly) {
  IpAddress ip;
  ASSERT_TRUE(parse_ip_literal("192.0.2.10", ip));
  EXPECT_EQ(ip.len, 4);
  EXPECT_EQ(ip.bytes[0], 192);
  EXPECT_EQ(ip.bytes[3], 10);
  ASSERT_TRUE(parse_ip_literal("::1", ip));
  EXPECT_EQ(ip.len, 16);
  EXPECT_EQ(ip.bytes[15], 1);
  EXPECT_FALSE(parse_ip_literal("localhost", ip));
  EXPECT_EQ(ip.len, 0);
  EXPECT_FALSE(parse_ip_literal("[::1]", ip));  // the URL parser strips the brackets
  EXPECT_FALSE(parse_ip_literal("127.0.0.1.example", ip));
  EXPECT_FALSE(parse_ip_literal("", ip));
}

TEST(IpSan, CertificatesFromTheTestPki) {
  ParsedCert server("server"), dnsip("dnsip"), otherip("otherip"), wrong("wrong");
  ASSERT_TRUE(server.ok && dnsip.ok && otherip.ok && wrong.ok);
  EXPECT_TRUE(server.names("127.0.0.1"));
  EXPECT_TRUE(server.names("::1"));
  EXPECT_FALSE(server.names("127.0.0.2"));
  EXPECT_FALSE(server.names("::2"));
  EXPECT_FALSE(server.names("::ffff:127.0.0.1"));  // 16 bytes never match a 4-byte entry
  EXPECT_FALSE(dnsip.names("127.0.0.1"));           // DNS:127.0.0.1 is a name, not an address
  EXPECT_TRUE(otherip.names("192.0.2.10"));
  EXPECT_FALSE(otherip.names("127.0.0.1"));
  EXPECT_FALSE(wrong.names("127.0.0.1"));  // no IP entries at all
}

TEST_F(TlsNet, AddressSpelledAsDnsNameIsRefused) {
  std::uint16_t port = nettest::free_port();
  nettest::Child server(s_server(port, "dnsip"), port);
  TlsContext ctx;
  ASSERT_TRUE(ctx.init(nettest::pki("ca.crt").c_str(), rng_));
  ASSERT_TRUE(pool_->init(&ctx));
  Stream* s = pool_->acquire(true);
  Outcome o = exchange(*s, port, "x\n", "");
  EXPECT_FALSE(o.opened);
  EXPECT_EQ(o.error, StreamError::kCertHostMismatch);
  pool_->release(s);
}

TEST_F(TlsNet, CertificateForAnotherAddressIsRefused) {
  std::uint16_t port = nettest::free_port();
  nettest::Child server(s_server(port, "otherip"), port);
  TlsContext ctx;
  ASSERT_TRUE(ctx.init(nettest::pki("ca.crt").c_str(), rng_));
  ASSERT_TRUE(pool_->init(&ctx));
  Stream* s = pool_->acquire(true);
  Outcome o = exchange(*s, port, "x\n", "");
  EXPECT_FALSE(o.opened);
  EXPECT_EQ(o.error, StreamError::kCertHostMismatch);
  pool_->release(s);
}

TEST_F(TlsNet, Ipv6LiteralMatchesIpSan) {
  std::uint16_t port = nettest::free_port();
  nettest::Child server(s_server(port, "server", "[::1]"));
  // Bounded wait for the listener (a hang guard, not a timing assertion).
  for (int i = 0; i < 200 && !port_accepts_v6(port); ++i) usleep(25000);
  if (!port_accepts_v6(port)) GTEST_SKIP() << "no IPv6 loopback in this namespace";
  TlsContext ctx;
  ASSERT_TRUE(ctx.init(nettest::pki("ca.crt").c_str(), rng_));
  ASSERT_TRUE(pool_->init(&ctx));
  Stream* s = pool_->acquire(true);
  Outcome o = exchange(*s, port, "six\n", "xis", "::1");
  EXPECT_TRUE(o.opened) << to_string(o.error);
  EXPECT_NE(o.received.find("xis"), std::string::npos);
  pool_->release(s);
}

TEST_F(TlsNet, UntrustedCaIsRefused) {
  std::uint16_t port = nettest::free_port();
  nettest::Child server(s_server(port, "server"), port);
  TlsContext ctx;
  ASSERT_TRUE(ctx.init(nettest::pki("other-ca.crt").c_str(), rng_));
  ASSERT_TRUE(pool_->init(&ctx));
  Stream* s = pool_->acquire(true);
  Outcome o = exchange(*s, port, "x\n", "");
  EXPECT_FALSE(o.opened);
  EXPECT_TRUE(o.closed);
  EXPECT_EQ(o.error, StreamError::kCertUntrusted);
  pool_->release(s);
}

TEST_F(TlsNet, CertificateForAnotherHostIsRefused) {
  std::uint16_t port = nettest::free_port();
  nettest::Child server(s_server(port, "wrong"), port);
  TlsContext ctx;
  ASSERT_TRUE(ctx.init(nettest::pki("ca.crt").c_str(), rng_));
  ASSERT_TRUE(pool_->init(&ctx));
  Stream* s = pool_->acquire(true);
  Outcome o = exchange(*s, port, "x\n", "");
  EXPECT_FALSE(o.opened);
  EXPECT_EQ(o.error, StreamError::kCertHostMismatch);
  pool_->release(s);
}

TEST_F(TlsNet, LocalhostNameMatchesDnsSan) {
  std::uint16_t port = nettest::free_port();
  nettest::Child server(s_server(port, "server"), port);
  TlsContext ctx;
  ASSERT_TRUE(ctx.init(nettest::pki("ca.crt").c_str(), rng_));
  ASSERT_TRUE(pool_->init(&ctx));
  Stream* s = pool_->acquire(true);
  Outcome o = exchange(*s, port, "abc\n", "cba", "localhost");
  EXPECT_TRUE(o.opened) << to_string(o.error);
  pool_->release(s);
}

TEST_F(TlsNet, RefusedAndTimeoutAreNamed) {
  TlsContext ctx;
  ASSERT_TRUE(ctx.init(nettest::pki("ca.crt").c_str(), rng_));
  ASSERT_TRUE(pool_->init(&ctx));
  Stream* s = pool_->acquire(true);
  Outcome o = exchange(*s, nettest::free_port(), "x", "");
  EXPECT_EQ(o.error, StreamError::kRefused);
  pool_->release(s);

  // A listener that accepts TCP but never speaks TLS: the handshake times out.
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  s = pool_->acquire(true);
  o = exchange(*s, ntohs(a.sin_port), "x", "", "127.0.0.1", 300);
  EXPECT_EQ(o.error, StreamError::kTimeout);
  pool_->release(s);
  ::close(lfd);
}

TEST_F(TlsNet, MissingCaFileFailsInit) {
  TlsContext ctx;
  EXPECT_FALSE(ctx.init(nettest::pki("no-such-ca.crt").c_str(), rng_));
  EXPECT_FALSE(pool_->init(&ctx));
  EXPECT_EQ(pool_->acquire(true), nullptr);
}

TEST_F(TlsNet, PlainTcpStreamSameInterface) {
  ASSERT_TRUE(pool_->init(nullptr));
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  int cfd = -1;
  // Echo server on the same loop.
  loop_->add_fd(lfd, POLLIN, [&](short) {
    cfd = ::accept(lfd, nullptr, nullptr);
    loop_->add_fd(cfd, POLLIN, [&](short) {
      char b[256];
      ssize_t n = ::recv(cfd, b, sizeof b, 0);
      if (n > 0) ::send(cfd, b, static_cast<size_t>(n), 0);
    });
  });
  Stream* s = pool_->acquire(false);
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->secure());
  Outcome o = exchange(*s, ntohs(a.sin_port), "ping over tcp", "ping over tcp");
  EXPECT_TRUE(o.opened);
  EXPECT_EQ(o.received, "ping over tcp");
  // The peer closes: read() reports EOF.
  loop_->remove_fd(cfd);
  ::close(cfd);
  IoStatus last = IoStatus::kOk;
  s->set_handler([&](StreamEvent ev, StreamError) {
    if (ev != StreamEvent::kReadable) return;
    std::uint8_t b[16];
    last = s->read(b).status;
  });
  EXPECT_TRUE(nettest::run_until(*loop_, [&] { return last == IoStatus::kEof; }));
  pool_->release(s);
  loop_->remove_fd(lfd);
  ::close(lfd);
}
