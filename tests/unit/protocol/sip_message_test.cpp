// SipMessage: parsing real-shaped messages (the flows of RFC 3665, the
// torture cases of RFC 4475, written here), refusing what must be refused,
// serializing back, and the builders the engines use.
#include "protocol/sip/sip_message.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "protocol/sip/sip_pool.hpp"

namespace dialtone::protocol::sip {
namespace {

// RFC 3665 3.1 style: Alice calls Bob through a proxy, SDP offer.
constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport\r\n"
    "Max-Forwards: 70\r\n"
    "Route: <sip:ss1.atlanta.example.com;lr>\r\n"
    "From: \"Alice \\\"A\\\" Liddell\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@client.atlanta.example.com;transport=udp>\r\n"
    "P-Asserted-Identity: \"Alice Liddell\" <sip:+15551230001@atlanta.example.com;user=phone>\r\n"
    "Supported: replaces, timer\r\n"
    "Session-Expires: 1800;refresher=uac\r\n"
    "User-Agent: Softphone/1.0\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 151\r\n"
    "\r\n"
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "m=audio 49172 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n";

// A 401 to REGISTER with two challenges (RFC 8760 style: SHA-256 first).
constexpr std::string_view k401 =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds7;received=198.51.100.7;rport=40211\r\n"
    "From: <sip:desk-101@acme.example.com>;tag=a73kszlfl\r\n"
    "To: <sip:desk-101@acme.example.com>;tag=1410948204\r\n"
    "Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.4\r\n"
    "CSeq: 1 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"acme.example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", "
    "opaque=\"\", algorithm=SHA-256, qop=\"auth\", stale=TRUE\r\n"
    "WWW-Authenticate: Digest realm=\"acme.example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", "
    "algorithm=MD5, qop=\"auth\"\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

// A 200 to REGISTER listing other bindings beside ours.
constexpr std::string_view kRegister200 =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/TCP 192.0.2.4:50123;branch=z9hG4bKnashds8;received=198.51.100.7\r\n"
    "From: <sip:desk-101@acme.example.com>;tag=a73kszlfl\r\n"
    "To: <sip:desk-101@acme.example.com>;tag=1410948204\r\n"
    "Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.4\r\n"
    "CSeq: 2 REGISTER\r\n"
    "Contact: <sip:desk-101@203.0.113.9:5060>;expires=120, <sip:desk-101@198.51.100.7:40211;transport=tcp>;expires=480\r\n"
    "Expires: 3600\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

constexpr std::string_view k423 =
    "SIP/2.0 423 Interval Too Brief\r\n"
    "v: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds9\r\n"
    "f: <sip:desk-101@acme.example.com>;tag=a73kszlfl\r\n"
    "t: <sip:desk-101@acme.example.com>;tag=99\r\n"
    "i: 1j9FpLxk3uxtm8tn@192.0.2.4\r\n"
    "CSeq: 3 REGISTER\r\n"
    "Min-Expires: 1800\r\n"
    "l: 0\r\n"
    "\r\n";

// A 200 to the INVITE through two record-routing proxies (RFC 3665 3.2).
constexpr std::string_view kInvite200 =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101\r\n"
    "Record-Route: <sip:ss2.biloxi.example.com;lr>, <sip:ss1.atlanta.example.com;lr>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=314159\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:bob@client.biloxi.example.com>\r\n"
    "Require: timer\r\n"
    "x: 900;refresher=uas\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

class SipMessageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sip_pool_install();
    sip_pool_set_budget(0);
    used_ = sip_pool_stats().used;
  }
  void TearDown() override {
    sip_pool_set_budget(0);
    // Every message of the test is gone: the pool is as it was.
    EXPECT_EQ(sip_pool_stats().used, used_);
  }
  std::size_t used_ = 0;
};

std::string serialize(const SipMessage& m) {
  static std::array<char, limits::kSipMessageMax> buf;
  std::size_t len = 0;
  SipError e = m.serialize(buf, len);
  EXPECT_EQ(e, SipError::kOk) << to_string(e);
  return std::string(buf.data(), len);
}

