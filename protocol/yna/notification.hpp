// The notification frames of yna-wire.md section 5, parsed purely:
//   {"notificationList":[ {"<type>": {...}}, ... ]}
// Each notification comes out as a Notification whose views point into the
// JSON arena: they are valid only during the sink callback, and the callback
// must not parse another JSON document (the arena is shared). Copy what you
// keep.
//
// A notification with a usable notificationId is always handed to the sink
// (so it can be acknowledged), even when the rest of it is wrong; `error`
// then names what is wrong and the notification is not acted on.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/inplace_function.hpp"

namespace dialtone::protocol::yna {

enum class NotificationType : std::uint8_t { kInvitation, kStatus, kOther };
const char* to_string(NotificationType t);

enum class NotificationError : std::uint8_t {
  kOk,
  // frame level: nothing in the frame can be acknowledged
  kNotJson,
  kNotObject,
  kNoNotificationList,  // no "notificationList" key
  kListNotArray,
  // notification level
  kItemNotObject,          // a list element that is not an object
  kItemNotSingleKey,       // an element with zero or several keys
  kValueNotObject,         // the type's value is not an object
  kNoReference,            // notificationReference missing / not an object
  kBadNotificationId,      // notificationId missing or not an integer
  kNoCallObjectRef,        // callObjectRef missing, not a string, or without a last segment
  kNoStatus,               // sessionStatusNotification.status missing / not a string
  kNoOriginator,           // sessionInvitationNotification.originatorAddress missing / not a string
  kBadFieldType,           // an optional field of the wrong JSON type (sdp, responseCode, ...)
};
const char* to_string(NotificationError e);

struct Notification {
  NotificationType type = NotificationType::kOther;
  std::string_view type_name;           // the key, e.g. "sessionStatusNotification"
  NotificationError error = NotificationError::kOk;
  bool has_id = false;                  // notificationId present and an integer
  std::int64_t notification_id = 0;
  std::int64_t sequence_number = 0;
  std::int64_t epoch_time = 0;
  std::string_view call_object_ref;
  std::string_view call_id;             // last path segment of callObjectRef
  // sessionStatusNotification
  std::string_view status;              // "Ringing", "Connected", ...
  std::optional<int> response_code;
  std::string_view early_media_direction;
  std::string_view reason;
  // both
  std::string_view sdp;                 // empty when absent
  // sessionInvitationNotification
  std::string_view originator_address;
  std::string_view originator_name;
  std::string_view receiver_address;
  std::string_view verification_status;
};

using NotificationSink = InplaceFunction<void(const Notification&), 32>;

// Calls `sink` once per element of notificationList (errors included).
// Returns kOk or the frame-level error (then the sink was not called).
NotificationError parse_notification_frame(std::string_view text, const NotificationSink& sink);

// {"notificationAck":{"notificationId":<id>}}; 0 when `out` is too small.
std::size_t write_notification_ack(std::int64_t id, char* out, std::size_t cap);

// The last non-empty path segment of a URL (query and fragment ignored).
std::string_view call_id_from_ref(std::string_view ref);

}  // namespace dialtone::protocol::yna
