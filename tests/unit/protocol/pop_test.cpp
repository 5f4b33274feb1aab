#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "firmware/core/hex.hpp"
#include "firmware/core/random.hpp"
#include "protocol/common/base64.hpp"
#include "protocol/common/sha.hpp"
#include "protocol/pop/pop_token.hpp"

using namespace dialtone;
using namespace dialtone::protocol;

namespace {

std::string digest_of(std::vector<PopItem> items, std::string* ehts = nullptr) {
  PopDigest d;
  PopError e = pop_digest(items, d);
  if (e != PopError::kOk) return std::string("error: ") + to_string(e);
  if (ehts) *ehts = std::string(d.ehts.view());
  return std::string(d.edts.view());
}

std::string uri_of(std::string_view target) {
  FixedString<limits::kUrlMax> u;
  PopError e = pop_uri_value(target, u);
  return e == PopError::kOk ? std::string(u.view()) : std::string("error: ") + to_string(e);
}

}  // namespace

TEST(PopDigest, WorkedExample) {
  const std::string body = R"({"from":"tel:+14255550100","to":"tel:+14255550199"})";
  std::string ehts;
  EXPECT_EQ(digest_of({{"uri", "/start"},
                       {"http-method", "POST"},
                       {"Authorization", "Bearer 3fa85f64abc"},
                       {"Content-Type", "application/json"},
                       {"body", body}},
                      &ehts),
            "9bw_nfPGtTmckqp8BeQ5AoD3jt6GT6iKu-bbul6WCDQ");
  EXPECT_EQ(ehts, "uri;http-method;Authorization;Content-Type;body");
  std::string d = "/startPOSTBearer 3fa85f64abcapplication/json" + body;
  EXPECT_EQ(d.size(), 95u);
  char hex[64];
  to_hex(sha256(d), hex);
  EXPECT_EQ(std::string(hex, 64), "f5bc3f9df3c6b5399c92aa7c05e4390280f78ede864fa88abbe6dbba5e960834");
}

TEST(PopDigest, Section4Vectors) {
  std::string ehts;
  EXPECT_EQ(digest_of({{"Content-Type", "application/json"},
                       {"Authorization", "Bearer UtKV75JJbVAewOrkHMXhLbiQ11SS"},
                       {"uri", "/commerce/v1/orders"},
                       {"http-method", "POST"},
                       {"body", R"({"orderId": 100, "product": "Mobile Phone"})"}},
                      &ehts),
            "afqGWAbSevTP2m38quBjC8pA2HcxZXG4zpFCPShTtSo");
  EXPECT_EQ(ehts, "Content-Type;Authorization;uri;http-method;body");

  // The uri is computed from the target as sent (?x=a%20b).
  std::string uri = uri_of("/account/status?x=a%20b");
  EXPECT_EQ(uri, "/account/status?x=a b");
  EXPECT_EQ(digest_of({{"uri", uri}, {"http-method", "GET"}, {"Authorization", "Bearer t0k"}}, &ehts),
            "DM6hz8_jc6aIGPV7hkgX5BYA3O2K0DA8G55O0TPoE3o");
  EXPECT_EQ(ehts, "uri;http-method;Authorization");

  EXPECT_EQ(digest_of({{"uri", "/start"}, {"http-method", "POST"}, {"body", "{\"name\":\"Zo\xc3\xab \xe2\x98\x8e\"}"}}),
            "cC1P9b13oNVLmWHZyuW662nkReCh3PSBSuahadW6yXg");
  EXPECT_EQ(digest_of({{"uri", "/start"}, {"http-method", "POST"}, {"body", "{\n  \"a\": 1\n}\r\n"}}),
            "yRNtSfFxZIEebOcRegg0zyK3h40oGE6FeHMrxGPPt-s");
}

TEST(PopDigest, UriRules) {
  EXPECT_EQ(uri_of("/a%20b/c?x=a%20b+c&y=%E2%98%8E"), "/a%20b/c?x=a b+c&y=\xe2\x98\x8e");  // path untouched
  EXPECT_EQ(uri_of("/start"), "/start");
  EXPECT_EQ(uri_of("/s?"), "/s?");
  EXPECT_EQ(uri_of("/s?x=%4"), "error: malformed %XX escape in the query");
}

