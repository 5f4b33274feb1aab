#include <gtest/gtest.h>

#include "protocol/yna/yna_rest.hpp"

using namespace dialtone::protocol::yna;

TEST(YnaError, ErrorInfo) {
  YnaError e;
  ASSERT_TRUE(parse_yna_error(
      R"({"errors":[{"reasonCode":"UNAUTHORIZED","systemMessage":"token expired","userMessage":"sign in"}]})", e));
  EXPECT_EQ(e.reason_code.view(), "UNAUTHORIZED");
  EXPECT_EQ(e.message.view(), "token expired");
}

TEST(YnaError, CallProxyError) {
  YnaError e;
  ASSERT_TRUE(parse_yna_error(R"({"returnCode":500,"status":"INTERNAL_SERVER_ERROR"})", e));
  EXPECT_EQ(e.return_code, 500);
  EXPECT_EQ(e.reason_code.view(), "INTERNAL_SERVER_ERROR");
}

TEST(YnaError, NeitherShape) {
  YnaError e;
  EXPECT_FALSE(parse_yna_error("", e));
  EXPECT_FALSE(parse_yna_error("<html>", e));
  EXPECT_FALSE(parse_yna_error(R"({"errors":[]})", e));
  EXPECT_FALSE(e.present);
}

TEST(YnaEndpoint, Names) {
  EXPECT_STREQ(endpoint_name(Endpoint::kInProgress), "inProgress");
  EXPECT_STREQ(endpoint_name(Endpoint::kAcceptResume), "acceptResume");
}
