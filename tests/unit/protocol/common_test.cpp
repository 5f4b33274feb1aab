#include <gtest/gtest.h>

#include <string>

#include "firmware/core/hex.hpp"
#include "protocol/common/base64.hpp"
#include "protocol/common/sha.hpp"
#include "protocol/common/url.hpp"

using namespace dialtone;
using namespace dialtone::protocol;

namespace {
std::string b64(std::string_view in, bool url) {
  char out[256];
  auto n = url ? base64url_encode(in, out) : base64_encode(in, out);
  return n ? std::string(out, *n) : "<overflow>";
}
std::string unb64(std::string_view in, bool url) {
  std::uint8_t out[256];
  auto n = url ? base64url_decode(in, out) : base64_decode(in, out);
  return n ? std::string(reinterpret_cast<char*>(out), *n) : "<error>";
}
std::string hex(std::span<const std::uint8_t> d) {
  char out[128];
  to_hex(d, out);
  return std::string(out, d.size() * 2);
}
}  // namespace

TEST(Base64, Rfc4648Vectors) {
  const char* in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* padded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  const char* url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(b64(in[i], false), padded[i]);
    EXPECT_EQ(b64(in[i], true), url[i]);
    EXPECT_EQ(unb64(padded[i], false), in[i]);
    EXPECT_EQ(unb64(url[i], true), in[i]);
  }
}

TEST(Base64, UrlAlphabetAndErrors) {
  EXPECT_EQ(b64("\xfb\xff\xbf", false), "+/+/");
  EXPECT_EQ(b64("\xfb\xff\xbf", true), "-_-_");
  EXPECT_EQ(unb64("+/+/", true), "<error>");
  EXPECT_EQ(unb64("Zg==", true), "<error>");  // base64url never has padding
  EXPECT_EQ(unb64("Z", true), "<error>");
  EXPECT_EQ(unb64("Zh", true), "<error>");    // non-zero trailing bits
  char small[3];
  EXPECT_FALSE(base64_encode(std::string_view("foo"), small));
}

TEST(Sha, KnownDigests) {
  EXPECT_EQ(hex(sha256(std::string_view("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  Sha256 h;
  h.update(std::string_view("a"));
  h.update(std::string_view("bc"));
  EXPECT_EQ(hex(h.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Url, ParsesSchemesHostsPorts) {
  Url u;
  ASSERT_EQ(parse_url("https://api.t-mobile.com/commerce/v1/orders?account-number=0000000000", u), UrlError::kOk);
  EXPECT_TRUE(u.secure());
  EXPECT_EQ(u.host, "api.t-mobile.com");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.target, "/commerce/v1/orders?account-number=0000000000");
  EXPECT_EQ(u.path(), "/commerce/v1/orders");
  EXPECT_EQ(u.query(), "account-number=0000000000");

  ASSERT_EQ(parse_url("ws://127.0.0.1:8080", u), UrlError::kOk);
  EXPECT_EQ(u.scheme, Scheme::kWs);
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.target, "/");
  EXPECT_FALSE(u.default_port());

  ASSERT_EQ(parse_url("WSS://[::1]:9443/ch?x=1#frag", u), UrlError::kOk);
  EXPECT_EQ(u.scheme, Scheme::kWss);
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9443);
  EXPECT_EQ(u.target, "/ch?x=1");

  ASSERT_EQ(parse_url("http://h?q=1", u), UrlError::kOk);
  EXPECT_EQ(u.target, "/?q=1");
  EXPECT_EQ(u.port, 80);
}

TEST(Url, NamedErrors) {
  Url u;
  EXPECT_EQ(parse_url("api.example.com/x", u), UrlError::kNoScheme);
  EXPECT_EQ(parse_url("ftp://h/", u), UrlError::kUnsupportedScheme);
  EXPECT_EQ(parse_url("https:///x", u), UrlError::kEmptyHost);
  EXPECT_EQ(parse_url("https://h:0/", u), UrlError::kBadPort);
  EXPECT_EQ(parse_url("https://h:65536/", u), UrlError::kBadPort);
  EXPECT_EQ(parse_url("https://h:/", u), UrlError::kBadPort);
  EXPECT_EQ(parse_url("https://h:8a/", u), UrlError::kBadPort);
  EXPECT_EQ(parse_url("https://u:p@h/", u), UrlError::kUserInfo);
  EXPECT_EQ(parse_url("https://h h/", u), UrlError::kBadHost);
  EXPECT_EQ(parse_url("https://[::1/", u), UrlError::kBadHost);
  EXPECT_EQ(parse_url("https://h/a b", u), UrlError::kBadTarget);
  EXPECT_EQ(parse_url("https://" + std::string(300, 'a') + "/", u), UrlError::kHostTooLong);
  EXPECT_EQ(parse_url("https://h/" + std::string(limits::kUrlMax, 'a'), u), UrlError::kTargetTooLong);
  // The same limit whether the target starts with its path or its query.
  ASSERT_EQ(parse_url("https://h/" + std::string(limits::kUrlMax - 1, 'a'), u), UrlError::kOk);
  EXPECT_EQ(u.target.size(), limits::kUrlMax);
  ASSERT_EQ(parse_url("https://h?" + std::string(limits::kUrlMax - 2, 'a'), u), UrlError::kOk);
  EXPECT_EQ(u.target.size(), limits::kUrlMax);
  EXPECT_EQ(parse_url("https://h?" + std::string(limits::kUrlMax - 1, 'a'), u), UrlError::kTargetTooLong);
}

TEST(Percent, DecodesEscapesOnly) {
  char out[64];
  std::size_t n = 0;
  ASSERT_EQ(percent_decode("a%20b+c%e2%98%8E", out, sizeof out, n), PercentError::kOk);
  EXPECT_EQ(std::string(out, n), "a b+c\xe2\x98\x8e");
  ASSERT_EQ(percent_decode("a+b", out, sizeof out, n, true), PercentError::kOk);
  EXPECT_EQ(std::string(out, n), "a b");
  EXPECT_EQ(percent_decode("%2", out, sizeof out, n), PercentError::kBadEscape);
  EXPECT_EQ(percent_decode("%", out, sizeof out, n), PercentError::kBadEscape);
  EXPECT_EQ(percent_decode("%zz", out, sizeof out, n), PercentError::kBadEscape);
  EXPECT_EQ(percent_decode("abcd", out, 3, n), PercentError::kNoRoom);
}

TEST(Percent, EncodeAndQueryParam) {
  FixedString<64> s;
  ASSERT_TRUE(percent_encode_append("Bearer a/b c~", s));
  EXPECT_EQ(s, "Bearer%20a%2Fb%20c~");
  EXPECT_EQ(query_param("code=C1&state=S%20x", "state"), std::optional<std::string_view>("S%20x"));
  EXPECT_EQ(query_param("code=C1&state=S", "code"), std::optional<std::string_view>("C1"));
  EXPECT_EQ(query_param("code=C1&flag", "flag"), std::optional<std::string_view>(""));
  EXPECT_EQ(query_param("codex=1", "code"), std::nullopt);
}