TEST_F(SipMessageTest, ParsesAnInviteWithSdp) {
  SipMessage m;
  ASSERT_EQ(m.parse(kInvite), SipError::kOk);
  EXPECT_TRUE(m.is_request());
  EXPECT_FALSE(m.is_response());
  EXPECT_EQ(m.method(), "INVITE");
  EXPECT_EQ(m.status(), 0);
  EXPECT_EQ(m.request_uri()->view(), "sip:bob@biloxi.example.com");
  EXPECT_EQ(m.call_id()->view(), "3848276298220188511@atlanta.example.com");
  EXPECT_EQ(m.cseq()->number, 1u);
  EXPECT_EQ(m.cseq()->method, "INVITE");

  auto from = m.from();
  ASSERT_TRUE(from);
  EXPECT_EQ(from->display.view(), "Alice \"A\" Liddell");
  EXPECT_EQ(from->uri.view(), "sip:alice@atlanta.example.com");
  EXPECT_EQ(from->user.view(), "alice");
  EXPECT_EQ(from->tag.view(), "9fxced76sl");
  auto to = m.to();
  ASSERT_TRUE(to);
  EXPECT_EQ(to->display.view(), "Bob");
  EXPECT_TRUE(to->tag.empty());

  auto via = m.top_via();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->transport, "UDP");
  EXPECT_EQ(via->host, "client.atlanta.example.com");
  EXPECT_EQ(via->port, 5060);
  EXPECT_EQ(via->branch, "z9hG4bK74bf9");
  EXPECT_TRUE(via->rport);
  EXPECT_EQ(via->rport_value, 0);
  EXPECT_TRUE(via->received.empty());

  ASSERT_EQ(m.contact_count(), 1u);
  EXPECT_EQ(m.contact()->uri.view(), "sip:alice@client.atlanta.example.com;transport=udp");
  EXPECT_FALSE(m.contact()->expires);
  ASSERT_EQ(m.route_count(), 1u);
  EXPECT_EQ(m.route(0)->view(), "<sip:ss1.atlanta.example.com;lr>");

  auto pai = m.p_asserted_identity();
  ASSERT_TRUE(pai);
  EXPECT_EQ(pai->display.view(), "Alice Liddell");
  EXPECT_EQ(pai->user.view(), "+15551230001");
  EXPECT_TRUE(m.supports_option("timer"));
  EXPECT_TRUE(m.supports_option("REPLACES"));
  EXPECT_FALSE(m.supports_option("100rel"));
  EXPECT_FALSE(m.requires_option("timer"));
  EXPECT_EQ(m.session_expires()->seconds, 1800u);
  EXPECT_EQ(m.session_expires()->refresher, "uac");
  EXPECT_EQ(m.header("user-agent"), "Softphone/1.0");
  EXPECT_EQ(m.header("Max-Forwards"), "70");
  EXPECT_FALSE(m.header("Expires"));

  EXPECT_EQ(m.content_type().view(), "application/sdp");
  EXPECT_EQ(m.body().size(), 151u);
  EXPECT_EQ(m.body().substr(0, 5), "v=0\r\n");
  EXPECT_NE(m.body().find("a=rtpmap:0 PCMU/8000\r\n"), std::string_view::npos);
}

TEST_F(SipMessageTest, ReadsDigestChallengesWithoutQuotes) {
  SipMessage m;
  ASSERT_EQ(m.parse(k401), SipError::kOk);
  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.status(), 401);
  EXPECT_EQ(m.reason(), "Unauthorized");
  EXPECT_EQ(m.method(), "");
  EXPECT_EQ(m.cseq()->method, "REGISTER");
  ASSERT_EQ(m.challenge_count(ChallengeKind::kWww), 2u);
  EXPECT_EQ(m.challenge_count(ChallengeKind::kProxy), 0u);
  auto c = m.challenge(ChallengeKind::kWww, 0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "Digest");
  EXPECT_EQ(c->realm, "acme.example.com");
  EXPECT_EQ(c->nonce, "ea9c8e88df84f1cec4341ae6cbe5a359");
  EXPECT_EQ(c->opaque, "");
  EXPECT_EQ(c->algorithm, "SHA-256");
  EXPECT_EQ(c->qop, "auth");
  EXPECT_TRUE(c->stale);
  auto md5 = m.challenge(ChallengeKind::kWww, 1);
  ASSERT_TRUE(md5);
  EXPECT_EQ(md5->algorithm, "MD5");
  EXPECT_FALSE(md5->stale);
  EXPECT_FALSE(m.challenge(ChallengeKind::kWww, 2));

  auto via = m.top_via();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->received, "198.51.100.7");
  EXPECT_TRUE(via->rport);
  EXPECT_EQ(via->rport_value, 40211);
}

TEST_F(SipMessageTest, ReadsEveryContactOfARegisterResponse) {
  SipMessage m;
  ASSERT_EQ(m.parse(kRegister200), SipError::kOk);
  ASSERT_EQ(m.contact_count(), 2u);
  EXPECT_EQ(m.contact(0)->uri.view(), "sip:desk-101@203.0.113.9:5060");
  EXPECT_EQ(m.contact(0)->expires, 120u);
  EXPECT_EQ(m.contact(1)->uri.view(), "sip:desk-101@198.51.100.7:40211;transport=tcp");
  EXPECT_EQ(m.contact(1)->expires, 480u);
  EXPECT_FALSE(m.contact(2));
  EXPECT_EQ(m.expires(), 3600u);
  EXPECT_EQ(m.top_via()->transport, "TCP");
  EXPECT_FALSE(m.top_via()->rport);
}

TEST_F(SipMessageTest, ReadsCompactFormsAndMinExpires) {
  SipMessage m;
  ASSERT_EQ(m.parse(k423), SipError::kOk);
  EXPECT_EQ(m.status(), 423);
  EXPECT_EQ(m.min_expires(), 1800u);
  EXPECT_EQ(m.call_id()->view(), "1j9FpLxk3uxtm8tn@192.0.2.4");
  EXPECT_EQ(m.from()->tag.view(), "a73kszlfl");
  EXPECT_EQ(m.to()->tag.view(), "99");
  EXPECT_EQ(m.top_via()->port, 0);
  EXPECT_TRUE(m.body().empty());
  EXPECT_TRUE(m.content_type().empty());
}

