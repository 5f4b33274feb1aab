#include "protocol/yna/notification.hpp"

#include <cstdio>

#include "firmware/core/json.hpp"

namespace dialtone::protocol::yna {

const char* to_string(NotificationType t) {
  switch (t) {
    case NotificationType::kInvitation: return "sessionInvitationNotification";
    case NotificationType::kStatus: return "sessionStatusNotification";
    case NotificationType::kOther: return "other";
  }
  return "?";
}

const char* to_string(NotificationError e) {
  switch (e) {
    case NotificationError::kOk: return "ok";
    case NotificationError::kNotJson: return "frame is not JSON";
    case NotificationError::kNotObject: return "frame is not a JSON object";
    case NotificationError::kNoNotificationList: return "notificationList missing";
    case NotificationError::kListNotArray: return "notificationList is not an array";
    case NotificationError::kItemNotObject: return "notification is not an object";
    case NotificationError::kItemNotSingleKey: return "notification does not have exactly one key";
    case NotificationError::kValueNotObject: return "notification value is not an object";
    case NotificationError::kNoReference: return "notificationReference missing";
    case NotificationError::kBadNotificationId: return "notificationId missing or not an integer";
    case NotificationError::kNoCallObjectRef: return "callObjectRef missing or unusable";
    case NotificationError::kNoStatus: return "status missing or not a string";
    case NotificationError::kNoOriginator: return "originatorAddress missing or not a string";
    case NotificationError::kBadFieldType: return "a field has the wrong type";
  }
  return "?";
}

std::string_view call_id_from_ref(std::string_view ref) {
  std::size_t cut = ref.find_first_of("?#");
  if (cut != std::string_view::npos) ref = ref.substr(0, cut);
  while (!ref.empty() && ref.back() == '/') ref.remove_suffix(1);
  std::size_t slash = ref.rfind('/');
  std::string_view seg = slash == std::string_view::npos ? ref : ref.substr(slash + 1);
  // "https://host" alone has no path segment.
  if (slash != std::string_view::npos && slash > 0 && ref[slash - 1] == '/') return {};
  return seg;
}

namespace {

// Optional string field: absent -> empty, wrong type -> error.
bool opt_string(const cJSON* obj, const char* key, std::string_view& out) {
  const cJSON* v = json_get(obj, key);
  if (!v || cJSON_IsNull(v)) return true;
  if (!cJSON_IsString(v)) return false;
  out = v->valuestring;
  return true;
}

bool integer_value(const cJSON* v, std::int64_t& out) {
  if (!v || !cJSON_IsNumber(v)) return false;
  double d = v->valuedouble;
  // Converting a double outside int64's range (1e400 parses as inf) is undefined.
  if (!(d >= -0x1p63 && d < 0x1p63)) return false;
  if (d != static_cast<double>(static_cast<std::int64_t>(d))) return false;
  out = static_cast<std::int64_t>(d);
  return true;
}

void parse_one(const cJSON* item, Notification& n) {
  if (!cJSON_IsObject(item)) {
    n.error = NotificationError::kItemNotObject;
    return;
  }
  const cJSON* entry = item->child;
  if (!entry || entry->next) {
    n.error = NotificationError::kItemNotSingleKey;
    return;
  }
  n.type_name = entry->string ? entry->string : "";
  if (n.type_name == "sessionInvitationNotification") n.type = NotificationType::kInvitation;
  else if (n.type_name == "sessionStatusNotification") n.type = NotificationType::kStatus;
  else n.type = NotificationType::kOther;
  const cJSON* v = entry;
  if (!cJSON_IsObject(v)) {
    n.error = NotificationError::kValueNotObject;
    return;
  }
  // The id first: with it the notification can at least be acknowledged.
  const cJSON* ref = json_get(v, "notificationReference");
  if (!ref || !cJSON_IsObject(ref)) {
    n.error = NotificationError::kNoReference;
    return;
  }
  if (!integer_value(json_get(ref, "notificationId"), n.notification_id)) {
    n.error = NotificationError::kBadNotificationId;
    return;
  }
  n.has_id = true;
  integer_value(json_get(ref, "sequenceNumber"), n.sequence_number);
  integer_value(json_get(ref, "epochTime"), n.epoch_time);
  if (n.type == NotificationType::kOther) return;  // acknowledged, otherwise ignored

  auto fail = [&](NotificationError e) {
    if (n.error == NotificationError::kOk) n.error = e;
  };
  const cJSON* cref = json_get(v, "callObjectRef");
  if (!cref || !cJSON_IsString(cref)) {
    fail(NotificationError::kNoCallObjectRef);
  } else {
    n.call_object_ref = cref->valuestring;
    n.call_id = call_id_from_ref(n.call_object_ref);
    if (n.call_id.empty()) fail(NotificationError::kNoCallObjectRef);
  }
  if (n.type == NotificationType::kStatus) {
    const cJSON* st = json_get(v, "status");
    if (!st || !cJSON_IsString(st) || !*st->valuestring) fail(NotificationError::kNoStatus);
    else n.status = st->valuestring;
    const cJSON* rc = json_get(v, "responseCode");
    std::int64_t code = 0;
    if (rc && !cJSON_IsNull(rc)) {
      if (integer_value(rc, code) && code >= 0 && code < 1000) n.response_code = static_cast<int>(code);
      else fail(NotificationError::kBadFieldType);
    }
    if (!opt_string(v, "earlyMediaDirection", n.early_media_direction) || !opt_string(v, "reason", n.reason))
      fail(NotificationError::kBadFieldType);
  } else {
    const cJSON* orig = json_get(v, "originatorAddress");
    if (!orig || !cJSON_IsString(orig)) fail(NotificationError::kNoOriginator);
    else n.originator_address = orig->valuestring;
    if (!opt_string(v, "originatorName", n.originator_name) || !opt_string(v, "receiverAddress", n.receiver_address) ||
        !opt_string(v, "verificationStatus", n.verification_status))
      fail(NotificationError::kBadFieldType);
  }
  if (!opt_string(v, "sdp", n.sdp)) fail(NotificationError::kBadFieldType);
}

}  // namespace

NotificationError parse_notification_frame(std::string_view text, const NotificationSink& sink) {
  JsonDocument doc(text);
  if (!doc.ok()) return NotificationError::kNotJson;
  const cJSON* root = doc.root();
  if (!cJSON_IsObject(root)) return NotificationError::kNotObject;
  const cJSON* list = json_get(root, "notificationList");
  if (!list) return NotificationError::kNoNotificationList;
  if (!cJSON_IsArray(list)) return NotificationError::kListNotArray;
  const cJSON* item = nullptr;
  cJSON_ArrayForEach(item, list) {
    Notification n;
    parse_one(item, n);
    sink(n);
  }
  return NotificationError::kOk;
}

std::size_t write_notification_ack(std::int64_t id, char* out, std::size_t cap) {
  int n = std::snprintf(out, cap, "{\"notificationAck\":{\"notificationId\":%lld}}", static_cast<long long>(id));
  return n > 0 && static_cast<std::size_t>(n) < cap ? static_cast<std::size_t>(n) : 0;
}

}  // namespace dialtone::protocol::yna
