// Token endpoint answers (CPaaSTokenResponse) and the stored token file
// (yna-wire.md section 3). An accepted answer goes where the line sends it:
// serialized to the token file, which must read back the same, and handed
// to the TokenManager, which schedules its refresh from expires_in.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/yna/tokens.hpp"

using namespace dialtone::protocol::yna;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void use(const TokenPair& p) {
  static TokenManager tokens;
  static std::array<char, dialtone::limits::kYnaTokenFileMax> file;
  static TokenPair back;
  std::size_t n = serialize_tokens(p, file);
  check(n > 0);
  check(parse_token_file({file.data(), n}, back) == TokenError::kOk);
  check(back.access.view() == p.access.view() && back.refresh.view() == p.refresh.view());
  check(back.expires_in_s == p.expires_in_s && back.obtained_unix_s == p.obtained_unix_s);
  // A phone that booted a minute ago; the pair may come from any time.
  tokens.set(p, 60000, 1700000000);
  check(tokens.refresh_at() >= 60000);
  tokens.clear();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static TokenPair pair;  // two 4 KB tokens: keep it off the fuzzer's stack
  std::string_view text(reinterpret_cast<const char*>(data), size);
  TokenError e = parse_token_response(text, 1700000000, pair);
  to_string(e);
  if (e == TokenError::kOk) use(pair);
  e = parse_token_file(text, pair);
  if (e == TokenError::kOk) use(pair);
  return 0;
}
