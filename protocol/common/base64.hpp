// Base64 (RFC 4648 section 4, padded) and base64url (section 5, never padded,
// as JWS and the PoP token want). Pure functions over caller buffers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace dialtone::protocol {

constexpr std::size_t base64_encoded_size(std::size_t n) { return (n + 2) / 3 * 4; }
constexpr std::size_t base64url_encoded_size(std::size_t n) { return (n * 4 + 2) / 3; }

// Return the number of characters written, or nullopt when `out` is too small.
std::optional<std::size_t> base64_encode(std::span<const std::uint8_t> in, std::span<char> out);
std::optional<std::size_t> base64url_encode(std::span<const std::uint8_t> in, std::span<char> out);
inline std::optional<std::size_t> base64url_encode(std::string_view in, std::span<char> out) {
  return base64url_encode({reinterpret_cast<const std::uint8_t*>(in.data()), in.size()}, out);
}
inline std::optional<std::size_t> base64_encode(std::string_view in, std::span<char> out) {
  return base64_encode({reinterpret_cast<const std::uint8_t*>(in.data()), in.size()}, out);
}

// Decoding: base64 accepts optional padding, base64url accepts none. Any other
// character, or a length no encoder produces, is nullopt.
std::optional<std::size_t> base64_decode(std::string_view in, std::span<std::uint8_t> out);
std::optional<std::size_t> base64url_decode(std::string_view in, std::span<std::uint8_t> out);

}  // namespace dialtone::protocol
