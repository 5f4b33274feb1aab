// The SIP transport against a SIP echo peer on 127.0.0.1 (sip_echo_peer.py:
// Python's sockets and ssl, framing of its own), over UDP, TCP and TLS, in a
// private network namespace with a fresh test PKI (run_net_test.sh).
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "firmware/line/sip_transport.hpp"
#include "net_helpers.hpp"
#include "tiny_dns.hpp"

using namespace dialtone;
using namespace dialtone::line;

namespace {

struct Received {
  std::string text;
  bool reliable = false;
};

class Recorder : public SipTransportObserver {
 public:
  void on_sip_transport_up() override { ++ups; }
  void on_sip_message(std::span<const std::uint8_t> m, bool reliable) override {
    messages.push_back({std::string(reinterpret_cast<const char*>(m.data()), m.size()), reliable});
  }
  void on_sip_transport_down(std::string_view reason) override { downs.emplace_back(reason); }

  int ups = 0;
  std::vector<Received> messages;
  std::vector<std::string> downs;
};

std::string request(const std::string& test, const std::string& body = "hello", const std::string& call_id = "c1") {
  return "OPTIONS sip:peer@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-" + call_id +
         "\r\nCall-ID: " + call_id + "\r\nX-Test: " + test + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// "c1", "Call-ID: c1": built with snprintf, as GCC 12 at -O3 misreads
// "literal" + std::string as an overlapping copy (-Wrestrict).
std::string numbered(const char* prefix, int i) {
  char text[64];
  std::snprintf(text, sizeof text, "%s%d", prefix, i);
  return text;
}

std::string peer_script() { return DIALTONE_SIP_ECHO_PEER; }

class SipTransportNet : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rng_.init());
    loop_ = std::make_unique<EventLoop>();
    udp_port_ = nettest::free_port();
    tcp_port_ = nettest::free_port();
    tls_port_ = nettest::free_port();
  }

  // A peer serving UDP and TCP, and TLS with the given leaf certificate.
  void start_peer(const std::string& leaf = "server") {
    peer_ = std::make_unique<nettest::Child>(
        std::vector<std::string>{"/usr/bin/python3", peer_script(), "--udp", std::to_string(udp_port_), "--tls",
                                 std::to_string(tls_port_), "--cert", nettest::pki(leaf + ".crt"), "--key",
                                 nettest::pki(leaf + ".key"), "--tcp", std::to_string(tcp_port_)},
        tcp_port_);
    ASSERT_TRUE(nettest::port_accepts(tls_port_));
  }

  // The configuration a parsed file would give: registrar sip:HOST:PORT.
  void configure(config::SipTransportKind t, const std::string& host, std::uint16_t port) {
    cfg_ = config::SipConfig{};
    cfg_.present = true;
    cfg_.transport = t;
    cfg_.registrar.uri.assign("sip:" + host + ":" + std::to_string(port));
    cfg_.registrar.parts.host.assign(host);
    cfg_.registrar.parts.port = port;
    cfg_.username.assign("desk");
    cfg_.auth_username.assign("desk");
    cfg_.keepalive_s = 1;
    cfg_.ca_file.assign(nettest::pki("ca.crt"));
  }

  SipTransport& make(SipTransportOptions options = {}) {
    transport_ = std::make_unique<SipTransport>(*loop_, rng_, cfg_, rec_, options);
    EXPECT_TRUE(transport_->init()) << transport_->failure();
    return *transport_;
  }

  bool wait_messages(std::size_t n) {
    return nettest::run_until(*loop_, [&] { return rec_.messages.size() >= n || !rec_.downs.empty(); });
  }

  // The peer's counters, asked over the transport itself.
  std::string peer_stats(SipTransport& t) {
    std::size_t before = rec_.messages.size();
    EXPECT_TRUE(t.send(request("stats", "", "stats")));
    EXPECT_TRUE(wait_messages(before + 1));
    return rec_.messages.size() > before ? rec_.messages.back().text : std::string();
  }

  // Asks the peer's counters every few hundred ms until they contain
  // `expect` (bounded: a hang guard, not a timing assertion).
  bool wait_peer(SipTransport& t, const std::string& expect, std::string& stats) {
    for (int i = 0; i < 50; ++i) {
      stats = peer_stats(t);
      if (contains(stats, expect)) return true;
      if (!rec_.downs.empty()) return false;
      nettest::run_until(*loop_, [] { return false; }, 300);
    }
    return false;
  }

  Csprng rng_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<nettest::Child> peer_;
  config::SipConfig cfg_;
  Recorder rec_;
  std::unique_ptr<SipTransport> transport_;
  std::uint16_t udp_port_ = 0, tcp_port_ = 0, tls_port_ = 0;
};

}  // namespace

