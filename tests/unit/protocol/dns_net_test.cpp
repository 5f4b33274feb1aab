// Host names resolved without blocking the loop: c-ares against DNS servers
// played by sockets on 127.0.0.1 (one that never answers, one tiny responder
// on the test's own loop), then TLS to 127.0.0.1 by name.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "net_helpers.hpp"
#include "protocol/http/http_client.hpp"
#include "protocol/tls/transport_pool.hpp"
#include "tiny_dns.hpp"

using namespace dialtone;
using namespace dialtone::protocol;

namespace {

using nettest::kName;
using nettest::TinyDns;
using nettest::UdpServer;

struct Outcome {
  bool opened = false;
  bool closed = false;
  StreamError error = StreamError::kNone;
  std::string received;
};

class DnsNet : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rng_.init());
    ASSERT_TRUE(tls_.init(nettest::pki("ca.crt").c_str(), rng_));
    loop_ = std::make_unique<EventLoop>();
    pool_ = std::make_unique<TransportPool>(*loop_);
    ASSERT_TRUE(pool_->init(&tls_));
  }

  void open(Stream& s, const char* host, std::uint16_t port, TimeMs timeout, Outcome& o) {
    ASSERT_TRUE(s.open(host, port, timeout, [&](StreamEvent ev, StreamError err) {
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
    }));
  }

  Csprng rng_;
  TlsContext tls_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<TransportPool> pool_;
};

// A 10 ms timer that re-arms itself and records the longest gap it saw.
struct Ticker {
  explicit Ticker(EventLoop& loop) : loop_(loop) { arm(); }
  ~Ticker() { loop_.cancel_timer(id_); }
  void arm() {
    id_ = loop_.add_timer(10, [this] {
      TimeMs now = monotonic_ms();
      if (last_) worst_gap = std::max(worst_gap, now - last_);
      last_ = now;
      ++ticks;
      arm();
    });
  }
  EventLoop& loop_;
  TimerId id_;
  TimeMs last_ = 0;
  TimeMs worst_gap = 0;
  int ticks = 0;
};

}  // namespace

TEST_F(DnsNet, SilentDnsServerTimesOutWhileTheLoopKeepsRunning) {
  UdpServer silent;  // bound, so no ICMP refusal: queries just vanish
  pool_->set_dns_servers(silent.servers);
  Stream* s = pool_->acquire(true);
  ASSERT_NE(s, nullptr);
  Ticker ticker(*loop_);
  Outcome o;
  TimeMs t0 = monotonic_ms();
  open(*s, kName, 443, 1500, o);
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return o.closed; }));
  TimeMs took = monotonic_ms() - t0;
  EXPECT_FALSE(o.opened);
  EXPECT_EQ(o.error, StreamError::kResolveTimeout);
  EXPECT_STREQ(to_string(o.error), "DNS lookup timed out");
  EXPECT_EQ(s->failure().substr(0, 28), "DNS lookup timed out after 1") << s->failure();  // 1.5 s, loaded or not
  EXPECT_GE(took, 1400);
  // The loop was never held: the 10 ms timer fired all along. The bounds are
  // loose (a loaded machine), but a blocking lookup would show one gap of
  // the whole 1.5 s.
  EXPECT_GT(ticker.ticks, 40);
  EXPECT_LT(ticker.worst_gap, 500);
  EXPECT_GE(silent.drain(), 1);  // c-ares asked our server, nobody else
  pool_->release(s);
}

TEST_F(DnsNet, TimeoutReachesTheHttpCaller) {
  UdpServer silent;
  pool_->set_dns_servers(silent.servers);
  HttpClient http(*loop_, *pool_);
  bool done = false;
  HttpResult got;
  std::string reason;
  HttpRequest req;
  req.url = "https://dialtone.test:8443/account/status";
  req.timeout_ms = 500;
  ASSERT_TRUE(http.send(req, [&](const HttpResult& r) {
    done = true;
    got.error = r.error;
    got.stream = r.stream;
    reason = r.reason;
  }));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return done; }));
  EXPECT_EQ(got.error, HttpClientError::kTimeout);
  EXPECT_EQ(got.stream, StreamError::kResolveTimeout);
  // In words, naming the host and how long it waited (no port: none was tried).
  EXPECT_EQ(reason.substr(0, 55), "cannot reach dialtone.test: DNS lookup timed out after ") << reason;
  EXPECT_EQ(reason.substr(reason.size() - 2), " s") << reason;
}

TEST_F(DnsNet, NameAnsweredByLoopbackResponderConnectsWithTls) {
  std::uint16_t port = nettest::free_port();
  nettest::Child server({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                         nettest::pki("server.crt"), "-key", nettest::pki("server.key"), "-rev", "-quiet"},
                        port);
  TinyDns dns(*loop_);
  pool_->set_dns_servers(dns.servers());
  Stream* s = pool_->acquire(true);
  ASSERT_NE(s, nullptr);
  Outcome o;
  open(*s, kName, port, 5000, o);
  EXPECT_TRUE(s->send("by name\n"));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return o.closed || o.received.find("eman yb") != std::string::npos; }));
  EXPECT_TRUE(o.opened) << to_string(o.error);
  EXPECT_NE(o.received.find("eman yb"), std::string::npos);
  EXPECT_GE(dns.queries, 1);
  pool_->release(s);
}

TEST_F(DnsNet, UnknownNameIsNamedAsNotResolving) {
  TinyDns dns(*loop_);
  pool_->set_dns_servers(dns.servers());
  Stream* s = pool_->acquire(true);
  Outcome o;
  open(*s, "nowhere.test", 443, 5000, o);
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return o.closed; }));
  EXPECT_EQ(o.error, StreamError::kResolve);
  pool_->release(s);
}

TEST_F(DnsNet, IpLiteralNeverAsksTheResolver) {
  UdpServer silent;
  pool_->set_dns_servers(silent.servers);
  Stream* s = pool_->acquire(true);
  Outcome o;
  open(*s, "127.0.0.1", nettest::free_port(), 2000, o);
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return o.closed; }));
  EXPECT_EQ(o.error, StreamError::kRefused);
  EXPECT_EQ(s->failure(), "connection refused");
  EXPECT_EQ(silent.drain(), 0);
  pool_->release(s);
}

TEST_F(DnsNet, CloseDuringLookupIsQuiet) {
  UdpServer silent;
  pool_->set_dns_servers(silent.servers);
  Stream* s = pool_->acquire(true);
  int events = 0;
  ASSERT_TRUE(s->open(kName, 443, 1000, [&](StreamEvent, StreamError) { ++events; }));
  loop_->run_once(20);
  pool_->release(s);  // closes mid-lookup
  // The slot is immediately reusable and nothing fires for the old lookup.
  Stream* again = pool_->acquire(true);
  ASSERT_EQ(again, s);
  Outcome o;
  open(*again, "127.0.0.1", nettest::free_port(), 2000, o);
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return o.closed; }));
  EXPECT_EQ(o.error, StreamError::kRefused);
  EXPECT_EQ(events, 0);
  pool_->release(again);
}
