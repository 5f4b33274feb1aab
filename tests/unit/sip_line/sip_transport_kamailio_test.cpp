// The SIP transport against a real SIP server: Kamailio 5.6 on 127.0.0.1
// over UDP, TCP and TLS (its tls module, with the test PKI's server
// certificate), in a private network namespace (run_net_test.sh).
// Kamailio answers our requests, sends one of them back to us the way a
// registrar reaches a registered phone (over our own connection for TCP and
// TLS), and answers our keep-alive pings.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/line/sip_transport.hpp"
#include "kamailio_process.hpp"
#include "net_helpers.hpp"

using namespace dialtone;
using namespace dialtone::line;

namespace {

// Kamailio listening on UDP and TCP at `port` and TLS at `tls_port`, with
// the test PKI's server certificate.
class Kamailio : public nettest::KamailioProcess {
 public:
  Kamailio(std::uint16_t port, std::uint16_t tls_port) {
    std::ofstream(dir() + "/tls.cfg") << "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\n"
                                      << "require_certificate = no\nprivate_key = " << nettest::pki("server.key")
                                      << "\ncertificate = " << nettest::pki("server.crt") << "\n";
    const std::string p = std::to_string(port);
    start(DIALTONE_KAMAILIO_CFG,
          {"udp:127.0.0.1:" + p, "tcp:127.0.0.1:" + p, "tls:127.0.0.1:" + std::to_string(tls_port)},
          {"TLS_CONFIG=\"" + dir() + "/tls.cfg\""}, 32, 8);
    // Bounded wait for the listeners (a hang guard, not a timing assertion).
    for (int i = 0; i < 200 && !(nettest::port_accepts(port) && nettest::port_accepts(tls_port)); ++i) usleep(25000);
  }
};

class Recorder : public SipTransportObserver {
 public:
  void on_sip_transport_up() override { ++ups; }
  void on_sip_message(std::span<const std::uint8_t> m, bool reliable) override {
    messages.emplace_back(reinterpret_cast<const char*>(m.data()), m.size());
    last_reliable = reliable;
  }
  void on_sip_transport_down(std::string_view reason) override { downs.emplace_back(reason); }
  int ups = 0;
  bool last_reliable = false;
  std::vector<std::string> messages;
  std::vector<std::string> downs;
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Case {
  config::SipTransportKind kind;
  const char* via;  // Via's transport token
};

class SipTransportKamailio : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rng_.init());
    loop_ = std::make_unique<EventLoop>();
    port_ = nettest::free_port();
    tls_port_ = nettest::free_port();
    kamailio_ = std::make_unique<Kamailio>(port_, tls_port_);
    ASSERT_TRUE(nettest::port_accepts(port_)) << kamailio_->log();
    bool tls = GetParam().kind == config::SipTransportKind::kTls;
    std::uint16_t port = tls ? tls_port_ : port_;
    cfg_.present = true;
    cfg_.transport = GetParam().kind;
    cfg_.registrar.uri.assign(std::string("sip:127.0.0.1:") + std::to_string(port));
    cfg_.registrar.parts.host.assign("127.0.0.1");
    cfg_.registrar.parts.port = port;
    cfg_.username.assign("desk-101");
    cfg_.auth_username.assign("desk-101");
    cfg_.keepalive_s = 1;
    cfg_.ca_file.assign(nettest::pki("ca.crt"));
    transport_ = std::make_unique<SipTransport>(*loop_, rng_, cfg_, rec_);
    ASSERT_TRUE(transport_->init()) << transport_->failure();
    transport_->open();
    ASSERT_TRUE(nettest::run_until(*loop_, [&] { return rec_.ups == 1 || !rec_.downs.empty(); }));
    ASSERT_EQ(rec_.ups, 1) << rec_.downs[0];
  }

  // A request as the line would write it, from the transport's own address.
  std::string request(const std::string& method, const std::string& call_id, const std::string& extra = "") {
    SipTransport& t = *transport_;
    std::string host(t.local_host()), port = std::to_string(t.local_port());
    std::string body = "transport test";
    return method + " sip:127.0.0.1:" + std::to_string(cfg_.registrar.parts.port) + " SIP/2.0\r\n" +
           "Via: SIP/2.0/" + t.via_transport() + " " + host + ":" + port + ";rport;branch=z9hG4bK-" + call_id +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:desk-101@127.0.0.1>;tag=f" + call_id +
           "\r\nTo: <sip:desk-101@127.0.0.1>\r\nCall-ID: " + call_id + "\r\nCSeq: 1 " + method +
           "\r\nContact: <sip:desk-101@" + host + ":" + port + ">\r\n" + extra +
           "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  bool wait_messages(std::size_t n) {
    return nettest::run_until(*loop_, [&] { return rec_.messages.size() >= n || !rec_.downs.empty(); });
  }

  Csprng rng_;
  std::unique_ptr<EventLoop> loop_;
  std::uint16_t port_ = 0, tls_port_ = 0;
  std::unique_ptr<Kamailio> kamailio_;
  config::SipConfig cfg_;
  Recorder rec_;
  std::unique_ptr<SipTransport> transport_;
};

}  // namespace