TEST(PopDigest, RefusesBadItems) {
  EXPECT_EQ(digest_of({}), "error: no signed items");
  EXPECT_EQ(digest_of({{"uri", "/"}, {"uri", "/x"}}), "error: duplicate item name");
  EXPECT_EQ(digest_of({{"  ", "v"}}), "error: empty, blank or ';' in an item name");
  EXPECT_EQ(digest_of({{"a;b", "v"}}), "error: empty, blank or ';' in an item name");
  EXPECT_EQ(digest_of({{"uri", ""}}), "error: empty item value");
  std::vector<PopItem> many(limits::kPopItemsMax + 1, PopItem{"n", "v"});
  EXPECT_EQ(digest_of(many), "error: too many signed items");
}

TEST(PopDigest, RequestItemsFollowSection5) {
  PopRequestItems it;
  ASSERT_EQ(it.build({"POST", "/start", "Bearer 3fa85f64abc", "application/json", "{}"}), PopError::kOk);
  std::string names;
  for (const PopItem& i : it.items()) names += std::string(i.name) + ";";
  EXPECT_EQ(names, "uri;http-method;Authorization;Content-Type;body;");
  ASSERT_EQ(it.build({"GET", "/ch?a=%41", "", "application/json", ""}), PopError::kOk);
  ASSERT_EQ(it.items().size(), 2u);
  EXPECT_EQ(it.items()[0].value, "/ch?a=A");
}

// Signing, checked by an independent validator (PyJWT + cryptography).
class PopSign : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/dialtone-pop-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string cmd = "cd " + dir_ +
                      " && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k8.pem 2>/dev/null"
                      " && openssl rsa -in k8.pem -traditional -out k1.pem 2>/dev/null"
                      " && openssl pkey -in k8.pem -pubout -out pub.pem"
                      " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  static void TearDownTestSuite() { std::system(("rm -rf " + dir_).c_str()); }

  // Appends `s` to `out` as a JSON string, quotes included.
  static void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\', out += c;
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else out += c;
    }
    out += '"';
  }

  // Runs pop_validate.py; true when it accepts the token.
  static bool validate(std::string_view token, std::string_view method, std::string_view target,
                       std::vector<std::pair<std::string, std::string>> headers, std::string_view body,
                       std::int64_t now) {
    // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict in
    // chains of "literal" + std::string temporaries.
    std::string j = "{\"token\":";
    append_json_string(j, token);
    j += ",\"public_key\":";
    append_json_string(j, dir_ + "/pub.pem");
    j += ",\"method\":";
    append_json_string(j, method);
    j += ",\"target\":";
    append_json_string(j, target);
    j += ",\"headers\":[";
    for (std::size_t i = 0; i < headers.size(); ++i) {
      if (i) j += ',';
      j += '[';
      append_json_string(j, headers[i].first);
      j += ',';
      append_json_string(j, headers[i].second);
      j += ']';
    }
    j += "],\"body\":";
    append_json_string(j, body);
    j += ",\"now\":";
    j += std::to_string(now);
    j += '}';
    std::string path = dir_ + "/req.json";
    std::ofstream(path) << j;
    std::string cmd = "/usr/bin/python3 " DIALTONE_POP_VALIDATOR " " + path;
    return std::system(cmd.c_str()) == 0;
  }

  static inline std::string dir_;
};