TEST_F(SipTransportNet, UdpMessagesGoBothWays) {
  start_peer();
  configure(config::SipTransportKind::kUdp, "127.0.0.1", udp_port_);
  SipTransport& t = make();
  EXPECT_FALSE(t.reliable());
  EXPECT_STREQ(t.via_transport(), "UDP");
  // Sent before the path is up: kept, and sent once it is.
  std::string m = request("echo", "first");
  ASSERT_TRUE(t.send(m));
  ASSERT_TRUE(wait_messages(1));
  EXPECT_EQ(rec_.ups, 1);
  EXPECT_EQ(t.local_host(), "127.0.0.1");
  EXPECT_NE(t.local_port(), 0);
  ASSERT_EQ(rec_.messages.size(), 1u);
  EXPECT_FALSE(rec_.messages[0].reliable);
  // The whole message came back, byte for byte, behind the peer's header.
  EXPECT_TRUE(contains(rec_.messages[0].text, "X-Peer: udp"));
  std::string back = rec_.messages[0].text;
  back.erase(back.find("X-Peer: udp connection=0\r\n"), std::string("X-Peer: udp connection=0\r\n").size());
  EXPECT_EQ(back, m);

  ASSERT_TRUE(t.send(request("echo", "second", "c2")));
  ASSERT_TRUE(wait_messages(2));
  EXPECT_TRUE(contains(rec_.messages[1].text, "second"));
  EXPECT_TRUE(rec_.downs.empty());
}

TEST_F(SipTransportNet, UdpRefusesADatagramLargerThanTheLimit) {
  start_peer();
  configure(config::SipTransportKind::kUdp, "127.0.0.1", udp_port_);
  SipTransport& t = make();
  ASSERT_TRUE(t.send(request("big", "x", "c3")));  // the peer sends 9000 bytes, then the echo
  ASSERT_TRUE(wait_messages(1));
  ASSERT_EQ(rec_.messages.size(), 1u);
  EXPECT_TRUE(contains(rec_.messages[0].text, "Call-ID: c3"));  // only the echo, nothing cut
  EXPECT_TRUE(rec_.downs.empty());
}

TEST_F(SipTransportNet, UdpKeepAliveIsACrlf) {
  start_peer();
  configure(config::SipTransportKind::kUdp, "127.0.0.1", udp_port_);
  SipTransport& t = make();
  t.open();
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return rec_.ups == 1; }));
  t.set_keepalive(true);
  // keepalive_s is 1: wait (bounded) until the peer has counted two.
  std::string stats;
  ASSERT_TRUE(wait_peer(t, "udp_keepalives=2 ", stats)) << stats;
  EXPECT_TRUE(rec_.downs.empty());
}

TEST_F(SipTransportNet, UdpPortUnreachableIsReportedAsRefused) {
  // Nobody on this port: the ICMP error comes back to the aimed socket.
  configure(config::SipTransportKind::kUdp, "127.0.0.1", nettest::free_port());
  SipTransport& t = make();
  ASSERT_TRUE(t.send(request("echo")));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return !rec_.downs.empty(); }));
  EXPECT_TRUE(contains(rec_.downs[0], "connection refused")) << rec_.downs[0];
  EXPECT_FALSE(t.is_up());
}

TEST_F(SipTransportNet, TcpReusesOneConnectionForEverything) {
  start_peer();
  configure(config::SipTransportKind::kTcp, "127.0.0.1", tcp_port_);
  SipTransport& t = make();
  EXPECT_TRUE(t.reliable());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(t.send(request("echo", numbered("n", i), numbered("c", i))));
  ASSERT_TRUE(wait_messages(3));
  ASSERT_EQ(rec_.messages.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(rec_.messages[i].reliable);
    EXPECT_TRUE(contains(rec_.messages[i].text, "X-Peer: tcp connection=1\r\n")) << rec_.messages[i].text;
    EXPECT_TRUE(contains(rec_.messages[i].text, numbered("Call-ID: c", i)));  // in order
  }
  EXPECT_EQ(rec_.ups, 1);
  EXPECT_EQ(t.local_host(), "127.0.0.1");
  EXPECT_TRUE(contains(peer_stats(t), "connections=1 "));
}