TEST_F(SipMessageTest, ReadsTheRecordRouteSetAndSessionTimer) {
  SipMessage m;
  ASSERT_EQ(m.parse(kInvite200), SipError::kOk);
  ASSERT_EQ(m.record_route_count(), 2u);
  EXPECT_EQ(m.record_route(0)->view(), "<sip:ss2.biloxi.example.com;lr>");
  EXPECT_EQ(m.record_route(1)->view(), "<sip:ss1.atlanta.example.com;lr>");
  EXPECT_FALSE(m.record_route(2));
  EXPECT_TRUE(m.requires_option("timer"));
  auto se = m.session_expires();
  ASSERT_TRUE(se);
  EXPECT_EQ(se->seconds, 900u);
  EXPECT_EQ(se->refresher, "uas");
  EXPECT_FALSE(m.p_asserted_identity());
}

// RFC 4475 3.1.1.1 in spirit: odd but valid whitespace, case, escapes,
// unknown headers and a tel URI identity.
TEST_F(SipMessageTest, ReadsATortuousValidMessage) {
  constexpr std::string_view kWild =
      "OPTIONS sip:%61lice@atlanta.example.com;user=ip SIP/2.0\r\n"
      "TO :\r\n"
      " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
      "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
      "  ;\r\n"
      "  tag = 98asjd8\r\n"
      "MaX-fOrWaRdS: 0068\r\n"
      "Call-ID: wsinv.ndaksdj@192.0.2.1\r\n"
      "Content-Length   : 0\r\n"
      "cseq: 0009\r\n"
      "  OPTIONS\r\n"
      "Via  : SIP  /   2.0\r\n"
      " /UDP\r\n"
      "    192.0.2.2;rport;branch=390skdjuw\r\n"
      "NewFangledHeader:   newfangled value\r\n"
      " continued newfangled value\r\n"
      "P-Asserted-Identity: <tel:+15551230002;phone-context=+1>\r\n"
      "\r\n";
  SipMessage m;
  ASSERT_EQ(m.parse(kWild), SipError::kOk);
  EXPECT_EQ(m.method(), "OPTIONS");
  EXPECT_EQ(m.request_uri()->view(), "sip:alice@atlanta.example.com;user=ip");
  EXPECT_EQ(m.cseq()->number, 9u);
  EXPECT_EQ(m.cseq()->method, "OPTIONS");
  EXPECT_EQ(m.from()->display.view(), "J Rosenberg \\\"");
  EXPECT_EQ(m.from()->tag.view(), "98asjd8");
  EXPECT_EQ(m.to()->uri.view(), "sip:vivekg@chair-dnrc.example.com");
  EXPECT_EQ(m.top_via()->branch, "390skdjuw");
  EXPECT_EQ(m.top_via()->host, "192.0.2.2");
  ASSERT_TRUE(m.header("newfangledheader"));
  EXPECT_NE(m.header("newfangledheader")->find("continued newfangled value"), std::string_view::npos);
  auto pai = m.p_asserted_identity();
  ASSERT_TRUE(pai);
  EXPECT_EQ(pai->uri.view(), "tel:+15551230002;phone-context=+1");
  EXPECT_EQ(pai->user.view(), "+15551230002");
}

TEST_F(SipMessageTest, RefusesWhatMustBeRefused) {
  SipMessage m;
  EXPECT_EQ(m.parse(""), SipError::kMalformed);
  EXPECT_EQ(m.parse("\r\n\r\n"), SipError::kMalformed);
  EXPECT_EQ(m.parse("hello world\r\n\r\n"), SipError::kMalformed);
  EXPECT_EQ(m.parse("SIP/2.0 99 Odd\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n"), SipError::kMalformed);
  // No CSeq.
  std::string s(kInvite);
  std::string no_cseq = s;
  no_cseq.erase(no_cseq.find("CSeq: 1 INVITE\r\n"), 16);
  EXPECT_EQ(m.parse(no_cseq), SipError::kMissingHeader);
  EXPECT_TRUE(m.empty());
  // CSeq of another method (RFC 4475 3.1.2.1x style).
  std::string mismatch = s;
  mismatch.replace(mismatch.find("CSeq: 1 INVITE"), 14, "CSeq: 1 ACK   ");
  EXPECT_EQ(m.parse(mismatch), SipError::kMissingHeader);
  // CSeq number beyond 32 bits.
  std::string big = s;
  big.replace(big.find("CSeq: 1 INVITE"), 14, "CSeq: 99999999999 INVITE");
  EXPECT_EQ(m.parse(big), SipError::kMalformed);
  // No Via.
  std::string no_via = s;
  no_via.erase(no_via.find("Via: "), no_via.find("Max-Forwards") - no_via.find("Via: "));
  EXPECT_EQ(m.parse(no_via), SipError::kMissingHeader);
  // Content-Length promising more than arrived (RFC 4475 3.1.2.7 style).
  std::string short_body = s;
  short_body.replace(short_body.find("Content-Length: 151"), 19, "Content-Length: 999");
  EXPECT_NE(m.parse(short_body), SipError::kOk);
  EXPECT_TRUE(m.empty());
  // A good message after refusals parses as ever.
  EXPECT_EQ(m.parse(kInvite), SipError::kOk);
}

