#include "protocol/yna/retry_policy.hpp"

#include <gtest/gtest.h>

using namespace dialtone::protocol::yna;

TEST(RetryPolicy, BackoffIsHalfOneTwoSecondsJittered) {
  EXPECT_EQ(retry_backoff_ms(1, 0), 400);             // 500 x 0.8
  EXPECT_EQ(retry_backoff_ms(1, 0x80000000u), 500);   // 500 x 1.0
  EXPECT_EQ(retry_backoff_ms(2, 0x80000000u), 1000);
  EXPECT_EQ(retry_backoff_ms(3, 0x80000000u), 2000);
  EXPECT_LT(retry_backoff_ms(3, 0xffffffffu), 2400);  // x1.2 exclusive
  EXPECT_GE(retry_backoff_ms(3, 0xffffffffu), 2398);
}

TEST(RetryPolicy, TransientStatusesRetryAtMostFourTries) {
  for (int status : {408, 429, 500, 502, 503, 504}) {
    RetryPolicy p;
    p.reset({});
    dialtone::TimeMs now = 1000;
    RetryDecision d = p.on_result(now, status, false, 0x80000000u);
    ASSERT_EQ(d.step, RetryStep::kRetry) << status;
    EXPECT_EQ(d.at, now + 500);
    d = p.on_result(d.at, status, false, 0x80000000u);
    ASSERT_EQ(d.step, RetryStep::kRetry);
    d = p.on_result(d.at, status, false, 0x80000000u);
    ASSERT_EQ(d.step, RetryStep::kRetry);
    EXPECT_EQ(p.tries(), 4);
    d = p.on_result(d.at, status, false, 0x80000000u);
    EXPECT_EQ(d.step, RetryStep::kDone) << "a fifth try for " << status;
  }
}

TEST(RetryPolicy, ConnectionFailuresRetryAndBackOff) {
  RetryPolicy p;
  p.reset({});
  RetryDecision d = p.on_result(0, 0, true, 0);
  EXPECT_EQ(d.step, RetryStep::kRetry);
  EXPECT_EQ(d.at, 400);
  d = p.on_result(d.at, 0, true, 0);
  EXPECT_EQ(d.at, 400 + 800);
  d = p.on_result(d.at, 0, true, 0);
  EXPECT_EQ(d.at, 400 + 800 + 1600);
  d = p.on_result(d.at, 0, true, 0);
  EXPECT_EQ(d.step, RetryStep::kDone);
}

TEST(RetryPolicy, ClientErrorsAreFinal) {
  for (int status : {200, 202, 400, 403, 404, 409}) {
    RetryPolicy p;
    p.reset({});
    EXPECT_EQ(p.on_result(0, status, false, 0).step, RetryStep::kDone) << status;
  }
}

TEST(RetryPolicy, NoRetryWhenRulesSaySo) {
  RetryPolicy p;
  p.reset({false, true});
  EXPECT_EQ(p.on_result(0, 503, false, 0).step, RetryStep::kDone);
  p.reset({false, true});
  EXPECT_EQ(p.on_result(0, 0, true, 0).step, RetryStep::kDone);
}

TEST(RetryPolicy, Unauthorized_RefreshOnceThenRepeatOnce) {
  RetryPolicy p;
  p.reset({});
  EXPECT_EQ(p.on_result(0, 401, false, 0).step, RetryStep::kRefresh);
  RetryDecision d = p.on_refreshed(10, true);
  EXPECT_EQ(d.step, RetryStep::kRetry);
  EXPECT_EQ(d.at, 10);
  // The repeat gets 401 again: no second refresh.
  EXPECT_EQ(p.on_result(20, 401, false, 0).step, RetryStep::kDone);
}

TEST(RetryPolicy, Unauthorized_FailedRefreshUnlinks) {
  RetryPolicy p;
  p.reset({});
  EXPECT_EQ(p.on_result(0, 401, false, 0).step, RetryStep::kRefresh);
  EXPECT_EQ(p.on_refreshed(10, false).step, RetryStep::kUnlinked);
}

TEST(RetryPolicy, UnauthorizedWithoutRefreshRuleIsFinal) {
  RetryPolicy p;
  p.reset({false, false});  // /oauth/token
  EXPECT_EQ(p.on_result(0, 401, false, 0).step, RetryStep::kDone);
}