TEST_F(PopSign, Pkcs8TokenValidatesIndependently) {
  Csprng rng;
  ASSERT_TRUE(rng.init());
  PopSigner s;
  ASSERT_TRUE(s.load_key_file((dir_ + "/k8.pem").c_str()));
  const std::int64_t now = 1700000000;
  const std::string body = R"({"from":"tel:+14255550100","to":"tel:+14255550199"})";
  FixedString<limits::kTokenMax> tok;
  ASSERT_EQ(s.sign_request({"POST", "/start", "Bearer 3fa85f64abc", "application/json", body}, now, rng, tok),
            PopError::kOk);
  std::vector<std::pair<std::string, std::string>> hdrs = {{"Authorization", "Bearer 3fa85f64abc"},
                                                           {"Content-Type", "application/json"}};
  EXPECT_TRUE(validate(tok.view(), "POST", "/start", hdrs, body, now));
  // The validator is not a rubber stamp: another body, a later clock, another
  // Authorization all fail.
  EXPECT_FALSE(validate(tok.view(), "POST", "/start", hdrs, body + " ", now));
  EXPECT_FALSE(validate(tok.view(), "POST", "/start", hdrs, body, now + 200));
  EXPECT_FALSE(validate(tok.view(), "POST", "/start", {{"Authorization", "Bearer x"}, hdrs[1]}, body, now));
}

TEST_F(PopSign, Pkcs1TokenForWebSocketUpgradeWithEscapedQuery) {
  Csprng rng;
  ASSERT_TRUE(rng.init());
  PopSigner s;
  ASSERT_TRUE(s.load_key_file((dir_ + "/k1.pem").c_str()));
  const std::int64_t now = 1700000123;
  FixedString<limits::kTokenMax> tok;
  ASSERT_EQ(s.sign_request({"GET", "/channel/v1?id=a%20b%E2%98%8E+c", "Bearer t0k", "", ""}, now, rng, tok),
            PopError::kOk);
  EXPECT_TRUE(validate(tok.view(), "GET", "/channel/v1?id=a%20b%E2%98%8E+c", {{"Authorization", "Bearer t0k"}}, "",
                       now));
  EXPECT_FALSE(validate(tok.view(), "GET", "/channel/v1?id=a+b%E2%98%8E+c", {{"Authorization", "Bearer t0k"}}, "",
                        now));
}

TEST_F(PopSign, FreshJtiPerTokenAndDeterministicSignatureInput) {
  Csprng rng;
  ASSERT_TRUE(rng.init());
  PopSigner s;
  ASSERT_TRUE(s.load_key_file((dir_ + "/k8.pem").c_str()));
  FixedString<limits::kTokenMax> a, b;
  ASSERT_EQ(s.sign_request({"GET", "/account/status", "Bearer t", "", ""}, 5, rng, a), PopError::kOk);
  ASSERT_EQ(s.sign_request({"GET", "/account/status", "Bearer t", "", ""}, 5, rng, b), PopError::kOk);
  EXPECT_NE(a.view(), b.view());
  // Header is exactly {"alg":"RS256","typ":"JWT"}; payload claims in order.
  std::string_view t = a.view();
  auto dot1 = t.find('.'), dot2 = t.rfind('.');
  std::uint8_t buf[1024];
  auto n = base64url_decode(t.substr(0, dot1), buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), *n), R"({"alg":"RS256","typ":"JWT"})");
  n = base64url_decode(t.substr(dot1 + 1, dot2 - dot1 - 1), buf);
  ASSERT_TRUE(n);
  std::string payload(reinterpret_cast<char*>(buf), *n);
  EXPECT_EQ(payload.rfind(R"({"edts":")", 0), 0u) << payload;
  EXPECT_NE(payload.find(R"(","v":"1","exp":125,"ehts":"uri;http-method;Authorization","iat":5,"jti":")"),
            std::string::npos)
      << payload;
}

TEST_F(PopSign, RefusesMissingOrNonRsaKeys) {
  Csprng rng;
  ASSERT_TRUE(rng.init());
  PopSigner s;
  FixedString<limits::kTokenMax> tok;
  EXPECT_EQ(s.sign_request({"GET", "/", "", "", ""}, 1, rng, tok), PopError::kNoKey);
  EXPECT_FALSE(s.load_key_file((dir_ + "/nope.pem").c_str()));
  EXPECT_FALSE(s.load_key_file((dir_ + "/ec.pem").c_str()));
  EXPECT_FALSE(s.loaded());
}
