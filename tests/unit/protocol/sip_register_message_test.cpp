// The REGISTER on the wire and the answers read back: the engine's requests
// serialized and parsed again as a registrar would, and registrar answers
// written as text, parsed and fed to the engine.
#include "protocol/sip/register_message.hpp"

#include <gtest/gtest.h>
#include <strings.h>

#include <array>
#include <string>
#include <vector>

namespace dialtone::protocol::sip {
namespace {

constexpr TimeMs kSecond = 1000;

int counting_source(void* ctx, unsigned char* out, std::size_t len) {
  auto* n = static_cast<unsigned*>(ctx);
  for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((*n)++ * 29 + 3);
  return 0;
}

std::string wire(const SipMessage& m) {
  static std::array<char, limits::kSipMessageMax> buf;
  std::size_t len = 0;
  EXPECT_EQ(m.serialize(buf, len), SipError::kOk);
  return std::string(buf.data(), len);
}

// Every value of header `name` in a serialized message (one per line).
std::vector<std::string> header_lines(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find("\r\n", pos);
    if (end == std::string::npos || end == pos) break;
    std::string line = text.substr(pos, end - pos);
    if (line.size() > name.size() + 1 && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0 &&
        line[name.size()] == ':') {
      std::string v = line.substr(name.size() + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      out.push_back(v);
    }
    pos = end + 2;
  }
  return out;
}

std::string auth_field(const std::string& v, const std::string& name) {
  for (std::string key : {", " + name + "=", "," + name + "=", "Digest " + name + "="}) {
    std::size_t at = v.find(key);
    if (at == std::string::npos) continue;
    std::string rest = v.substr(at + key.size());
    if (!rest.empty() && rest.front() == '"') return rest.substr(1, rest.find('"', 1) - 1);
    return rest.substr(0, rest.find(','));
  }
  return "<absent>";
}

SipAccount account() {
  SipAccount a;
  a.registrar.assign("sip:acme.sip.example.com");
  a.username.assign("desk-101");
  a.password.assign("secret");
  a.display_name.assign("Front desk");
  a.outbound_proxy.assign("sip:127.0.0.1:5060");
  return a;
}

// A registrar's answer to `request` (serialized bytes), written by hand:
// its Via (with received/rport filled in when given), From, To (with a
// tag), Call-ID and CSeq, then `extra` header lines.
std::string answer_text(const std::string& request, int status, const char* phrase, const std::string& extra,
                        const std::string& received = "", int rport = 0) {
  std::string via = header_lines(request, "Via").at(0);
  if (rport) {
    std::size_t at = via.find(";rport");
    via.replace(at, 6, ";rport=" + std::to_string(rport));
  }
  if (!received.empty()) via += ";received=" + received;
  std::string text = "SIP/2.0 " + std::to_string(status) + " " + phrase + "\r\n";
  text += "Via: " + via + "\r\n";
  text += "From: " + header_lines(request, "From").at(0) + "\r\n";
  text += "To: " + header_lines(request, "To").at(0) + ";tag=reg-1\r\n";
  text += "Call-ID: " + header_lines(request, "Call-ID").at(0) + "\r\n";
  text += "CSeq: " + header_lines(request, "CSeq").at(0) + "\r\n";
  text += extra;
  text += "Content-Length: 0\r\n\r\n";
  return text;
}

class RegisterOnTheWire : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(rng_.init("test", counting_source, &seed_)); }

  // Takes the engine's next REGISTER and returns it as sent.
  std::string next_request(Registration& reg) {
    RegisterRequest req;
    EXPECT_TRUE(reg.take_request(req));
    SipMessage m;
    EXPECT_EQ(build_register(req, m), SipError::kOk);
    return wire(m);
  }
  // Parses a registrar's answer and hands it to the engine.
  bool deliver(Registration& reg, const std::string& text) {
    SipMessage m;
    EXPECT_EQ(m.parse(text), SipError::kOk) << text;
    EXPECT_EQ(read_register_response(m, response_), SipError::kOk);
    return reg.on_response(now_, response_);
  }

  unsigned seed_ = 7;
  Csprng rng_;
  TimeMs now_ = 5000 * kSecond;
  RegisterResponse response_;
};