TEST_F(SipMessageTest, RefusesAMessageLargerThanTheLimitWholly) {
  std::string s(kInvite);
  std::string pad = "X-Pad: " + std::string(limits::kSipMessageMax, 'a') + "\r\n";
  s.insert(s.find("Content-Type"), pad);
  SipMessage m;
  ASSERT_EQ(m.parse(kInvite), SipError::kOk);
  EXPECT_EQ(m.parse(s), SipError::kTooLarge);
  EXPECT_TRUE(m.empty());
  // Exactly at the limit is fine, one byte over is not.
  std::string at(kInvite);
  std::string fill = "X-Pad: \r\n";
  std::size_t room = limits::kSipMessageMax - at.size() - fill.size();
  at.insert(at.find("Content-Type"), "X-Pad: " + std::string(room, 'b') + "\r\n");
  ASSERT_EQ(at.size(), limits::kSipMessageMax);
  EXPECT_EQ(m.parse(at), SipError::kOk);
  at.insert(at.find("Content-Type"), "c");
  EXPECT_EQ(m.parse(at), SipError::kTooLarge);
}

TEST_F(SipMessageTest, PoolExhaustionIsANamedRefusalAtEveryPoint) {
  // Measure what a parse takes, then try again with every smaller budget:
  // each attempt is a clean kPoolExhausted (or, near the top, a success),
  // and leaves the pool as it found it.
  sip_pool_reset_peak();
  std::size_t need = 0;
  {
    SipMessage m;
    ASSERT_EQ(m.parse(kInvite), SipError::kOk);
    need = sip_pool_stats().peak - used_;
  }
  ASSERT_GT(need, 0u);
  std::size_t ok = 0, refused = 0;
  for (std::size_t budget = 0; budget <= need; budget += 16) {
    sip_pool_set_budget(used_ + budget);
    SipMessage m;
    SipError e = m.parse(kInvite);
    if (e == SipError::kOk) {
      ++ok;
      EXPECT_EQ(m.call_id()->view(), "3848276298220188511@atlanta.example.com");
    } else {
      ++refused;
      EXPECT_EQ(e, SipError::kPoolExhausted) << "budget " << budget;
      EXPECT_TRUE(m.empty());
    }
    m.clear();
    sip_pool_set_budget(0);
    EXPECT_EQ(sip_pool_stats().used, used_) << "budget " << budget;
  }
  EXPECT_GT(refused, 10u);
  EXPECT_GE(ok, 1u);
}

TEST_F(SipMessageTest, SerializingTakesNothingFromThePool) {
  // Our writer (not oSIP's, which allocates and does not check its
  // reallocations) writes into the caller's buffer only: with not one byte
  // of pool to spare it still works.
  SipMessage m;
  ASSERT_EQ(m.parse(kInvite), SipError::kOk);
  std::size_t held = sip_pool_stats().used;
  sip_pool_set_budget(held);
  std::string out = serialize(m);
  sip_pool_set_budget(0);
  EXPECT_EQ(sip_pool_stats().used, held);
  EXPECT_NE(out.find("Call-ID: 3848276298220188511@atlanta.example.com\r\n"), std::string::npos);
}

TEST_F(SipMessageTest, WritesWhatItReadHeaderByHeader) {
  SipMessage m;
  ASSERT_EQ(m.parse(kInvite), SipError::kOk);
  std::string out = serialize(m);
  for (std::string_view line :
       {"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n",
        "\r\nVia: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport\r\n",
        "\r\nRoute: <sip:ss1.atlanta.example.com;lr>\r\n",
        "\r\nFrom: \"Alice \\\"A\\\" Liddell\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n",
        "\r\nTo: Bob <sip:bob@biloxi.example.com>\r\n", "\r\nCSeq: 1 INVITE\r\n",
        "\r\nContact: <sip:alice@client.atlanta.example.com;transport=udp>\r\n",
        "\r\nContent-Type: application/sdp\r\n", "\r\nContent-Length: 151\r\n\r\nv=0\r\n"})
    EXPECT_NE(out.find(line), std::string::npos) << line << "\n" << out;
  SipMessage c;
  ASSERT_EQ(c.parse(k401), SipError::kOk);
  out = serialize(c);
  // (oSIP's parser drops an empty opaque="".)
  EXPECT_NE(out.find("\r\nWWW-Authenticate: Digest realm=\"acme.example.com\", "
                     "nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", stale=TRUE, algorithm=SHA-256, "
                     "qop=\"auth\"\r\n"),
            std::string::npos)
      << out;
}

TEST_F(SipMessageTest, RoundTripsThroughSerialize) {
  for (std::string_view text : {kInvite, k401, kRegister200, k423, kInvite200}) {
    SipMessage a;
    ASSERT_EQ(a.parse(text), SipError::kOk);
    std::string out = serialize(a);
    SipMessage b;
    ASSERT_EQ(b.parse(out), SipError::kOk) << out;
    EXPECT_EQ(a.method(), b.method());
    EXPECT_EQ(a.status(), b.status());
    EXPECT_EQ(a.call_id()->view(), b.call_id()->view());
    EXPECT_EQ(a.cseq()->number, b.cseq()->number);
    EXPECT_EQ(a.from()->tag.view(), b.from()->tag.view());
    EXPECT_EQ(a.from()->uri.view(), b.from()->uri.view());
    EXPECT_EQ(a.to()->uri.view(), b.to()->uri.view());
    EXPECT_EQ(a.top_via()->branch, b.top_via()->branch);
    EXPECT_EQ(a.contact_count(), b.contact_count());
    EXPECT_EQ(a.record_route_count(), b.record_route_count());
    EXPECT_EQ(a.challenge_count(ChallengeKind::kWww), b.challenge_count(ChallengeKind::kWww));
    EXPECT_EQ(a.body(), b.body());
    // And a second serialization says the same.
    EXPECT_EQ(serialize(b), out);
  }
}

