#include "firmware/config/config.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dialtone::config {
namespace {

const char* kGood = R"({
  "board": "sim",
  "state_dir": "/tmp/dt",
  "yna": { "auth_url": "https://127.0.0.1:8443", "api_url": "https://127.0.0.1:8443",
           "call_url": "https://127.0.0.1:8443", "client_id": "cid", "client_secret": "sec",
           "redirect_uri": "http://127.0.0.1:8080/oauth/callback", "pop_key_file": "/tmp/k.pem",
           "ca_file": "/tmp/ca.pem", "ping_interval_s": 5, "pong_timeout_s": 2,
           "dns_servers": ["127.0.0.1:5353", "[::1]:53", "192.0.2.53"] },
  "ice": { "stun": ["stun:127.0.0.1:3478"],
           "turn": [{"url": "turn:127.0.0.1:3478?transport=udp", "username": "u", "credential": "p"}],
           "host_addresses": ["127.0.0.1"] },
  "audio": { "backend": "file", "capture": "in.wav", "playback": "out.wav" },
  "web": { "listen": "127.0.0.1:8081" }
})";

TEST(Config, ParsesEveryKeyOfTheContract) {
  Config c;
  ConfigError e;
  ASSERT_TRUE(parse_config(kGood, c, e)) << e.key.c_str() << ": " << e.message.c_str();
  EXPECT_EQ(c.board.view(), "sim");
  EXPECT_TRUE(c.yna.present);
  EXPECT_EQ(c.yna.ping_interval_s, 5);
  EXPECT_EQ(c.yna.pong_timeout_s, 2);
  EXPECT_EQ(c.yna.dns_servers.view(), "127.0.0.1:5353,[::1]:53,192.0.2.53");  // c-ares' list form
  EXPECT_EQ(c.ice.stun.size(), 1u);
  EXPECT_EQ(c.ice.turn[0].username.view(), "u");
  EXPECT_TRUE(c.ice.host_addresses_set);
  EXPECT_EQ(c.ice.host_addresses[0].view(), "127.0.0.1");
  EXPECT_EQ(c.audio.backend, AudioBackend::kFile);
  EXPECT_EQ(c.web.port, 8081);
}

TEST(Config, YnaDefaultsAndOptionalSections) {
  Config c;
  ConfigError e;
  ASSERT_TRUE(parse_config(R"({"board":"sim","state_dir":"/tmp/x",
      "audio":{"backend":"alsa","capture":"hw:0","playback":"hw:0"}})", c, e));
  EXPECT_FALSE(c.yna.present);
  EXPECT_TRUE(c.yna.dns_servers.empty());  // the system's resolvers
  EXPECT_FALSE(c.ice.host_addresses_set);
  EXPECT_EQ(c.web.port, 8080);
}

struct BadCase {
  std::string find, replace, key;
};