TEST_P(SipTransportKamailio, RequestsAreAnsweredAndRportIsFilledIn) {
  SipTransport& t = *transport_;
  EXPECT_STREQ(t.via_transport(), GetParam().via);
  ASSERT_TRUE(t.send(request("OPTIONS", "k1")));
  ASSERT_TRUE(wait_messages(1)) << kamailio_->log();
  ASSERT_FALSE(rec_.messages.empty()) << rec_.downs[0];
  const std::string& r = rec_.messages[0];
  EXPECT_TRUE(r.rfind("SIP/2.0 200 OK\r\n", 0) == 0) << r;
  EXPECT_TRUE(contains(r, "Call-ID: k1")) << r;
  // RFC 3581: the server wrote the port it saw, which is ours.
  EXPECT_TRUE(contains(r, std::string(";rport=") + std::to_string(t.local_port()))) << r;
  EXPECT_EQ(rec_.last_reliable, GetParam().kind != config::SipTransportKind::kUdp);
}

TEST_P(SipTransportKamailio, TheServerReachesUsOverOurOwnPath) {
  SipTransport& t = *transport_;
  ASSERT_TRUE(t.send(request("MESSAGE", "k2", "X-Test: bounce\r\n")));
  ASSERT_TRUE(wait_messages(1)) << kamailio_->log();
  ASSERT_FALSE(rec_.messages.empty()) << rec_.downs[0];
  const std::string& m = rec_.messages[0];
  // Our own request, now a request from the server: its Via on top of ours.
  EXPECT_TRUE(m.rfind("MESSAGE sip:", 0) == 0) << m;
  EXPECT_TRUE(contains(m, "Call-ID: k2")) << m;
  EXPECT_LT(m.find("Via: SIP/2.0/"), m.find("branch=z9hG4bK-k2")) << m;
  EXPECT_TRUE(contains(m, "\r\n\r\ntransport test")) << m;
  ASSERT_TRUE(t.send(request("OPTIONS", "k3")));
  ASSERT_TRUE(wait_messages(2));
  EXPECT_EQ(rec_.ups, 1);  // one connection throughout
  EXPECT_EQ(t.stats().ups, 1u);
  EXPECT_TRUE(rec_.downs.empty());
}

TEST_P(SipTransportKamailio, KeepAlivesGoOutAndStreamPingsAreAnswered) {
  SipTransport& t = *transport_;
  t.set_keepalive(true);  // every second (keepalive_s 1)
  bool stream = GetParam().kind != config::SipTransportKind::kUdp;
  ASSERT_TRUE(nettest::run_until(*loop_, [&] {
    return !rec_.downs.empty() || (stream ? t.stats().pongs_received >= 2 : t.stats().keepalives_sent >= 2);
  }, 15000));
  EXPECT_TRUE(rec_.downs.empty()) << rec_.downs[0];
  EXPECT_TRUE(t.is_up());
  // The path still carries messages.
  ASSERT_TRUE(t.send(request("OPTIONS", "k4")));
  ASSERT_TRUE(wait_messages(1));
  EXPECT_TRUE(contains(rec_.messages[0], "Call-ID: k4"));
}

INSTANTIATE_TEST_SUITE_P(Transports, SipTransportKamailio,
                         ::testing::Values(Case{config::SipTransportKind::kUdp, "UDP"},
                                           Case{config::SipTransportKind::kTcp, "TCP"},
                                           Case{config::SipTransportKind::kTls, "TLS"}),
                         [](const auto& p) { return std::string(p.param.via); });
