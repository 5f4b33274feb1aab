// Digest challenges and answers: the worked examples of RFC 2617 section 3.5
// and RFC 7616 section 3.9.1, and values computed independently (Python's
// hashlib) for the variants those RFCs give no example of.
#include <gtest/gtest.h>

#include <string>

#include "protocol/sip/digest.hpp"

using namespace dialtone;
using namespace dialtone::protocol::sip;

namespace {

DigestChallenge parse_ok(std::string_view v) {
  DigestChallenge c;
  EXPECT_EQ(parse_digest_challenge(v, c), DigestError::kOk) << v;
  return c;
}

DigestError parse_err(std::string_view v) {
  DigestChallenge c;
  return parse_digest_challenge(v, c);
}

int fixed_source(void* ctx, unsigned char* out, std::size_t len) {
  auto* n = static_cast<unsigned char*>(ctx);
  for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((*n)++);
  return 0;
}

// The value of `name="..."` or `name=token` in an Authorization value.
std::string field(std::string_view v, std::string_view name) {
  std::string key = std::string(", ") + std::string(name) + "=";
  std::size_t at = std::string(v).find(key);
  if (at == std::string::npos) {
    key = std::string("Digest ") + std::string(name) + "=";
    at = std::string(v).find(key);
    if (at != 0) return "<absent>";
  }
  std::string_view rest = v.substr(at + key.size());
  if (!rest.empty() && rest.front() == '"') return std::string(rest.substr(1, rest.find('"', 1) - 1));
  return std::string(rest.substr(0, rest.find(',')));
}

constexpr std::string_view kRfc7616Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
constexpr std::string_view kRfc7616Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
constexpr std::string_view kRfc7616Cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

}  // namespace