TEST_F(RegisterOnTheWire, TheRegisterARegistrarReceives) {
  Registration reg(account(), rng_);
  reg.set_local_address("10.0.0.5", 5060);
  reg.start(now_);
  std::string text = next_request(reg);

  SipMessage m;
  ASSERT_EQ(m.parse(text), SipError::kOk) << text;
  EXPECT_EQ(m.method(), "REGISTER");
  EXPECT_EQ(m.request_uri()->view(), "sip:acme.sip.example.com");
  EXPECT_EQ(m.from()->uri.view(), "sip:desk-101@acme.sip.example.com");
  EXPECT_EQ(m.from()->display.view(), "Front desk");
  EXPECT_FALSE(m.from()->tag.empty());
  EXPECT_EQ(m.to()->uri.view(), "sip:desk-101@acme.sip.example.com");
  EXPECT_TRUE(m.to()->tag.empty());
  EXPECT_EQ(m.call_id()->view(), reg.call_id());
  EXPECT_EQ(m.cseq()->number, 1u);
  EXPECT_EQ(m.cseq()->method, "REGISTER");
  auto via = m.top_via();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->transport, "UDP");
  EXPECT_EQ(via->host, "10.0.0.5");
  EXPECT_EQ(via->port, 5060);
  EXPECT_TRUE(via->rport);
  EXPECT_EQ(via->branch.substr(0, 7), "z9hG4bK");
  ASSERT_EQ(m.route_count(), 1u);
  EXPECT_EQ(m.route(0)->view(), "<sip:127.0.0.1:5060;lr>");
  ASSERT_EQ(m.contact_count(), 1u);
  EXPECT_EQ(m.contact(0)->uri.view(), "sip:desk-101@10.0.0.5:5060");
  EXPECT_EQ(m.expires(), 600u);
  EXPECT_TRUE(header_lines(text, "Authorization").empty());
  EXPECT_EQ(text.find("secret"), std::string::npos);
}

TEST_F(RegisterOnTheWire, ChallengeAnsweredOnTheWireThenBoundAtTheNatAddress) {
  Registration reg(account(), rng_);
  reg.set_local_address("10.0.0.5", 5060);
  reg.start(now_);
  std::string first = next_request(reg);

  // Kamailio's shape of challenge: SHA-256 offered first, MD5 second; the
  // Via tells where the NAT put us.
  std::string challenge =
      "WWW-Authenticate: Digest realm=\"acme.sip.example.com\", nonce=\"Zp7kGmaexDvtZ9Jh1vAtxC2tN3R0Ne7l\", "
      "qop=\"auth\", algorithm=SHA-256, opaque=\"op-1\"\r\n"
      "WWW-Authenticate: Digest realm=\"acme.sip.example.com\", nonce=\"Zp7kGmaexDvtZ9Jh1vAtxC2tN3R0Ne7l\", "
      "qop=\"auth\", algorithm=MD5\r\n";
  ASSERT_TRUE(deliver(reg, answer_text(first, 401, "Unauthorized", challenge, "203.0.113.7", 40000)));
  ASSERT_EQ(response_.www_authenticate.size(), 2u);
  EXPECT_EQ(response_.via_received, "203.0.113.7");
  EXPECT_EQ(response_.via_rport, 40000);

  std::string second = next_request(reg);
  SipMessage m;
  ASSERT_EQ(m.parse(second), SipError::kOk);
  EXPECT_EQ(m.cseq()->number, 2u);
  EXPECT_EQ(m.contact(0)->uri.view(), "sip:desk-101@203.0.113.7:40000");
  EXPECT_EQ(m.top_via()->host, "10.0.0.5");
  auto auth = header_lines(second, "Authorization");
  ASSERT_EQ(auth.size(), 1u) << second;
  const std::string& a = auth[0];
  EXPECT_EQ(auth_field(a, "username"), "desk-101");
  EXPECT_EQ(auth_field(a, "realm"), "acme.sip.example.com");
  EXPECT_EQ(auth_field(a, "nonce"), "Zp7kGmaexDvtZ9Jh1vAtxC2tN3R0Ne7l");
  EXPECT_EQ(auth_field(a, "uri"), "sip:acme.sip.example.com");
  EXPECT_EQ(auth_field(a, "algorithm"), "SHA-256");
  EXPECT_EQ(auth_field(a, "qop"), "auth");
  EXPECT_EQ(auth_field(a, "nc"), "00000001");
  EXPECT_EQ(auth_field(a, "opaque"), "op-1");
  // The registrar's check, from what it received.
  DigestChallenge c;
  ASSERT_EQ(parse_digest_challenge("Digest realm=\"acme.sip.example.com\", nonce=\"Zp7kGmaexDvtZ9Jh1vAtxC2tN3R0Ne7l\", "
                                   "qop=\"auth\", algorithm=SHA-256",
                                   c),
            DigestError::kOk);
  std::string uri = auth_field(a, "uri"), cnonce = auth_field(a, "cnonce");
  DigestRequest r{"desk-101", "secret", "REGISTER", uri, cnonce, 1};
  EXPECT_EQ(auth_field(a, "response"), digest_response(c, r).view()) << a;

  std::string ok = "Contact: <sip:desk-101@198.51.100.20:5060>;expires=45, <sip:desk-101@203.0.113.7:40000>;expires=300\r\n"
                   "Expires: 600\r\n";
  ASSERT_TRUE(deliver(reg, answer_text(second, 200, "OK", ok, "203.0.113.7", 40000)));
  EXPECT_EQ(reg.state(), RegistrationState::kRegistered);
  EXPECT_EQ(reg.granted_expires_s(), 300u);
  EXPECT_EQ(reg.refresh_at(), now_ + 240 * kSecond);
  RegisterRequest none;
  EXPECT_FALSE(reg.take_request(none));
}