TEST_F(SipMessageTest, SerializeFailsCleanlyIntoASmallBuffer) {
  SipMessage m;
  ASSERT_EQ(m.parse(kInvite), SipError::kOk);
  std::array<char, 64> small;
  std::size_t len = 99;
  EXPECT_EQ(m.serialize(small, len), SipError::kBufferTooSmall);
  EXPECT_EQ(len, 0u);
  SipMessage empty;
  EXPECT_EQ(empty.serialize(small, len), SipError::kEmpty);
}

class FixedRng {
 public:
  FixedRng() {
    EXPECT_TRUE(rng.init("sip-test", [](void*, unsigned char* out, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(i * 7 + 3);
      return 0;
    }, nullptr));
  }
  Csprng rng;
};

TEST_F(SipMessageTest, MakesBranchesTagsAndCallIds) {
  FixedRng r;
  SipToken b1, b2, t;
  ASSERT_EQ(make_branch(r.rng, b1), SipError::kOk);
  ASSERT_EQ(make_branch(r.rng, b2), SipError::kOk);
  EXPECT_EQ(b1.view().substr(0, 7), "z9hG4bK");
  EXPECT_EQ(b1.size(), 7u + 16u);
  EXPECT_NE(b1.view(), b2.view());
  ASSERT_EQ(make_tag(r.rng, t), SipError::kOk);
  EXPECT_EQ(t.size(), 16u);
  SipCallId id;
  ASSERT_EQ(make_call_id(r.rng, "192.0.2.4", id), SipError::kOk);
  EXPECT_EQ(id.size(), 36u + 1u + 9u);
  EXPECT_EQ(id.view().substr(36), "@192.0.2.4");
  Csprng unseeded;  // a generator that refuses
  EXPECT_EQ(make_tag(unseeded, t), SipError::kRandomFailed);
}

RequestSpec register_spec() {
  RequestSpec s;
  s.method = "REGISTER";
  s.request_uri = "sip:acme.example.com";
  s.from = {"Front desk", "sip:desk-101@acme.example.com", "a73kszlfl"};
  s.to = {"", "sip:desk-101@acme.example.com", ""};
  s.call_id = "1j9FpLxk3uxtm8tn@192.0.2.4";
  s.cseq = 7;
  s.via = {"UDP", "192.0.2.4", 5060, "z9hG4bKnashds7"};
  s.contact = "sip:desk-101@192.0.2.4:5060";
  s.user_agent = "Dialtone/1.0";
  return s;
}