TEST(DigestChallenge, Rfc2617Example) {
  DigestChallenge c = parse_ok(
      "Digest\r\n realm=\"testrealm@host.com\",\r\n qop=\"auth,auth-int\",\r\n"
      " nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  // Folded lines are unfolded by the message layer; the same value on one line:
  c = parse_ok(
      "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  EXPECT_EQ(c.realm.view(), "testrealm@host.com");
  EXPECT_EQ(c.nonce.view(), "dcd98b7102dd2f0e8b11d0f600bfb0c093");
  EXPECT_TRUE(c.has_opaque);
  EXPECT_EQ(c.opaque.view(), "5ccc069c403ebaf9f0171e9517f40e41");
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kMd5);
  EXPECT_FALSE(c.algorithm_named);
  EXPECT_TRUE(c.qop_auth);
  EXPECT_FALSE(c.stale);

  DigestRequest r{"Mufasa", "Circle Of Life", "GET", "/dir/index.html", "0a4f113b", 1};
  EXPECT_EQ(digest_response(c, r).view(), "6629fae49393a05397450978507c4ef1");
  DigestValue v;
  ASSERT_EQ(build_digest_authorization(c, r, v), DigestError::kOk);
  EXPECT_EQ(v.view(),
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
            "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
            "response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", qop=auth, nc=00000001, "
            "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
}

TEST(DigestChallenge, Rfc7616Sha256Example) {
  std::string value = std::string("Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", ") +
                      "algorithm=SHA-256, nonce=\"" + std::string(kRfc7616Nonce) + "\", opaque=\"" +
                      std::string(kRfc7616Opaque) + "\"";
  DigestChallenge c = parse_ok(value);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kSha256);
  EXPECT_TRUE(c.algorithm_named);
  EXPECT_TRUE(c.qop_auth);
  DigestRequest r{"Mufasa", "Circle of Life", "GET", "/dir/index.html", kRfc7616Cnonce, 1};
  EXPECT_EQ(digest_response(c, r).view(), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  DigestValue v;
  ASSERT_EQ(build_digest_authorization(c, r, v), DigestError::kOk);
  EXPECT_EQ(field(v, "username"), "Mufasa");
  EXPECT_EQ(field(v, "realm"), "http-auth@example.org");
  EXPECT_EQ(field(v, "uri"), "/dir/index.html");
  EXPECT_EQ(field(v, "algorithm"), "SHA-256");
  EXPECT_EQ(field(v, "nonce"), kRfc7616Nonce);
  EXPECT_EQ(field(v, "nc"), "00000001");
  EXPECT_EQ(field(v, "cnonce"), kRfc7616Cnonce);
  EXPECT_EQ(field(v, "qop"), "auth");
  EXPECT_EQ(field(v, "response"), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  EXPECT_EQ(field(v, "opaque"), kRfc7616Opaque);
}

TEST(DigestChallenge, Rfc7616Md5Example) {
  std::string value = std::string("Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", ") +
                      "algorithm=MD5, nonce=\"" + std::string(kRfc7616Nonce) + "\", opaque=\"" +
                      std::string(kRfc7616Opaque) + "\"";
  DigestChallenge c = parse_ok(value);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kMd5);
  DigestRequest r{"Mufasa", "Circle of Life", "GET", "/dir/index.html", kRfc7616Cnonce, 1};
  EXPECT_EQ(digest_response(c, r).view(), "8ca523f5e9506fed4657c9700eebdbec");
  DigestValue v;
  ASSERT_EQ(build_digest_authorization(c, r, v), DigestError::kOk);
  EXPECT_EQ(field(v, "algorithm"), "MD5");
}

TEST(DigestChallenge, WithoutQopAnswersTheRfc2069Way) {
  DigestChallenge c = parse_ok("Digest realm=\"acme.sip.example.com\", nonce=\"abc123\"");
  EXPECT_FALSE(c.qop_auth);
  DigestRequest r{"desk-101", "secret", "REGISTER", "sip:acme.sip.example.com", "ignored", 7};
  EXPECT_EQ(digest_response(c, r).view(), "eb90610fa910dcb8b5629523c13e3303");
  DigestValue v;
  ASSERT_EQ(build_digest_authorization(c, r, v), DigestError::kOk);
  EXPECT_EQ(field(v, "cnonce"), "<absent>");
  EXPECT_EQ(field(v, "nc"), "<absent>");
  EXPECT_EQ(field(v, "qop"), "<absent>");
  EXPECT_EQ(field(v, "algorithm"), "<absent>");
  EXPECT_EQ(field(v, "opaque"), "<absent>");
}

TEST(DigestChallenge, SessAlgorithmsAndUserhash) {
  DigestRequest r{"desk-101", "secret", "REGISTER", "sip:acme.sip.example.com", "0123456789abcdef0123456789abcdef",
                  2};
  DigestChallenge c = parse_ok("Digest realm=\"acme.sip.example.com\", nonce=\"5f2a9c\", qop=auth, algorithm=SHA-256-sess");
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kSha256Sess);
  EXPECT_EQ(digest_response(c, r).view(), "cb8d1052d8e980fa07cd8cd0a055af75611856a83ceb777259b8d1d8c5b329cf");
  c = parse_ok("Digest realm=\"acme.sip.example.com\", nonce=\"5f2a9c\", qop=\"auth\", algorithm=\"md5-SESS\"");
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kMd5Sess);
  EXPECT_EQ(digest_response(c, r).view(), "a8b437f57593797dfdb3de0b9f6dbe85");

  c = parse_ok("Digest realm=\"acme.sip.example.com\", nonce=\"5f2a9c\", qop=auth, algorithm=SHA-256, userhash=true");
  EXPECT_TRUE(c.userhash);
  DigestValue v;
  ASSERT_EQ(build_digest_authorization(c, r, v), DigestError::kOk);
  EXPECT_EQ(field(v, "username"), "79275a23fdfef9536c64bba37e1267c742376ac38a7f08ec0f2236a9185300f2");
  EXPECT_EQ(field(v, "userhash"), "true");
}

TEST(DigestChallenge, StaleAndOtherSpellings) {
  EXPECT_TRUE(parse_ok("Digest realm=\"r\", nonce=\"n\", stale=TRUE").stale);
  EXPECT_TRUE(parse_ok("digest nonce=\"n\",stale=\"true\" ,realm=r").stale);
  EXPECT_FALSE(parse_ok("Digest realm=\"r\", nonce=\"n\", stale=false").stale);
  EXPECT_FALSE(parse_ok("Digest realm=\"r\", nonce=\"n\", stale=yes").stale);
  // Unknown parameters and empty list elements are skipped.
  DigestChallenge c = parse_ok("Digest  realm=\"r\" , , domain=\"sip:a sip:b\", charset=UTF-8,nonce=n");
  EXPECT_EQ(c.nonce.view(), "n");
  // Escapes inside quoted strings are undone, and put back when answering.
  c = parse_ok("Digest realm=\"a \\\"quoted\\\" realm\\\\\", nonce=\"x\\yz\"");
  EXPECT_EQ(c.realm.view(), "a \"quoted\" realm\\");
  EXPECT_EQ(c.nonce.view(), "xyz");
  DigestValue v;
  ASSERT_EQ(build_digest_authorization(c, {"o\"brien", "pw", "REGISTER", "sip:r", "", 1}, v), DigestError::kOk);
  EXPECT_NE(v.view().find("username=\"o\\\"brien\""), std::string_view::npos) << v.view();
  EXPECT_NE(v.view().find("realm=\"a \\\"quoted\\\" realm\\\\\""), std::string_view::npos) << v.view();
  // An empty realm is a realm.
  EXPECT_EQ(parse_ok("Digest realm=\"\", nonce=\"n\"").realm.view(), "");
}

TEST(DigestChallenge, SeveralChallengesInOneValueReadTheFirst) {
  DigestChallenge c = parse_ok("Digest realm=\"r\", nonce=\"n1\", algorithm=SHA-256, Digest realm=\"r\", nonce=\"n2\"");
  EXPECT_EQ(c.nonce.view(), "n1");
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kSha256);
  c = parse_ok("Digest realm=\"r\", nonce=\"n1\", Basic realm=\"other\"");
  EXPECT_EQ(c.realm.view(), "r");
}

TEST(DigestChallenge, RefusalsAreNamed) {
  EXPECT_EQ(parse_err(""), DigestError::kNotDigest);
  EXPECT_EQ(parse_err("Basic realm=\"r\""), DigestError::kNotDigest);
  EXPECT_EQ(parse_err("Digestive realm=\"r\", nonce=\"n\""), DigestError::kNotDigest);
  EXPECT_EQ(parse_err("Digest"), DigestError::kNoRealm);
  EXPECT_EQ(parse_err("Digest nonce=\"n\""), DigestError::kNoRealm);
  EXPECT_EQ(parse_err("Digest realm=\"r\""), DigestError::kNoNonce);
  EXPECT_EQ(parse_err("Digest realm=\"r\", nonce=\"\""), DigestError::kNoNonce);
  EXPECT_EQ(parse_err("Digest realm=\"r\", nonce=\"n\", realm=\"s\""), DigestError::kDuplicateParam);
  EXPECT_EQ(parse_err("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256"), DigestError::kUnsupportedAlgorithm);
  EXPECT_EQ(parse_err("Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5"), DigestError::kUnsupportedAlgorithm);
  EXPECT_EQ(parse_err("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\""), DigestError::kUnsupportedQop);
  EXPECT_EQ(parse_err("Digest realm=\"r\", nonce=\"n\", qop=\"\""), DigestError::kUnsupportedQop);
  EXPECT_EQ(parse_err("Digest realm=\"r, nonce=\"n\""), DigestError::kSyntax);      // quote never closed
  EXPECT_EQ(parse_err("Digest realm=\"r\" nonce=\"n\""), DigestError::kSyntax);     // no comma
  EXPECT_EQ(parse_err("Digest realm=, nonce=\"n\""), DigestError::kSyntax);         // no value
  EXPECT_EQ(parse_err("Digest =\"r\", nonce=\"n\""), DigestError::kSyntax);         // no name
  EXPECT_EQ(parse_err("Digest realm=\"r\", nonce=\"n\", stale"), DigestError::kSyntax);
  EXPECT_EQ(parse_err("Digest realm=\"a\x01\", nonce=\"n\""), DigestError::kSyntax);
  EXPECT_EQ(parse_err("Digest realm=\"r\", nonce=\"n\\"), DigestError::kSyntax);
  EXPECT_EQ(parse_err("Digest,realm=\"r\", nonce=\"n\""), DigestError::kSyntax);

  std::string nonce(limits::kSipDigestNonceMax + 1, 'a');
  EXPECT_EQ(parse_err("Digest realm=\"r\", nonce=\"" + nonce + "\""), DigestError::kTooLong);
  nonce.pop_back();
  EXPECT_EQ(parse_ok("Digest realm=\"r\", nonce=\"" + nonce + "\"").nonce.size(), limits::kSipDigestNonceMax);
  // An over-long parameter we never use is not a reason to refuse.
  std::string domain(2 * limits::kSipDigestOpaqueMax, 'd');
  EXPECT_EQ(parse_err("Digest realm=\"r\", nonce=\"n\", domain=\"" + domain + "\""), DigestError::kOk);
}

TEST(DigestChallenge, AnAnswerTooLongIsRefusedNotTruncated) {
  DigestChallenge c = parse_ok("Digest realm=\"r\", nonce=\"n\", qop=auth");
  std::string user(limits::kSipDigestValueMax, 'u');
  DigestValue v;
  EXPECT_EQ(build_digest_authorization(c, {user, "pw", "REGISTER", "sip:r", "c", 1}, v), DigestError::kTooLong);
  EXPECT_TRUE(v.empty());
}

TEST(DigestAuth, NonceCountGrowsPerNonceAndRestartsWithANewOne) {
  unsigned char seed = 0;
  Csprng rng;
  ASSERT_TRUE(rng.init("test", fixed_source, &seed));
  DigestAuth auth;
  EXPECT_FALSE(auth.has_challenge());
  EXPECT_FALSE(auth.adopt(parse_ok("Digest realm=\"r\", nonce=\"n1\", qop=\"auth\", algorithm=SHA-256")));
  DigestValue v1, v2, v3;
  ASSERT_EQ(auth.authorize(rng, "u", "p", "REGISTER", "sip:r", v1), DigestError::kOk);
  ASSERT_EQ(auth.authorize(rng, "u", "p", "REGISTER", "sip:r", v2), DigestError::kOk);
  EXPECT_EQ(field(v1, "nc"), "00000001");
  EXPECT_EQ(field(v2, "nc"), "00000002");
  std::string cnonce = field(v1, "cnonce");
  EXPECT_EQ(cnonce.size(), limits::kSipDigestCnonceChars);
  EXPECT_EQ(field(v2, "cnonce"), cnonce);  // one client nonce per server nonce
  EXPECT_NE(field(v1, "response"), field(v2, "response"));
  // The answer is the one the pure function gives for the same inputs.
  DigestRequest r{"u", "p", "REGISTER", "sip:r", cnonce, 2};
  EXPECT_EQ(field(v2, "response"), digest_response(auth.challenge(), r).view());

  // The same nonce again (a repeated challenge) keeps counting.
  EXPECT_TRUE(auth.adopt(parse_ok("Digest realm=\"r\", nonce=\"n1\", qop=\"auth\", algorithm=SHA-256")));
  EXPECT_EQ(auth.nonce_count(), 2u);
  // A new nonce (stale) restarts at 1 with a new client nonce.
  EXPECT_FALSE(auth.adopt(parse_ok("Digest realm=\"r\", nonce=\"n2\", qop=\"auth\", stale=true")));
  ASSERT_EQ(auth.authorize(rng, "u", "p", "REGISTER", "sip:r", v3), DigestError::kOk);
  EXPECT_EQ(field(v3, "nc"), "00000001");
  EXPECT_EQ(field(v3, "nonce"), "n2");
  EXPECT_NE(field(v3, "cnonce"), cnonce);
}

TEST(DigestAuth, AGeneratorThatRefusesGivesNoCredentials) {
  Csprng unseeded;  // never initialised: every draw fails
  DigestAuth auth;
  auth.adopt(parse_ok("Digest realm=\"r\", nonce=\"n1\", qop=auth"));
  DigestValue v;
  EXPECT_EQ(auth.authorize(unseeded, "u", "p", "REGISTER", "sip:r", v), DigestError::kNoRandom);
  EXPECT_TRUE(v.empty());
  // Without qop no client nonce is needed.
  auth.adopt(parse_ok("Digest realm=\"r\", nonce=\"n2\""));
  EXPECT_EQ(auth.authorize(unseeded, "u", "p", "REGISTER", "sip:r", v), DigestError::kOk);
}

TEST(DigestChallenge, FromParsedFieldsChecksTheSameThings) {
  DigestChallenge c;
  DigestChallengeFields f{"Digest", "http-auth@example.org", kRfc7616Nonce, kRfc7616Opaque, "SHA-256", "auth, auth-int",
                          false};
  ASSERT_EQ(digest_challenge_from_fields(f, c), DigestError::kOk);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kSha256);
  EXPECT_TRUE(c.algorithm_named && c.qop_auth && c.has_opaque && !c.stale);
  DigestRequest r{"Mufasa", "Circle of Life", "GET", "/dir/index.html", kRfc7616Cnonce, 1};
  EXPECT_EQ(digest_response(c, r).view(), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");

  DigestChallengeFields plain{"digest", "r", "n", "", "", "", true};
  ASSERT_EQ(digest_challenge_from_fields(plain, c), DigestError::kOk);
  EXPECT_TRUE(c.stale);
  EXPECT_FALSE(c.algorithm_named || c.qop_auth || c.has_opaque);

  auto with = [](DigestChallengeFields g) {
    DigestChallenge out;
    return digest_challenge_from_fields(g, out);
  };
  EXPECT_EQ(with({"Basic", "r", "n", "", "", "", false}), DigestError::kNotDigest);
  EXPECT_EQ(with({"Digest", "", "n", "", "", "", false}), DigestError::kNoRealm);
  EXPECT_EQ(with({"Digest", "r", "", "", "", "", false}), DigestError::kNoNonce);
  EXPECT_EQ(with({"Digest", "r", "n", "", "SHA-512-256", "", false}), DigestError::kUnsupportedAlgorithm);
  EXPECT_EQ(with({"Digest", "r", "n", "", "", "auth-int", false}), DigestError::kUnsupportedQop);
  std::string nonce(limits::kSipDigestNonceMax + 1, 'n');
  EXPECT_EQ(with({"Digest", "r", nonce, "", "", "", false}), DigestError::kTooLong);
}