class ConfigRefuses : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigRefuses, NamingTheKey) {
  std::string text = kGood;
  auto pos = text.find(GetParam().find);
  ASSERT_NE(pos, std::string::npos) << GetParam().find;
  text.replace(pos, GetParam().find.size(), GetParam().replace);
  Config c;
  ConfigError e;
  EXPECT_FALSE(parse_config(text, c, e));
  EXPECT_EQ(e.key.view(), GetParam().key) << e.message.c_str();
  EXPECT_FALSE(e.message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigRefuses,
    ::testing::Values(BadCase{"\"ping_interval_s\": 5", "\"ping_interval_s\": \"5\"", "yna.ping_interval_s"},
                      BadCase{"\"ping_interval_s\": 5", "\"ping_interval_s\": 0", "yna.ping_interval_s"},
                      BadCase{"\"pong_timeout_s\": 2", "\"pong_timeout_s\": 2.5", "yna.pong_timeout_s"},
                      BadCase{"\"auth_url\": \"https://", "\"auth_url\": \"http://", "yna.auth_url"},
                      BadCase{"\"api_url\": \"https://127.0.0.1:8443\"", "\"api_url\": \"nonsense\"", "yna.api_url"},
                      BadCase{"\"client_id\": \"cid\",", "", "yna.client_id"},
                      BadCase{"[\"127.0.0.1:5353\", ", "\"127.0.0.1:5353\", \"x\": [", "yna.dns_servers"},
                      BadCase{"\"127.0.0.1:5353\"", "\"dns.example\"", "yna.dns_servers"},
                      BadCase{"\"127.0.0.1:5353\"", "\"127.0.0.1:99999\"", "yna.dns_servers"},
                      BadCase{"\"[::1]:53\"", "\"::1]:53\"", "yna.dns_servers"},
                      BadCase{"\"192.0.2.53\"", "53", "yna.dns_servers"},
                      BadCase{"\"board\": \"sim\"", "\"board\": 3", "board"},
                      BadCase{"\"state_dir\": \"/tmp/dt\",", "", "state_dir"},
                      BadCase{"\"backend\": \"file\"", "\"backend\": \"oss\"", "audio.backend"},
                      BadCase{"[\"stun:127.0.0.1:3478\"]", "[\"turn:x\"]", "ice.stun"},
                      BadCase{"\"username\": \"u\", ", "", "ice.turn.username"},
                      BadCase{"[\"127.0.0.1\"]", "\"127.0.0.1\"", "ice.host_addresses"},
                      BadCase{"\"127.0.0.1:8081\"", "\"8081\"", "web.listen"},
                      BadCase{"\"yna\": {", "\"yna\": [], \"x\": {", "yna"},
                      BadCase{"\"board\": \"sim\",", "\"board\": \"sim\"", ""}));

// sip-line.md section 1, beside the YNA line of kGood.
const char* kGoodSip = R"({
  "board": "sim",
  "state_dir": "/tmp/dt",
  "yna": { "auth_url": "https://127.0.0.1:8443", "api_url": "https://127.0.0.1:8443",
           "call_url": "https://127.0.0.1:8443", "client_id": "cid", "client_secret": "sec",
           "redirect_uri": "http://127.0.0.1:8080/oauth/callback", "pop_key_file": "/tmp/k.pem" },
  "sip": { "registrar": "sip:acme.sip.example.com", "username": "desk-101", "auth_username": "auth-101",
           "password": "secret", "display_name": "Front desk", "transport": "udp",
           "outbound_proxy": "sip:127.0.0.1:5080;lr", "expires_s": 600, "keepalive_s": 15,
           "ca_file": "/etc/dialtone/sip-ca.pem", "media": "sdes", "dns_servers": ["127.0.0.1:5353"] },
  "outgoing_line": "sip",
  "audio": { "backend": "file", "capture": "in.wav", "playback": "out.wav" }
})";

Config parse_ok(const std::string& text) {
  Config c;
  ConfigError e;
  EXPECT_TRUE(parse_config(text, c, e)) << e.key.c_str() << ": " << e.message.c_str();
  return c;
}

std::string with(std::string text, const std::string& find, const std::string& replace) {
  auto pos = text.find(find);
  EXPECT_NE(pos, std::string::npos) << find;
  if (pos != std::string::npos) text.replace(pos, find.size(), replace);
  return text;
}

