// Lower-case hex encoding of bytes: random tokens, digests in tests and logs.
#pragma once
#include <cstdint>
#include <span>

namespace dialtone {

// Writes 2 * in.size() characters (no terminator); false when out is too small.
inline bool to_hex(std::span<const std::uint8_t> in, std::span<char> out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (out.size() < in.size() * 2) return false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[2 * i] = kDigits[in[i] >> 4];
    out[2 * i + 1] = kDigits[in[i] & 15];
  }
  return true;
}

}  // namespace dialtone
