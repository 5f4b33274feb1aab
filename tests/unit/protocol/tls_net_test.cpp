// TLS and TCP streams against real servers on 127.0.0.1 (openssl s_server).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "net_helpers.hpp"
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

std::vector<std::string> s_server(std::uint16_t port, const std::string& leaf) {
  return {"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert", nettest::pki(leaf + ".crt"),
          "-key", nettest::pki(leaf + ".key"), "-rev", "-quiet"};
}

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
