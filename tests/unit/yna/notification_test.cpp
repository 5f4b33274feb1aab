#include "protocol/yna/notification.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace dialtone::protocol::yna;

namespace {

struct Copy {
  NotificationType type;
  NotificationError error;
  bool has_id;
  std::int64_t id;
  std::string call_id, status, sdp, emd, originator, verification, type_name;
  std::optional<int> response_code;
};

std::vector<Copy> parse(std::string_view text, NotificationError* frame = nullptr) {
  std::vector<Copy> out;
  std::vector<Copy>* p = &out;
  NotificationError e = parse_notification_frame(text, [p](const Notification& n) {
    p->push_back({n.type, n.error, n.has_id, n.notification_id, std::string(n.call_id), std::string(n.status),
                  std::string(n.sdp), std::string(n.early_media_direction), std::string(n.originator_address),
                  std::string(n.verification_status), std::string(n.type_name), n.response_code});
  });
  if (frame) *frame = e;
  return out;
}

}  // namespace

TEST(Notification, InvitationAndStatus) {
  auto v = parse(R"({"notificationList":[
    {"sessionInvitationNotification":{"originatorAddress":"tel:+14255550123","verificationStatus":"TN-Validation-Passed",
      "sdp":"v=0\r\n","callObjectRef":"https://h/calls/v1/CALL1","notificationReference":{"epochTime":1,"notificationId":1001,"sequenceNumber":7}}},
    {"sessionStatusNotification":{"status":"Ringing","responseCode":180,"earlyMediaDirection":"SendRecv",
      "callObjectRef":"https://h/calls/CALL2/","notificationReference":{"notificationId":1002}}}]})");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].type, NotificationType::kInvitation);
  EXPECT_EQ(v[0].error, NotificationError::kOk);
  EXPECT_EQ(v[0].id, 1001);
  EXPECT_EQ(v[0].call_id, "CALL1");
  EXPECT_EQ(v[0].originator, "tel:+14255550123");
  EXPECT_EQ(v[0].verification, "TN-Validation-Passed");
  EXPECT_EQ(v[0].sdp, "v=0\r\n");
  EXPECT_EQ(v[1].type, NotificationType::kStatus);
  EXPECT_EQ(v[1].error, NotificationError::kOk);
  EXPECT_EQ(v[1].call_id, "CALL2");
  EXPECT_EQ(v[1].status, "Ringing");
  EXPECT_EQ(v[1].response_code, 180);
  EXPECT_EQ(v[1].emd, "SendRecv");
}

TEST(Notification, UnknownTypeKeepsItsId) {
  auto v = parse(R"({"notificationList":[{"chatNotification":{"notificationReference":{"notificationId":5}}}]})");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].type, NotificationType::kOther);
  EXPECT_EQ(v[0].type_name, "chatNotification");
  EXPECT_TRUE(v[0].has_id);
  EXPECT_EQ(v[0].error, NotificationError::kOk);
}

TEST(Notification, FrameLevelErrors) {
  NotificationError e;
  EXPECT_TRUE(parse("this is {not JSON", &e).empty());
  EXPECT_EQ(e, NotificationError::kNotJson);
  parse("[]", &e);
  EXPECT_EQ(e, NotificationError::kNotObject);
  parse("{}", &e);
  EXPECT_EQ(e, NotificationError::kNoNotificationList);
  parse(R"({"notificationList":"not-a-list"})", &e);
  EXPECT_EQ(e, NotificationError::kListNotArray);
  parse(R"({"notificationList":[]})", &e);
  EXPECT_EQ(e, NotificationError::kOk);
}

TEST(Notification, WrongTypesAreNamedButAckable) {
  // What the simulator's malformed_frame fault sends.
  auto v = parse(R"({"notificationList":[{"sessionStatusNotification":{"status":42,"callObjectRef":12345,
      "responseCode":"one-eighty","notificationReference":{"notificationId":77}}}]})");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].has_id);
  EXPECT_EQ(v[0].id, 77);
  EXPECT_EQ(v[0].error, NotificationError::kNoCallObjectRef);
}

TEST(Notification, ItemErrors) {
  auto v = parse(R"({"notificationList":[1,{},{"a":{},"b":{}},{"sessionStatusNotification":3},
      {"sessionStatusNotification":{"status":"Ringing","callObjectRef":"x/y"}},
      {"sessionStatusNotification":{"status":"Ringing","callObjectRef":"x/y","notificationReference":{"notificationId":"9"}}},
      {"sessionStatusNotification":{"callObjectRef":"x/y","notificationReference":{"notificationId":9}}},
      {"sessionInvitationNotification":{"callObjectRef":"x/y","notificationReference":{"notificationId":10}}},
      {"sessionStatusNotification":{"status":"Ringing","sdp":5,"callObjectRef":"x/y","notificationReference":{"notificationId":11}}}]})");
  ASSERT_EQ(v.size(), 9u);
  EXPECT_EQ(v[0].error, NotificationError::kItemNotObject);
  EXPECT_EQ(v[1].error, NotificationError::kItemNotSingleKey);
  EXPECT_EQ(v[2].error, NotificationError::kItemNotSingleKey);
  EXPECT_EQ(v[3].error, NotificationError::kValueNotObject);
  EXPECT_EQ(v[4].error, NotificationError::kNoReference);
  EXPECT_EQ(v[5].error, NotificationError::kBadNotificationId);
  EXPECT_FALSE(v[5].has_id);
  EXPECT_EQ(v[6].error, NotificationError::kNoStatus);
  EXPECT_TRUE(v[6].has_id);
  EXPECT_EQ(v[7].error, NotificationError::kNoOriginator);
  EXPECT_EQ(v[8].error, NotificationError::kBadFieldType);
}

TEST(Notification, IdBeyondInt64IsNotAnId) {
  auto v = parse(R"({"notificationList":[{"sessionStatusNotification":{"status":"Ringing","callObjectRef":"x/y",
      "notificationReference":{"notificationId":1e400}}}]})");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FALSE(v[0].has_id);
  EXPECT_EQ(v[0].error, NotificationError::kBadNotificationId);
}

TEST(Notification, CallIdFromRef) {
  EXPECT_EQ(call_id_from_ref("https://h/a/b/C1"), "C1");
  EXPECT_EQ(call_id_from_ref("https://h/a/C1/"), "C1");
  EXPECT_EQ(call_id_from_ref("https://h/a/C1?x=1#f"), "C1");
  EXPECT_EQ(call_id_from_ref("https://h"), "");
  EXPECT_EQ(call_id_from_ref(""), "");
}

TEST(Notification, Ack) {
  char buf[64];
  std::size_t n = write_notification_ack(1001, buf, sizeof buf);
  EXPECT_EQ(std::string_view(buf, n), R"({"notificationAck":{"notificationId":1001}})");
  EXPECT_EQ(write_notification_ack(1001, buf, 10), 0u);
}