TEST_F(RegisterOnTheWire, CorrectedContactReplacesTheOldOneInOneRequest) {
  Registration reg(account(), rng_);
  reg.set_local_address("10.0.0.5", 5060);
  reg.start(now_);
  std::string first = next_request(reg);
  ASSERT_TRUE(deliver(reg, answer_text(first, 200, "OK", "Contact: <sip:desk-101@10.0.0.5:5060>;expires=600\r\n",
                                       "203.0.113.7", 40000)));
  std::string second = next_request(reg);
  SipMessage m;
  ASSERT_EQ(m.parse(second), SipError::kOk);
  ASSERT_EQ(m.contact_count(), 2u) << second;
  EXPECT_EQ(m.contact(0)->uri.view(), "sip:desk-101@203.0.113.7:40000");
  EXPECT_FALSE(m.contact(0)->expires);
  EXPECT_EQ(m.contact(1)->uri.view(), "sip:desk-101@10.0.0.5:5060");
  EXPECT_EQ(m.contact(1)->expires, 0u);
  EXPECT_EQ(m.expires(), 600u);
}

TEST_F(RegisterOnTheWire, IntervalTooBriefAndRetryAfterAreRead) {
  Registration reg(account(), rng_);
  reg.set_local_address("10.0.0.5", 5060);
  reg.start(now_);
  std::string first = next_request(reg);
  ASSERT_TRUE(deliver(reg, answer_text(first, 423, "Interval Too Brief", "Min-Expires: 1800\r\n")));
  EXPECT_EQ(response_.min_expires, 1800u);
  std::string second = next_request(reg);
  SipMessage m;
  ASSERT_EQ(m.parse(second), SipError::kOk);
  EXPECT_EQ(m.expires(), 1800u);

  ASSERT_TRUE(deliver(reg, answer_text(second, 503, "Service Unavailable", "Retry-After: 120 (maintenance)\r\n")));
  EXPECT_EQ(response_.retry_after, 120u);
  EXPECT_EQ(reg.state(), RegistrationState::kOffline);
  EXPECT_EQ(reg.reason(), "registrar unavailable (503)");
  EXPECT_EQ(reg.retry_at(), now_ + 120 * kSecond);
}

TEST_F(RegisterOnTheWire, ProxyChallengeAndRefusal) {
  Registration reg(account(), rng_);
  reg.set_local_address("10.0.0.5", 5060);
  reg.start(now_);
  std::string first = next_request(reg);
  ASSERT_TRUE(deliver(reg, answer_text(first, 407, "Proxy Authentication Required",
                                       "Proxy-Authenticate: Digest realm=\"proxy\", nonce=\"p1\"\r\n")));
  std::string second = next_request(reg);
  auto auth = header_lines(second, "Proxy-Authorization");
  ASSERT_EQ(auth.size(), 1u) << second;
  EXPECT_EQ(auth_field(auth[0], "realm"), "proxy");
  EXPECT_EQ(auth_field(auth[0], "qop"), "<absent>");
  ASSERT_TRUE(deliver(reg, answer_text(second, 403, "Forbidden", "")));
  EXPECT_EQ(reg.reason(), "registrar refused the credentials (403)");
}

TEST_F(RegisterOnTheWire, AnswersThatAreNotOursAreIgnored) {
  Registration reg(account(), rng_);
  reg.set_local_address("10.0.0.5", 5060);
  reg.start(now_);
  std::string first = next_request(reg);
  std::string other = answer_text(first, 403, "Forbidden", "");
  std::size_t at = other.find("Call-ID: ");
  other.insert(at + 9, "x");
  EXPECT_FALSE(deliver(reg, other));
  EXPECT_EQ(reg.state(), RegistrationState::kRegistering);

  SipMessage request;
  ASSERT_EQ(request.parse(first), SipError::kOk);
  EXPECT_EQ(read_register_response(request, response_), SipError::kMissingHeader);
}

}  // namespace
}  // namespace dialtone::protocol::sip
