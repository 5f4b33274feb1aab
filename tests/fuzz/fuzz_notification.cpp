// YNA notification frames (yna-wire.md section 5), and what the channel
// does with each notification: acknowledge it when it has an id.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/yna/notification.hpp"

using namespace dialtone::protocol::yna;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Reads every byte a view covers, so a view past its arena shows up.
std::size_t touch(std::string_view s) {
  std::size_t sum = 0;
  for (char c : s) sum += static_cast<unsigned char>(c);
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t items = 0;
  NotificationError e = parse_notification_frame(text, [&items](const Notification& n) {
    ++items;
    to_string(n.type);
    to_string(n.error);
    volatile std::size_t sink = touch(n.type_name) + touch(n.call_object_ref) + touch(n.call_id) + touch(n.status) +
                                touch(n.early_media_direction) + touch(n.reason) + touch(n.sdp) +
                                touch(n.originator_address) + touch(n.originator_name) + touch(n.receiver_address) +
                                touch(n.verification_status);
    (void)sink;
    if (n.has_id) {
      char ack[64];
      check(write_notification_ack(n.notification_id, ack, sizeof ack) > 0);
    }
    if (n.error == NotificationError::kOk && n.type != NotificationType::kOther) check(!n.call_id.empty());
    if (n.type == NotificationType::kStatus && n.error == NotificationError::kOk) check(!n.status.empty());
    if (n.response_code) check(*n.response_code >= 0 && *n.response_code < 1000);
  });
  if (e != NotificationError::kOk) check(items == 0);
  call_id_from_ref(text);
  return 0;
}
