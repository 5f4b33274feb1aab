#include "protocol/yna/tokens.hpp"

#include <gtest/gtest.h>

#include <cstdint>

using namespace dialtone::protocol::yna;

namespace {
constexpr const char* kResponse =
    R"({"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600,"extra":1})";
}

TEST(Tokens, ParsesCPaaSTokenResponse) {
  TokenPair p;
  ASSERT_EQ(parse_token_response(kResponse, 1000, p), TokenError::kOk);
  EXPECT_EQ(p.access.view(), "at-1");
  EXPECT_EQ(p.refresh.view(), "rt-1");
  EXPECT_EQ(p.expires_in_s, 3600);
  EXPECT_EQ(p.obtained_unix_s, 1000);
}

TEST(Tokens, NamedErrorsForBadResponses) {
  TokenPair p;
  EXPECT_EQ(parse_token_response("nope", 0, p), TokenError::kNotJson);
  EXPECT_EQ(parse_token_response("[1]", 0, p), TokenError::kNotObject);
  EXPECT_EQ(parse_token_response(R"({"refresh_token":"r","token_type":"Bearer","expires_in":1})", 0, p),
            TokenError::kNoAccessToken);
  EXPECT_EQ(parse_token_response(R"({"access_token":"a","token_type":"Bearer","expires_in":1})", 0, p),
            TokenError::kNoRefreshToken);
  EXPECT_EQ(parse_token_response(R"({"access_token":"a","refresh_token":"r","expires_in":1})", 0, p),
            TokenError::kNoTokenType);
  EXPECT_EQ(parse_token_response(R"({"access_token":"a","refresh_token":"r","token_type":"mac","expires_in":1})", 0, p),
            TokenError::kNotBearer);
  EXPECT_EQ(parse_token_response(R"({"access_token":"a","refresh_token":"r","token_type":"Bearer","expires_in":"1"})",
                                 0, p),
            TokenError::kNoExpiresIn);
  EXPECT_EQ(parse_token_response(R"({"access_token":"a","refresh_token":"r","token_type":"Bearer","expires_in":0})", 0,
                                 p),
            TokenError::kNoExpiresIn);
  EXPECT_TRUE(p.empty()) << "a failed parse leaves the output alone";
}

TEST(Tokens, FileRoundTrip) {
  TokenPair p;
  ASSERT_EQ(parse_token_response(kResponse, 1234, p), TokenError::kOk);
  char buf[1024];
  std::size_t n = serialize_tokens(p, buf);
  ASSERT_GT(n, 0u);
  TokenPair q;
  ASSERT_EQ(parse_token_file({buf, n}, q), TokenError::kOk);
  EXPECT_EQ(q.access.view(), "at-1");
  EXPECT_EQ(q.refresh.view(), "rt-1");
  EXPECT_EQ(q.expires_in_s, 3600);
  EXPECT_EQ(q.obtained_unix_s, 1234);
  char tiny[16];
  EXPECT_EQ(serialize_tokens(p, tiny), 0u);
  EXPECT_EQ(parse_token_file(R"({"access_token":"a","refresh_token":"r","expires_in":5})", q),
            TokenError::kNoObtainedTime);
}

TEST(TokenManager, RefreshAtEightyPercent) {
  TokenPair p;
  ASSERT_EQ(parse_token_response(kResponse, 1000, p), TokenError::kOk);
  TokenManager m;
  EXPECT_FALSE(m.has_tokens());
  EXPECT_EQ(m.next_wakeup(), dialtone::kNever);
  m.set(p, 50'000, 1000);
  EXPECT_EQ(m.refresh_at(), 50'000 + 2'880'000);
  EXPECT_FALSE(m.refresh_due(50'000 + 2'879'999));
  EXPECT_TRUE(m.refresh_due(50'000 + 2'880'000));
  ASSERT_TRUE(m.begin_refresh());
  EXPECT_FALSE(m.begin_refresh()) << "one refresh at a time";
  EXPECT_FALSE(m.refresh_due(60'000'000));
  EXPECT_EQ(m.next_wakeup(), dialtone::kNever);
}

TEST(TokenManager, LoadedPairCountsTimeAlreadyPassed) {
  TokenPair p;
  ASSERT_EQ(parse_token_response(kResponse, 1000, p), TokenError::kOk);
  TokenManager m;
  m.set(p, 7, 1000 + 2000);  // 2000 s of 3600 passed: 880 s left to 80 %
  EXPECT_EQ(m.refresh_at(), 7 + 880'000);
  m.set(p, 7, 1000 + 3000);  // past 80 %: due now
  EXPECT_TRUE(m.refresh_due(7));
  m.set(p, 7, 0);  // clock far behind: never later than a full 80 %
  EXPECT_EQ(m.refresh_at(), 7 + 2'880'000);
}

TEST(TokenManager, HugeLifetimesDoNotOverflow) {
  TokenPair p;
  ASSERT_EQ(parse_token_response(R"({"access_token":"a","refresh_token":"r","token_type":"Bearer",
      "expires_in":5022089407920166245})", 1000, p), TokenError::kOk);
  TokenManager m;
  m.set(p, 7, 1000);
  EXPECT_GT(m.refresh_at(), 7 + 2'880'000);  // far away, not wrapped into the past
  p.expires_in_s = 3600;
  p.obtained_unix_s = INT64_MIN;  // a damaged token file
  m.set(p, 7, 1000);
  EXPECT_TRUE(m.refresh_due(7));
}

TEST(TokenManager, RefreshNowOn401AndClear) {
  TokenPair p;
  ASSERT_EQ(parse_token_response(kResponse, 0, p), TokenError::kOk);
  TokenManager m;
  m.set(p, 0, 0);
  m.refresh_now(10);
  EXPECT_TRUE(m.refresh_due(10));
  m.clear();
  EXPECT_FALSE(m.has_tokens());
  EXPECT_FALSE(m.begin_refresh());
  EXPECT_EQ(m.next_wakeup(), dialtone::kNever);
}
