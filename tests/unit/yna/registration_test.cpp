#include "protocol/yna/registration.hpp"

#include <gtest/gtest.h>

using namespace dialtone::protocol::yna;

namespace {
constexpr const char* kOk =
    R"({"returnCode":200,"channelUrl":"wss://h:1/channel/abc","lines":[{"msisdn":"+1999","regStatus":false},{"msisdn":"+14255550100","regStatus":true},{"msisdn":"+1888","regStatus":true}]})";
}

TEST(Registration, ParsesFirstRegisteredLine) {
  RegistrationInfo info;
  ASSERT_EQ(parse_registration_status(kOk, info), StatusError::kOk);
  EXPECT_EQ(info.msisdn.view(), "+14255550100");
  EXPECT_EQ(info.channel_url.view(), "wss://h:1/channel/abc");
}

TEST(Registration, NamedErrors) {
  RegistrationInfo info;
  EXPECT_EQ(parse_registration_status("x", info), StatusError::kNotJson);
  EXPECT_EQ(parse_registration_status("1", info), StatusError::kNotObject);
  EXPECT_EQ(parse_registration_status(R"({"lines":[]})", info), StatusError::kNoChannelUrl);
  EXPECT_EQ(parse_registration_status(R"({"channelUrl":"https://h/x","lines":[]})", info), StatusError::kBadChannelUrl);
  EXPECT_EQ(parse_registration_status(R"({"channelUrl":"wss://h/x"})", info), StatusError::kNoLines);
  EXPECT_EQ(parse_registration_status(R"({"channelUrl":"wss://h/x","lines":[{"msisdn":"1","regStatus":false}]})", info),
            StatusError::kNoRegisteredLine);
  EXPECT_EQ(parse_registration_status(R"({"channelUrl":"wss://h/x","lines":[{"msisdn":"1","regStatus":"true"}]})", info),
            StatusError::kNoRegisteredLine);
}

TEST(Registration, AcceptedThenOk) {
  Registration r;
  EXPECT_EQ(r.next_wakeup(), dialtone::kNever);
  r.start(100);
  EXPECT_TRUE(r.request_due(100));
  r.request_sent();
  EXPECT_FALSE(r.request_due(100));
  EXPECT_EQ(r.on_response(200, 202, 5, ""), Registration::Outcome::kWaiting);
  EXPECT_EQ(r.next_wakeup(), 200 + 5000);
  EXPECT_FALSE(r.request_due(5199));
  EXPECT_TRUE(r.request_due(5200));
  r.request_sent();
  // 202 without Retry-After: 2 s.
  EXPECT_EQ(r.on_response(6000, 202, std::nullopt, ""), Registration::Outcome::kWaiting);
  EXPECT_EQ(r.next_wakeup(), 8000);
  r.request_sent();
  EXPECT_EQ(r.on_response(8000, 200, std::nullopt, kOk), Registration::Outcome::kRegistered);
  EXPECT_TRUE(r.registered());
  EXPECT_EQ(r.info().msisdn.view(), "+14255550100");
  EXPECT_EQ(r.next_wakeup(), dialtone::kNever);
}

TEST(Registration, BadBodyOrStatusFails) {
  Registration r;
  r.start(0);
  r.request_sent();
  EXPECT_EQ(r.on_response(0, 200, std::nullopt, "{}"), Registration::Outcome::kFailed);
  EXPECT_EQ(r.last_error(), StatusError::kNoChannelUrl);
  EXPECT_FALSE(r.registered());
  r.retry_after(0, Registration::kErrorRetryMs);
  EXPECT_EQ(r.next_wakeup(), Registration::kErrorRetryMs);
  r.request_sent();
  EXPECT_EQ(r.on_response(0, 403, std::nullopt, ""), Registration::Outcome::kFailed);
}