TEST(ConfigSip, ParsesEveryKeyOfTheContract) {
  Config c = parse_ok(kGoodSip);
  ASSERT_TRUE(c.sip.present);
  EXPECT_EQ(c.sip.registrar.uri.view(), "sip:acme.sip.example.com");
  EXPECT_EQ(c.sip.registrar.parts.host.view(), "acme.sip.example.com");  // the realm
  EXPECT_EQ(c.sip.registrar.parts.port, 5060);
  EXPECT_EQ(c.sip.username.view(), "desk-101");
  EXPECT_EQ(c.sip.auth_username.view(), "auth-101");
  EXPECT_EQ(c.sip.password.view(), "secret");
  EXPECT_EQ(c.sip.display_name.view(), "Front desk");
  EXPECT_EQ(c.sip.transport, SipTransportKind::kUdp);
  EXPECT_EQ(c.sip.outbound_proxy.uri.view(), "sip:127.0.0.1:5080;lr");  // kept as written for the Route
  EXPECT_EQ(c.sip.outbound_proxy.parts.host.view(), "127.0.0.1");
  EXPECT_EQ(c.sip.outbound_proxy.parts.port, 5080);
  EXPECT_EQ(&c.sip.next_hop(), &c.sip.outbound_proxy);
  EXPECT_EQ(c.sip.expires_s, 600);
  EXPECT_EQ(c.sip.keepalive_s, 15);
  EXPECT_EQ(c.sip.ca_file.view(), "/etc/dialtone/sip-ca.pem");
  EXPECT_EQ(c.sip.media, SipMedia::kSdes);
  EXPECT_EQ(c.sip.dns_servers.view(), "127.0.0.1:5353");
  EXPECT_EQ(c.outgoing_line, LineKind::kSip);
}

TEST(ConfigSip, DefaultsOfTheContract) {
  Config c = parse_ok(R"({"board":"sim","state_dir":"/tmp/x",
      "sip":{"registrar":"sip:pbx.example.com","username":"101"},
      "audio":{"backend":"file","capture":"a","playback":"b"}})");
  EXPECT_EQ(c.sip.auth_username.view(), "101");  // defaults to username
  EXPECT_TRUE(c.sip.password.empty());
  EXPECT_EQ(c.sip.transport, SipTransportKind::kUdp);
  EXPECT_EQ(c.sip.expires_s, 600);
  EXPECT_EQ(c.sip.keepalive_s, 25);
  EXPECT_EQ(c.sip.media, SipMedia::kAuto);
  EXPECT_TRUE(c.sip.outbound_proxy.uri.empty());
  EXPECT_EQ(&c.sip.next_hop(), &c.sip.registrar);
  EXPECT_EQ(c.sip.registrar.parts.port, 5060);
  EXPECT_EQ(c.outgoing_line, LineKind::kSip);  // the only line
}

TEST(ConfigSip, TransportFollowsTheUriWhenNotWritten) {
  const std::string base = R"({"board":"sim","state_dir":"/tmp/x","sip":{"registrar":"REG","username":"u"},
      "audio":{"backend":"file","capture":"a","playback":"b"}})";
  Config c = parse_ok(with(base, "REG", "sips:pbx.example.com"));
  EXPECT_EQ(c.sip.transport, SipTransportKind::kTls);
  EXPECT_EQ(c.sip.registrar.parts.port, 5061);
  c = parse_ok(with(base, "REG", "sip:pbx.example.com;transport=TCP"));
  EXPECT_EQ(c.sip.transport, SipTransportKind::kTcp);
  EXPECT_EQ(c.sip.registrar.parts.port, 5060);
  c = parse_ok(with(base, "\"REG\"", "\"sip:[::1]:5070\", \"transport\": \"tls\""));
  EXPECT_EQ(c.sip.registrar.parts.host.view(), "::1");
  EXPECT_EQ(c.sip.registrar.parts.port, 5070);
  c = parse_ok(with(base, "\"REG\"", "\"sip:pbx.example.com\", \"transport\": \"tls\""));
  EXPECT_EQ(c.sip.registrar.parts.port, 5061);  // the TLS default port
}

TEST(ConfigSip, OutgoingLineDefaultsToTheFirstConfigured) {
  EXPECT_EQ(parse_ok(with(kGoodSip, "\"outgoing_line\": \"sip\",", "")).outgoing_line, LineKind::kYna);
  EXPECT_EQ(parse_ok(with(kGoodSip, "\"outgoing_line\": \"sip\"", "\"outgoing_line\": \"yna\"")).outgoing_line,
            LineKind::kYna);
  Config none = parse_ok(R"({"board":"sim","state_dir":"/tmp/x",
      "audio":{"backend":"file","capture":"a","playback":"b"}})");
  EXPECT_EQ(none.outgoing_line, LineKind::kNone);
  EXPECT_FALSE(none.sip.present);
}