TEST_F(SipTransportNet, TcpMessagesSurvivePartialAndCoalescedReads) {
  start_peer();
  configure(config::SipTransportKind::kTcp, "127.0.0.1", tcp_port_);
  SipTransport& t = make();
  std::string body(700, 'z');
  ASSERT_TRUE(t.send(request("split", body, "s1")));  // comes back 5 bytes at a time
  ASSERT_TRUE(wait_messages(1));
  ASSERT_TRUE(t.send(request("two", "pair", "s2")));  // two echoes and a ping in one write
  ASSERT_TRUE(wait_messages(3));
  ASSERT_EQ(rec_.messages.size(), 3u);
  EXPECT_TRUE(contains(rec_.messages[0].text, "\r\n\r\n" + body));
  EXPECT_EQ(rec_.messages[0].text.size(), request("split", body, "s1").size() + 26);  // + the X-Peer line
  EXPECT_EQ(rec_.messages[1].text, rec_.messages[2].text);
  // The server's ping between them was answered with a pong.
  std::string stats = peer_stats(t);
  EXPECT_TRUE(contains(stats, "pongs=1 ")) << stats;
  EXPECT_TRUE(rec_.downs.empty());
}

TEST_F(SipTransportNet, TcpOversizeMessageIsSkippedWholeAndTheStreamGoesOn) {
  start_peer();
  configure(config::SipTransportKind::kTcp, "127.0.0.1", tcp_port_);
  SipTransport& t = make();
  ASSERT_TRUE(t.send(request("big", "x", "b1")));
  ASSERT_TRUE(wait_messages(1));
  ASSERT_EQ(rec_.messages.size(), 1u);
  EXPECT_TRUE(contains(rec_.messages[0].text, "Call-ID: b1"));
  EXPECT_FALSE(contains(rec_.messages[0].text, "sip:big"));
  EXPECT_TRUE(rec_.downs.empty());
  EXPECT_TRUE(contains(peer_stats(t), "connections=1 "));
}

TEST_F(SipTransportNet, TcpUnframeableStreamIsClosedAndReported) {
  start_peer();
  configure(config::SipTransportKind::kTcp, "127.0.0.1", tcp_port_);
  SipTransport& t = make();
  ASSERT_TRUE(t.send(request("garbage")));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return !rec_.downs.empty(); }));
  EXPECT_TRUE(contains(rec_.downs[0], "Content-Length")) << rec_.downs[0];
  EXPECT_TRUE(rec_.messages.empty());
}

TEST_F(SipTransportNet, TcpBrokenConnectionIsReportedAndTheNextSendReconnects) {
  start_peer();
  configure(config::SipTransportKind::kTcp, "127.0.0.1", tcp_port_);
  SipTransport& t = make();
  ASSERT_TRUE(t.send(request("echo", "a", "r1")));
  ASSERT_TRUE(wait_messages(1));
  std::uint16_t first_port = t.local_port();
  ASSERT_TRUE(t.send(request("close", "a", "r2")));  // the peer hangs up
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return !rec_.downs.empty(); }));
  EXPECT_TRUE(contains(rec_.downs[0], "lost the connection to 127.0.0.1:" + std::to_string(tcp_port_)))
      << rec_.downs[0];
  EXPECT_TRUE(contains(rec_.downs[0], "closed")) << rec_.downs[0];
  EXPECT_FALSE(t.is_up());

  ASSERT_TRUE(t.send(request("echo", "b", "r3")));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return rec_.messages.size() == 2; }));
  EXPECT_TRUE(contains(rec_.messages[1].text, "X-Peer: tcp connection=2\r\n"));
  EXPECT_EQ(rec_.ups, 2);
  EXPECT_NE(t.local_port(), first_port);  // a new connection, a new local port for Via/Contact
}

TEST_F(SipTransportNet, TcpConnectionRefusedIsReported) {
  configure(config::SipTransportKind::kTcp, "127.0.0.1", nettest::free_port());
  SipTransport& t = make();
  t.open();
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return !rec_.downs.empty(); }));
  EXPECT_TRUE(contains(rec_.downs[0], "cannot reach 127.0.0.1:")) << rec_.downs[0];
  EXPECT_TRUE(contains(rec_.downs[0], "connection refused")) << rec_.downs[0];
  EXPECT_EQ(rec_.ups, 0);
}

