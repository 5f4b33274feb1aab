#include "protocol/jambonz/jambonz_api.hpp"

#include <gtest/gtest.h>

using namespace dialtone;
using namespace dialtone::protocol::jambonz;

TEST(JambonzApi, Paths) {
  FixedString<limits::kUrlMax> p;
  PageQuery q;
  q.page = 2;
  q.count = 25;
  q.days = 7;
  ASSERT_TRUE(recent_calls_path("9351f46a", q, p));
  EXPECT_EQ(p.view(), "/Accounts/9351f46a/RecentCalls?page=2&count=25&days=7");
  q.days = 0;
  ASSERT_TRUE(alerts_path("9351f46a", q, p));
  EXPECT_EQ(p.view(), "/Accounts/9351f46a/Alerts?page=2&count=25");
  q.count = 26;  // services.md: count at most 25
  EXPECT_FALSE(recent_calls_path("9351f46a", q, p));
  q.count = 10;
  q.page = 0;  // pages start at 1
  EXPECT_FALSE(recent_calls_path("9351f46a", q, p));
}

TEST(JambonzApi, RecentCalls) {
  RecentCallsPage page;
  ASSERT_EQ(parse_recent_calls(R"({"total":14,"batch":1,"page":1,"data":[{"account_sid":"a","call_sid":"c1",
      "from":"+14155550100","to":"+12065550142","answered":true,"sip_status":200,"duration":61,
      "attempted_at":1714550000000,"answered_at":1714550003000,"terminated_at":1714550064000,
      "termination_reason":"caller hungup","direction":"outbound"}]})",
                               page),
            ParseError::kOk);
  EXPECT_EQ(page.total, 14);
  ASSERT_EQ(page.calls.size(), 1u);
  EXPECT_EQ(page.calls[0].to.view(), "+12065550142");
  EXPECT_TRUE(page.calls[0].answered);
  EXPECT_EQ(page.calls[0].attempted_at, 1714550000000);
  EXPECT_EQ(page.calls[0].termination_reason.view(), "caller hungup");
}

TEST(JambonzApi, RecentCallsRefusesBrokenAnswers) {
  RecentCallsPage page;
  EXPECT_EQ(parse_recent_calls("<html>", page), ParseError::kNotJson);
  EXPECT_EQ(parse_recent_calls(R"({"total":1})", page), ParseError::kNoData);
  EXPECT_EQ(parse_recent_calls(R"({"data":[{"call_sid":"c","from":"a"}]})", page), ParseError::kBadRow);
}

TEST(JambonzApi, Alerts) {
  AlertsPage page;
  ASSERT_EQ(parse_alerts(R"({"total":1,"batch":1,"page":1,"data":[{"time":"2024-05-02T10:00:00.000Z",
      "account_sid":"a","alert_type":"device-limit","message":"Device limit reached","detail":"limit 2"}]})",
                         page),
            ParseError::kOk);
  ASSERT_EQ(page.alerts.size(), 1u);
  EXPECT_EQ(page.alerts[0].alert_type.view(), "device-limit");
  EXPECT_EQ(page.alerts[0].detail.view(), "limit 2");
  EXPECT_EQ(parse_alerts(R"({"data":[{"time":"t","alert_type":"x"}]})", page), ParseError::kBadRow);
}

TEST(JambonzApi, ClickToCallRingsTheSipUserFirst) {
  FixedString<limits::kUrlMax> p;
  ASSERT_TRUE(calls_path("9351f46a", p));
  EXPECT_EQ(p.view(), "/Accounts/9351f46a/Calls");
  char body[512];
  std::size_t n = build_click_to_call({"00000000-0000-0000-0000-000000000007", "+14155550100",
                                       "desk-101@acme.sip.example.com", "+12065550142"},
                                      body);
  EXPECT_EQ(std::string_view(body, n),
            R"({"application_sid":"00000000-0000-0000-0000-000000000007","from":"+14155550100",)"
            R"("to":{"type":"user","name":"desk-101@acme.sip.example.com"},"tag":{"destination":"+12065550142"}})");
  EXPECT_EQ(build_click_to_call({"app", "", "u@r", "+1"}, body), 0u) << "every party is needed";
  CallSid sid;
  ASSERT_TRUE(parse_call_created(R"({"sid":"2531329f-fb09-4ef7-887e-84e648214436"})", sid));
  EXPECT_EQ(sid.view(), "2531329f-fb09-4ef7-887e-84e648214436");
  EXPECT_FALSE(parse_call_created(R"({"sid":""})", sid));
  EXPECT_FALSE(parse_call_created("<html>", sid));
  Text why;
  describe_error(400, R"({"msg":"no carrier"})", why);
  EXPECT_EQ(why.view(), "HTTP 400: no carrier");
  describe_error(502, "<html>", why);
  EXPECT_EQ(why.view(), "HTTP 502");
}
