// RegistrationStatusResponse (yna-wire.md section 4): the channelUrl the
// phone will open next and the line that gives it its number.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/common/url.hpp"
#include "protocol/yna/registration.hpp"

using namespace dialtone::protocol;
using namespace dialtone::protocol::yna;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static RegistrationInfo info;
  static Url url;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  info = RegistrationInfo{};
  if (parse_registration_status(text, info) != StatusError::kOk) return 0;
  // Accepted: a WebSocket URL the channel can connect to, and a number.
  if (parse_url(info.channel_url.view(), url) != UrlError::kOk) __builtin_trap();
  if (url.scheme != Scheme::kWs && url.scheme != Scheme::kWss) __builtin_trap();
  if (info.msisdn.empty()) __builtin_trap();
  return 0;
}