TEST_F(SipMessageTest, BuildsARequest) {
  SipMessage m;
  RequestSpec s = register_spec();
  ASSERT_EQ(m.build_request(s), SipError::kOk);
  ASSERT_EQ(m.add_header("Expires", "600"), SipError::kOk);
  // Credentials go out exactly as the digest code wrote them.
  constexpr std::string_view kAuth =
      "Digest username=\"desk-101\", realm=\"acme.example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", "
      "uri=\"sip:acme.example.com\", response=\"0123456789abcdef0123456789abcdef\", algorithm=SHA-256, "
      "cnonce=\"0a4f113b\", qop=auth, nc=00000001, userhash=false";
  ASSERT_EQ(m.add_header("Authorization", kAuth), SipError::kOk);
  std::string text = serialize(m);
  EXPECT_NE(text.find("\r\nAuthorization: " + std::string(kAuth) + "\r\n"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("REGISTER sip:acme.example.com SIP/2.0\r\n", 0), 0u) << text;
  EXPECT_NE(text.find("Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds7;rport\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("From: \"Front desk\" <sip:desk-101@acme.example.com>;tag=a73kszlfl\r\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("To: <sip:desk-101@acme.example.com>\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("CSeq: 7 REGISTER\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Contact: <sip:desk-101@192.0.2.4:5060>\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Max-Forwards: 70\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("User-Agent: Dialtone/1.0\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Expires: 600\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Content-Length: 0\r\n\r\n"), std::string::npos) << text;

  // What we send, we read back the same.
  SipMessage back;
  ASSERT_EQ(back.parse(text), SipError::kOk);
  EXPECT_EQ(back.method(), "REGISTER");
  EXPECT_EQ(back.from()->display.view(), "Front desk");
  EXPECT_EQ(back.expires(), 600u);
  EXPECT_TRUE(back.top_via()->rport);
  EXPECT_EQ(back.top_via()->branch, "z9hG4bKnashds7");
}

TEST_F(SipMessageTest, BuildsAnInviteWithBodyRoutesAndIpv6Via) {
  SipMessage m;
  RequestSpec s;
  s.method = "INVITE";
  s.request_uri = "sip:+15551230001@acme.example.com";
  s.from = {"Desk \"101\"", "sip:desk-101@acme.example.com", "t1"};
  s.to = {"", "sip:+15551230001@acme.example.com", ""};
  s.call_id = "c1@example";
  s.cseq = 1;
  s.via = {"TCP", "2001:db8::4", 5060, "z9hG4bKabc"};
  std::array<std::string_view, 2> routes{"<sip:127.0.0.1:5060;lr>", "<sip:p2.example.com;lr>"};
  s.routes = routes;
  std::string_view sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.4\r\ns=-\r\nc=IN IP4 192.0.2.4\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
  s.content_type = "application/sdp";
  s.body = sdp;
  ASSERT_EQ(m.build_request(s), SipError::kOk);
  std::string text = serialize(m);
  EXPECT_NE(text.find("Via: SIP/2.0/TCP [2001:db8::4]:5060;branch=z9hG4bKabc;rport\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Route: <sip:127.0.0.1:5060;lr>\r\nRoute: <sip:p2.example.com;lr>\r\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Content-Length: " + std::to_string(sdp.size()) + "\r\n"), std::string::npos) << text;
  EXPECT_EQ(text.substr(text.size() - sdp.size()), sdp);
  SipMessage back;
  ASSERT_EQ(back.parse(text), SipError::kOk);
  EXPECT_EQ(back.from()->display.view(), "Desk \"101\"");
  EXPECT_EQ(back.body(), sdp);
  EXPECT_EQ(back.content_type().view(), "application/sdp");
  EXPECT_EQ(back.top_via()->host, "2001:db8::4");

  // Replacing the body, and removing it.
  ASSERT_EQ(m.set_body("application/sdp", "v=0\r\n"), SipError::kOk);
  EXPECT_NE(serialize(m).find("Content-Length: 5\r\n"), std::string::npos);
  ASSERT_EQ(m.set_body({}, {}), SipError::kOk);
  text = serialize(m);
  EXPECT_NE(text.find("Content-Length: 0\r\n"), std::string::npos);
  EXPECT_EQ(text.find("Content-Type"), std::string::npos);
}

TEST_F(SipMessageTest, BuildersRefuseHeaderInjectionAndNonsense) {
  SipMessage m;
  RequestSpec s = register_spec();
  s.user_agent = "x\r\nEvil: 1";
  EXPECT_EQ(m.build_request(s), SipError::kBadArgument);
  EXPECT_TRUE(m.empty());
  s = register_spec();
  s.method = "REG ISTER";
  EXPECT_EQ(m.build_request(s), SipError::kBadArgument);
  s = register_spec();
  s.request_uri = "not a uri";
  EXPECT_EQ(m.build_request(s), SipError::kBadArgument);
  s = register_spec();
  s.call_id = "";
  EXPECT_EQ(m.build_request(s), SipError::kBadArgument);
  s = register_spec();
  ASSERT_EQ(m.build_request(s), SipError::kOk);
  EXPECT_EQ(m.add_header("Subject", "a\nb"), SipError::kBadArgument);
  EXPECT_EQ(m.add_header("Bad Name", "x"), SipError::kBadArgument);
  EXPECT_EQ(m.add_header("Contact", "<<<"), SipError::kBadArgument);
  EXPECT_EQ(serialize(m).find("Subject"), std::string::npos);
}

TEST_F(SipMessageTest, BuildsAResponseCopyingTheRequest) {
  SipMessage req;
  ASSERT_EQ(req.parse(std::string(kInvite).replace(kInvite.find("Route: "), 0,
                                                   "Record-Route: <sip:p1.example.com;lr>\r\n")),
            SipError::kOk);
  SipMessage trying;
  ASSERT_EQ(trying.build_response(req, 100, "totag1"), SipError::kOk);
  EXPECT_EQ(trying.status(), 100);
  EXPECT_EQ(trying.reason(), "Trying");
  EXPECT_TRUE(trying.to()->tag.empty());          // no tag on 100
  EXPECT_EQ(trying.record_route_count(), 0u);     // nor a route set

  SipMessage ok;
  ASSERT_EQ(ok.build_response(req, 200, "totag1"), SipError::kOk);
  ASSERT_EQ(ok.add_contact("sip:bob@192.0.2.9:5060"), SipError::kOk);
  ASSERT_EQ(ok.set_body("application/sdp", "v=0\r\n"), SipError::kOk);
  std::string text = serialize(ok);
  EXPECT_EQ(text.rfind("SIP/2.0 200 OK\r\n", 0), 0u) << text;
  SipMessage back;
  ASSERT_EQ(back.parse(text), SipError::kOk) << text;
  EXPECT_EQ(back.to()->tag.view(), "totag1");
  EXPECT_EQ(back.from()->tag.view(), "9fxced76sl");
  EXPECT_EQ(back.call_id()->view(), "3848276298220188511@atlanta.example.com");
  EXPECT_EQ(back.cseq()->number, 1u);
  EXPECT_EQ(back.cseq()->method, "INVITE");
  EXPECT_EQ(back.top_via()->branch, "z9hG4bK74bf9");
  EXPECT_TRUE(back.top_via()->rport);
  EXPECT_EQ(back.record_route_count(), 1u);
  EXPECT_EQ(back.contact()->uri.view(), "sip:bob@192.0.2.9:5060");
  EXPECT_EQ(back.body(), "v=0\r\n");

  // A response to a request whose To already has a tag keeps it.
  SipMessage in_dialog;
  ASSERT_EQ(in_dialog.build_response(back.is_request() ? back : req, 486, "other"), SipError::kOk);
  SipMessage bye;
  ASSERT_EQ(bye.parse("BYE sip:alice@client.atlanta.example.com SIP/2.0\r\n"
                      "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKbye1\r\n"
                      "From: <sip:bob@biloxi.example.com>;tag=314159\r\n"
                      "To: <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
                      "Call-ID: x@y\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"),
            SipError::kOk);
  SipMessage bye_ok;
  ASSERT_EQ(bye_ok.build_response(bye, 200, "ignored"), SipError::kOk);
  EXPECT_EQ(bye_ok.to()->tag.view(), "9fxced76sl");
  EXPECT_EQ(bye_ok.reason(), "OK");
  SipMessage custom;
  ASSERT_EQ(custom.build_response(bye, 481, {}, "No Such Call"), SipError::kOk);
  EXPECT_EQ(custom.reason(), "No Such Call");
  EXPECT_EQ(custom.build_response(trying, 200, "t"), SipError::kBadArgument);  // not a request
  EXPECT_EQ(custom.build_response(bye, 700, "t"), SipError::kBadArgument);
}

TEST_F(SipMessageTest, ARequestAnswersItselfInPlace) {
  // build_response may be given the message it replaces.
  SipMessage m;
  ASSERT_EQ(m.parse(kInvite), SipError::kOk);
  ASSERT_EQ(m.build_response(m, 486, "busy1"), SipError::kOk);
  EXPECT_EQ(m.status(), 486);
  EXPECT_EQ(m.reason(), "Busy Here");
  EXPECT_EQ(m.to()->tag.view(), "busy1");
}

TEST_F(SipMessageTest, BuildsCancelAndTheAckOfAFailure) {
  SipMessage inv;
  ASSERT_EQ(inv.parse(kInvite), SipError::kOk);
  SipMessage cancel;
  ASSERT_EQ(cancel.build_cancel(inv), SipError::kOk);
  EXPECT_EQ(cancel.method(), "CANCEL");
  EXPECT_EQ(cancel.request_uri()->view(), "sip:bob@biloxi.example.com");
  EXPECT_EQ(cancel.cseq()->number, 1u);
  EXPECT_EQ(cancel.cseq()->method, "CANCEL");
  EXPECT_EQ(cancel.via_count(), 1u);
  EXPECT_EQ(cancel.top_via()->branch, "z9hG4bK74bf9");
  EXPECT_EQ(cancel.route_count(), 1u);
  EXPECT_TRUE(cancel.body().empty());
  EXPECT_TRUE(cancel.to()->tag.empty());
  SipMessage back;
  ASSERT_EQ(back.parse(serialize(cancel)), SipError::kOk);  // a valid request
  EXPECT_EQ(back.header("Max-Forwards"), "70");

  SipMessage busy;
  ASSERT_EQ(busy.build_response(inv, 486, "bobtag"), SipError::kOk);
  SipMessage ack;
  ASSERT_EQ(ack.build_ack_for_failure(inv, busy), SipError::kOk);
  EXPECT_EQ(ack.method(), "ACK");
  EXPECT_EQ(ack.cseq()->number, 1u);
  EXPECT_EQ(ack.cseq()->method, "ACK");
  EXPECT_EQ(ack.to()->tag.view(), "bobtag");
  EXPECT_EQ(ack.top_via()->branch, "z9hG4bK74bf9");
  EXPECT_EQ(ack.build_cancel(busy), SipError::kBadArgument);
  SipMessage none;
  EXPECT_EQ(ack.build_cancel(none), SipError::kEmpty);
}

TEST_F(SipMessageTest, BuildsInDialogRequestsLooseAndStrict) {
  std::array<std::string_view, 2> loose{"<sip:ss1.atlanta.example.com;lr>", "<sip:ss2.biloxi.example.com;lr>"};
  DialogSpec d;
  d.call_id = "3848276298220188511@atlanta.example.com";
  d.local = {"", "sip:alice@atlanta.example.com", "9fxced76sl"};
  d.remote = {"", "sip:bob@biloxi.example.com", "314159"};
  d.remote_target = "sip:bob@client.biloxi.example.com";
  d.route_set = loose;
  ViaSpec via{"UDP", "client.atlanta.example.com", 5060, "z9hG4bKack1"};
  SipMessage ack;
  ASSERT_EQ(ack.build_in_dialog(d, "ACK", 1, via), SipError::kOk);
  EXPECT_EQ(ack.request_uri()->view(), "sip:bob@client.biloxi.example.com");
  ASSERT_EQ(ack.route_count(), 2u);
  EXPECT_EQ(ack.route(0)->view(), "<sip:ss1.atlanta.example.com;lr>");
  EXPECT_EQ(ack.to()->tag.view(), "314159");
  EXPECT_EQ(ack.from()->tag.view(), "9fxced76sl");
  EXPECT_EQ(ack.cseq()->method, "ACK");
  EXPECT_EQ(ack.contact_count(), 0u);

  // A strict router first: it becomes the Request-URI, the target goes last.
  std::array<std::string_view, 2> strict{"<sip:strict.example.com>", "<sip:ss2.biloxi.example.com;lr>"};
  d.route_set = strict;
  SipMessage bye;
  ASSERT_EQ(bye.build_in_dialog(d, "BYE", 2, via, "sip:alice@192.0.2.101"), SipError::kOk);
  EXPECT_EQ(bye.request_uri()->view(), "sip:strict.example.com");
  ASSERT_EQ(bye.route_count(), 2u);
  EXPECT_EQ(bye.route(0)->view(), "<sip:ss2.biloxi.example.com;lr>");
  EXPECT_EQ(bye.route(1)->view(), "<sip:bob@client.biloxi.example.com>");
  EXPECT_EQ(bye.contact()->uri.view(), "sip:alice@192.0.2.101");
}

TEST_F(SipMessageTest, TellsWhetherAllowListsAMethod) {
  SipMessage m;
  ASSERT_EQ(m.parse(kInvite), SipError::kOk);
  EXPECT_FALSE(m.allows("UPDATE"));  // no Allow: nothing known
  std::string with_allow(kInvite);
  with_allow.insert(with_allow.find("Supported"), "Allow: INVITE, ACK, BYE,UPDATE\r\n");
  ASSERT_EQ(m.parse(with_allow), SipError::kOk);
  EXPECT_EQ(m.allows("UPDATE"), true);
  EXPECT_EQ(m.allows("INFO"), false);
  SipMessage built;
  ASSERT_EQ(built.build_request(register_spec()), SipError::kOk);
  EXPECT_FALSE(built.allows("INVITE"));
  ASSERT_EQ(built.add_header("Allow", "INVITE, ACK, CANCEL, BYE"), SipError::kOk);
  EXPECT_EQ(built.allows("CANCEL"), true);
  EXPECT_EQ(built.allows("UPDATE"), false);
}

TEST_F(SipMessageTest, CopiesMovesAndRemovesHeaders) {
  SipMessage a;
  ASSERT_EQ(a.parse(kInvite), SipError::kOk);
  SipMessage b;
  ASSERT_EQ(b.copy_from(a), SipError::kOk);
  a.clear();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(b.call_id()->view(), "3848276298220188511@atlanta.example.com");
  SipMessage c(std::move(b));
  EXPECT_TRUE(b.empty());  // NOLINT: moved-from is empty by contract
  EXPECT_EQ(c.method(), "INVITE");
  EXPECT_EQ(c.remove_header("User-Agent"), 1u);
  EXPECT_FALSE(c.header("User-Agent"));
  EXPECT_EQ(serialize(c).find("Softphone"), std::string::npos);
  SipMessage d;
  d = std::move(c);
  EXPECT_EQ(d.cseq()->number, 1u);
}

TEST_F(SipMessageTest, ParsingATypicalInviteTakesAFewKilobytesOfPool) {
  sip_pool_reset_peak();
  SipMessage m;
  ASSERT_EQ(m.parse(kInvite), SipError::kOk);
  SipPoolStats s = sip_pool_stats();
  std::size_t peak = s.peak - used_;
  std::size_t held = s.used - used_;
  std::array<char, limits::kSipMessageMax> buf;
  std::size_t len = 0;
  sip_pool_reset_peak();
  ASSERT_EQ(m.serialize(buf, len), SipError::kOk);
  std::size_t ser_peak = sip_pool_stats().peak - used_;
  std::printf("INVITE of %zu bytes: parse peak %zu, held %zu, serialize peak %zu (pool %zu)\n", kInvite.size(),
              peak, held, ser_peak, limits::kSipPoolBytes);
  EXPECT_LT(peak, limits::kSipPoolBytes / 4);
  EXPECT_EQ(sip_pool_stats().used - used_, held);  // serializing leaves nothing behind
}

// The most a message of kSipMessageMax can ask of the pool: hundreds of
// tiny headers, each a structure of its own in oSIP (some 130 bytes of pool
// per "X: y" line, 300 per route). Such a message either fits or is refused
// by name; either way the pool is whole afterwards.
TEST_F(SipMessageTest, AMessageOfTinyHeadersFitsOrIsRefusedByName) {
  for (std::string_view line : {"Route: <sip:a;lr>\r\n", "v: SIP/2.0/UDP a\r\n", "X: y\r\n"}) {
    std::string s(kInvite.substr(0, kInvite.find("Content-Type")));
    while (s.size() + line.size() + 4 <= limits::kSipMessageMax) s += line;
    s += "\r\n";
    sip_pool_reset_peak();
    SipMessage m;
    SipError e = m.parse(s);
    std::printf("%zu bytes of \"%.*s\": %s, pool peak %zu\n", s.size(), static_cast<int>(line.size() - 2),
                line.data(), to_string(e), sip_pool_stats().peak - used_);
    EXPECT_TRUE(e == SipError::kOk || e == SipError::kPoolExhausted) << to_string(e);
    m.clear();
    EXPECT_EQ(sip_pool_stats().used, used_);
  }
  // A large body: parses, and serializes back whole.
  std::string big(kInvite.substr(0, kInvite.find("Content-Type")));
  std::string sdp = "v=0\r\n";
  while (big.size() + sdp.size() + 100 < limits::kSipMessageMax) sdp += "a=x-filler:0123456789abcdef\r\n";
  big += "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
  ASSERT_LE(big.size(), limits::kSipMessageMax);
  sip_pool_reset_peak();
  SipMessage m;
  ASSERT_EQ(m.parse(big), SipError::kOk);
  std::size_t parse_peak = sip_pool_stats().peak - used_;
  sip_pool_reset_peak();
  std::string out = serialize(m);
  std::size_t ser_peak = sip_pool_stats().peak - used_;
  SipMessage back;
  ASSERT_EQ(back.parse(out), SipError::kOk);
  EXPECT_EQ(back.body(), sdp);
  std::printf("%zu bytes with a %zu-byte body: parse peak %zu, serialize peak %zu\n", big.size(), sdp.size(),
              parse_peak, ser_peak);
}

}  // namespace
}  // namespace dialtone::protocol::sip
