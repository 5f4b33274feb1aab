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

// What the account services read of the SIP line: jambonz rings user@realm.
TEST(Config, SipUserAndRealm) {
  for (auto [registrar, want] : {std::pair{"sip:acme.sip.example.com", "desk-101@acme.sip.example.com"},
                                 std::pair{"sips:acme.example.com:5061;transport=tls", "desk-101@acme.example.com"},
                                 std::pair{"sip:[2001:db8::1]:5060", "desk-101@[2001:db8::1]"}}) {
    std::string text = kGood;
    text.replace(text.find("\"web\""), 0,
                 std::string("\"sip\": {\"registrar\": \"") + registrar + "\", \"username\": \"desk-101\"}, ");
    Config c;
    ConfigError e;
    ASSERT_TRUE(parse_config(text, c, e)) << e.key.c_str() << " " << e.message.c_str();
    FixedString<limits::kPeerMax> user;
    ASSERT_TRUE(c.sip.present && c.sip.user_at_realm(user));
    EXPECT_EQ(user.view(), want);
  }
  for (auto [sip, key] : {std::pair{R"("sip": {"registrar": "http://x", "username": "u"}, )", "sip.registrar"},
                          std::pair{R"("sip": {"registrar": "sip:x"}, )", "sip.username"},
                          std::pair{R"("sip": {"registrar": "sip:", "username": "u"}, )", "sip.registrar"}}) {
    std::string text = kGood;
    text.replace(text.find("\"web\""), 0, sip);
    Config c;
    ConfigError e;
    EXPECT_FALSE(parse_config(text, c, e)) << sip;
    EXPECT_EQ(e.key.view(), key) << sip;
  }
}

TEST(Config, MissingFileIsAClearError) {
  Config c;
  ConfigError e;
  EXPECT_FALSE(load_config("/nonexistent/dialtone.json", c, e));
  EXPECT_NE(e.message.view().find("/nonexistent/dialtone.json"), std::string_view::npos);
}

}  // namespace
}  // namespace dialtone::config