TEST_F(SipTransportNet, TcpPingsAreAnsweredAndAMissingPongBreaksTheConnection) {
  start_peer();
  configure(config::SipTransportKind::kTcp, "127.0.0.1", tcp_port_);
  SipTransportOptions o;
  o.pong_timeout_ms = 1000;
  SipTransport& t = make(o);
  t.open();
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return rec_.ups == 1; }));
  t.set_keepalive(true);
  std::string stats;
  ASSERT_TRUE(wait_peer(t, "pings=2 ", stats)) << stats;
  EXPECT_TRUE(rec_.downs.empty());  // answered pings keep it up

  ASSERT_TRUE(t.send(request("mute", "", "m1")));  // from now on no pongs
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return !rec_.downs.empty(); }, 15000));
  EXPECT_TRUE(contains(rec_.downs[0], "no answer to a keep-alive ping")) << rec_.downs[0];
  EXPECT_FALSE(t.is_up());
}

TEST_F(SipTransportNet, TlsMessagesGoBothWaysByNameWithSni) {
  start_peer();
  nettest::TinyDns dns(*loop_);
  configure(config::SipTransportKind::kTls, nettest::kName, tls_port_);
  cfg_.dns_servers.assign(dns.servers());
  SipTransport& t = make();
  EXPECT_STREQ(t.via_transport(), "TLS");
  ASSERT_TRUE(t.send(request("echo", "secret hello", "t1")));
  ASSERT_TRUE(t.send(request("split", "secret again", "t2")));
  ASSERT_TRUE(wait_messages(2)) << (rec_.downs.empty() ? "" : rec_.downs[0]);
  ASSERT_EQ(rec_.messages.size(), 2u);
  EXPECT_TRUE(rec_.messages[0].reliable);
  EXPECT_TRUE(contains(rec_.messages[0].text, "X-Peer: tls connection=1\r\nVia"));
  EXPECT_TRUE(contains(rec_.messages[1].text, "secret again"));
  EXPECT_GE(dns.queries, 1);
  std::string stats = peer_stats(t);
  EXPECT_TRUE(contains(stats, "sni=dialtone.test")) << stats;
  EXPECT_TRUE(contains(stats, "connections=1 ")) << stats;
}

TEST_F(SipTransportNet, TlsByAddressMatchesTheIpSan) {
  start_peer();
  configure(config::SipTransportKind::kTls, "127.0.0.1", tls_port_);
  SipTransport& t = make();
  ASSERT_TRUE(t.send(request("echo")));
  ASSERT_TRUE(wait_messages(1)) << (rec_.downs.empty() ? "" : rec_.downs[0]);
  EXPECT_TRUE(contains(rec_.messages[0].text, "X-Peer: tls"));
}

TEST_F(SipTransportNet, TlsRefusesACertificateForAnotherHost) {
  start_peer("wrong");  // wrong.example, from the trusted CA
  configure(config::SipTransportKind::kTls, "127.0.0.1", tls_port_);
  SipTransport& t = make();
  ASSERT_TRUE(t.send(request("echo")));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return !rec_.downs.empty(); }));
  EXPECT_TRUE(contains(rec_.downs[0], "certificate is for another host")) << rec_.downs[0];
  EXPECT_TRUE(rec_.messages.empty());
  EXPECT_EQ(rec_.ups, 0);
}

TEST_F(SipTransportNet, TlsRefusesAnUnknownCa) {
  start_peer("rogue");  // 127.0.0.1, from a CA the device does not trust
  configure(config::SipTransportKind::kTls, "127.0.0.1", tls_port_);
  SipTransport& t = make();
  ASSERT_TRUE(t.send(request("echo")));
  ASSERT_TRUE(nettest::run_until(*loop_, [&] { return !rec_.downs.empty(); }));
  EXPECT_TRUE(contains(rec_.downs[0], "certificate not trusted")) << rec_.downs[0];
  EXPECT_TRUE(rec_.messages.empty());
  EXPECT_EQ(rec_.ups, 0);
}

TEST_F(SipTransportNet, TlsWithAMissingCaFileRefusesToStart) {
  configure(config::SipTransportKind::kTls, "127.0.0.1", tls_port_);
  cfg_.ca_file.assign(nettest::pki("no-such-ca.crt"));
  SipTransport t(*loop_, rng_, cfg_, rec_);
  EXPECT_FALSE(t.init());
  EXPECT_TRUE(contains(std::string(t.failure()), "sip.ca_file"));
  EXPECT_FALSE(t.send(request("echo")));
}
