// RFC 4028 header values: Session-Expires ("1800;refresher=uac", compact
// form "x") and Min-SE ("90"). Pure; the header's value in, numbers out.
#pragma once
#include <cstdint>
#include <string_view>

namespace dialtone::protocol::sip {

// RFC 4028 section 4: no session interval may be shorter than 90 s.
inline constexpr std::uint32_t kMinSessionExpiresS = 90;

enum class Refresher : std::uint8_t { kNone, kUac, kUas };

struct SessionExpires {
  std::uint32_t seconds = 0;
  Refresher refresher = Refresher::kNone;  // kNone: the parameter was absent
};

enum class SessionExpiresError : std::uint8_t { kOk, kBadDelta, kBadRefresher };
const char* to_string(SessionExpiresError e);

SessionExpiresError parse_session_expires(std::string_view value, SessionExpires& out);
// Min-SE: delta-seconds and generic parameters, which are skipped.
SessionExpiresError parse_min_se(std::string_view value, std::uint32_t& seconds);

}  // namespace dialtone::protocol::sip
