// Base64 and base64url (Basic credentials, Sec-WebSocket-Key/Accept, the PoP
// token's JWS parts). Decoding accepts only what an encoder writes, so any
// text that decodes must encode back to itself (padding aside for base64),
// and any bytes must survive encode then decode.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

#include "protocol/common/base64.hpp"

using namespace dialtone::protocol;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

std::string_view unpadded(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  return s;
}

constexpr std::size_t kMax = 16 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::array<std::uint8_t, kMax> bytes;
  static std::array<char, kMax * 2> text;
  if (size > kMax) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::span<const std::uint8_t> raw(data, size);

  // Text -> bytes -> text.
  if (auto n = base64_decode(in, bytes)) {
    check(*n <= size * 3 / 4);
    auto m = base64_encode(std::span<const std::uint8_t>(bytes.data(), *n), text);
    check(m && unpadded({text.data(), *m}) == unpadded(in));
  }
  if (auto n = base64url_decode(in, bytes)) {
    auto m = base64url_encode(std::span<const std::uint8_t>(bytes.data(), *n), text);
    check(m && std::string_view(text.data(), *m) == in);
  }
  // A buffer one byte short is refused, never overrun.
  if (size > 0) check(!base64_encode(raw, std::span<char>(text.data(), base64_encoded_size(size) - 1)));

  // Bytes -> text -> bytes.
  auto m = base64_encode(raw, text);
  check(m && *m == base64_encoded_size(size));
  auto n = base64_decode({text.data(), *m}, bytes);
  check(n && *n == size && (size == 0 || std::memcmp(bytes.data(), data, size) == 0));
  m = base64url_encode(raw, text);
  check(m && *m == base64url_encoded_size(size));
  n = base64url_decode({text.data(), *m}, bytes);
  check(n && *n == size && (size == 0 || std::memcmp(bytes.data(), data, size) == 0));
  return 0;
}
