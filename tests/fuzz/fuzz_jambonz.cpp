// jambonz's RecentCalls and Alerts answers, createCall's answer and its
// error bodies (services.md section 2).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/jambonz/jambonz_api.hpp"

using namespace dialtone::protocol::jambonz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static RecentCallsPage calls;
  static AlertsPage alerts;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // Accepted pages hold only rows with their required fields.
  if (parse_recent_calls(text, calls) == ParseError::kOk && calls.calls.size() > calls.calls.capacity())
    __builtin_trap();
  parse_alerts(text, alerts);
  static CallSid sid;
  if (parse_call_created(text, sid) && sid.empty()) __builtin_trap();
  static Text why;
  describe_error(400, text, why);
  if (why.empty()) __builtin_trap();
  return 0;
}
