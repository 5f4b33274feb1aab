// Error bodies of the YNA REST API: ErrorInfo and CallProxyError
// (yna-wire.md section 2), as the REST client reads any non-2xx answer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/yna/yna_rest.hpp"

using namespace dialtone::protocol::yna;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static YnaError error;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bool found = parse_yna_error(text, error);
  // What the client logs on an error it understood.
  if (found && (!error.present || error.reason_code.size() > error.reason_code.capacity() ||
                error.message.size() > error.message.capacity()))
    __builtin_trap();
  if (!found && error.present) __builtin_trap();
  return 0;
}