class ConfigSipRefuses : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigSipRefuses, NamingTheKey) {
  std::string text = with(kGoodSip, GetParam().find, GetParam().replace);
  Config c;
  ConfigError e;
  EXPECT_FALSE(parse_config(text, c, e));
  EXPECT_EQ(e.key.view(), GetParam().key) << e.message.c_str();
  EXPECT_FALSE(e.message.empty());
  // A refusal never repeats the password.
  EXPECT_EQ(e.message.view().find("secret"), std::string_view::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigSipRefuses,
    ::testing::Values(
        BadCase{"\"sip\": {", "\"sip\": 3, \"x\": {", "sip"},
        BadCase{"\"registrar\": \"sip:acme.sip.example.com\", ", "", "sip.registrar"},
        BadCase{"sip:acme.sip.example.com", "https://acme.sip.example.com", "sip.registrar"},
        BadCase{"sip:acme.sip.example.com", "sip:desk-101@acme.sip.example.com", "sip.registrar"},
        BadCase{"sip:acme.sip.example.com", "sip:acme.sip.example.com:0", "sip.registrar"},
        BadCase{"sip:acme.sip.example.com", "sip:acme.sip.example.com:65536", "sip.registrar"},
        BadCase{"sip:acme.sip.example.com", "sip:acme..example.com", "sip.registrar"},
        BadCase{"sip:acme.sip.example.com", "sip:acme sip.example.com", "sip.registrar"},
        BadCase{"sip:acme.sip.example.com", "sip:[::1", "sip.registrar"},
        BadCase{"sip:acme.sip.example.com", "sip:999.1.1.1", "sip.registrar"},
        BadCase{"sip:acme.sip.example.com", "sip:acme.sip.example.com?Subject=x", "sip.registrar"},
        BadCase{"sip:acme.sip.example.com", "sips:acme.sip.example.com", "sip.registrar"},  // with udp
        BadCase{"\"username\": \"desk-101\", ", "", "sip.username"},
        BadCase{"\"username\": \"desk-101\"", "\"username\": \"desk 101\"", "sip.username"},
        BadCase{"\"username\": \"desk-101\"", "\"username\": \"desk@101\"", "sip.username"},
        BadCase{"\"username\": \"desk-101\"", "\"username\": \"desk%1\"", "sip.username"},
        BadCase{"\"auth_username\": \"auth-101\"", "\"auth_username\": \"a\\\"b\"", "sip.auth_username"},
        BadCase{"\"password\": \"secret\"", "\"password\": 42", "sip.password"},
        BadCase{"\"display_name\": \"Front desk\"", "\"display_name\": \"Front\\r\\nVia: x\"", "sip.display_name"},
        BadCase{"\"transport\": \"udp\"", "\"transport\": \"sctp\"", "sip.transport"},
        BadCase{"\"transport\": \"udp\"", "\"transport\": \"UDP\"", "sip.transport"},
        BadCase{"sip:127.0.0.1:5080;lr", "http://127.0.0.1:5080", "sip.outbound_proxy"},
        BadCase{"sip:127.0.0.1:5080;lr", "sip:127.0.0.1:5080;transport=tcp", "sip.outbound_proxy"},
        BadCase{"sip:127.0.0.1:5080;lr", "sip:127.0.0.1:5080;transport=ws", "sip.outbound_proxy"},
        BadCase{"sip:127.0.0.1:5080;lr", "sip:127.0.0.1:5080;;lr", "sip.outbound_proxy"},
        BadCase{"sip:127.0.0.1:5080;lr", "sip:127.0.0.1:5080;lr=<x>", "sip.outbound_proxy"},
        BadCase{"\"expires_s\": 600", "\"expires_s\": 0", "sip.expires_s"},
        BadCase{"\"expires_s\": 600", "\"expires_s\": \"600\"", "sip.expires_s"},
        BadCase{"\"keepalive_s\": 15", "\"keepalive_s\": 0", "sip.keepalive_s"},
        BadCase{"\"keepalive_s\": 15", "\"keepalive_s\": 1.5", "sip.keepalive_s"},
        BadCase{"\"media\": \"sdes\"", "\"media\": \"srtp\"", "sip.media"},
        BadCase{"\"ca_file\": \"/etc/dialtone/sip-ca.pem\"", "\"ca_file\": []", "sip.ca_file"},
        BadCase{"[\"127.0.0.1:5353\"]", "[\"dns.example\"]", "sip.dns_servers"},
        BadCase{"\"outgoing_line\": \"sip\"", "\"outgoing_line\": \"pstn\"", "outgoing_line"},
        BadCase{"\"outgoing_line\": \"sip\"", "\"outgoing_line\": 1", "outgoing_line"}));

TEST(ConfigSip, OutgoingLineMustBeConfigured) {
  Config c;
  ConfigError e;
  EXPECT_FALSE(parse_config(R"({"board":"sim","state_dir":"/tmp/x","outgoing_line":"sip",
      "audio":{"backend":"file","capture":"a","playback":"b"}})", c, e));
  EXPECT_EQ(e.key.view(), "outgoing_line");
  EXPECT_NE(e.message.view().find("not configured"), std::string_view::npos);
}

TEST(SipServerUri, SplitsWhatTheTransportNeeds) {
  SipServerUri u;
  ASSERT_EQ(parse_sip_server_uri("sip:acme.sip.example.com", u), SipUriError::kOk);
  EXPECT_FALSE(u.sips);
  EXPECT_EQ(u.host.view(), "acme.sip.example.com");
  EXPECT_EQ(u.port, 0);  // none written
  ASSERT_EQ(parse_sip_server_uri("SIPS:[2001:db8::1]:5071;lr;transport=TLS", u), SipUriError::kOk);
  EXPECT_TRUE(u.sips);
  EXPECT_EQ(u.host.view(), "2001:db8::1");
  EXPECT_EQ(u.port, 5071);
  EXPECT_EQ(u.transport.view(), "tls");
  ASSERT_EQ(parse_sip_server_uri("sip:pbx.example.com.:5060", u), SipUriError::kOk);  // absolute name
  EXPECT_EQ(parse_sip_server_uri("sip:", u), SipUriError::kScheme);
  EXPECT_EQ(parse_sip_server_uri("sip::5060", u), SipUriError::kEmptyHost);
  EXPECT_EQ(parse_sip_server_uri("sip:-pbx.example.com", u), SipUriError::kBadHost);
  EXPECT_EQ(parse_sip_server_uri("sip:pbx.example.com:", u), SipUriError::kBadPort);
  EXPECT_EQ(parse_sip_server_uri("sip:pbx.example.com:5o60", u), SipUriError::kBadPort);
  EXPECT_EQ(parse_sip_server_uri("sip:pbx.example.com;transport=", u), SipUriError::kBadParam);
  EXPECT_EQ(parse_sip_server_uri("sip:[::1]x", u), SipUriError::kBadHost);
  EXPECT_EQ(parse_sip_server_uri(std::string("sip:") + std::string(254, 'a'), u), SipUriError::kHostTooLong);
}

TEST(Config, MissingFileIsAClearError) {
  Config c;
  ConfigError e;
  EXPECT_FALSE(load_config("/nonexistent/dialtone.json", c, e));
  EXPECT_NE(e.message.view().find("/nonexistent/dialtone.json"), std::string_view::npos);
}

}  // namespace
}  // namespace dialtone::config
