#include "protocol/common/base64.hpp"

namespace dialtone::protocol {
namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::optional<std::size_t> encode(std::span<const std::uint8_t> in, std::span<char> out, const char* alphabet,
                                  bool pad) {
  std::size_t need = pad ? base64_encoded_size(in.size()) : base64url_encoded_size(in.size());
  if (need > out.size()) return std::nullopt;
  std::size_t o = 0, i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out[o++] = alphabet[(v >> 18) & 63];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    out[o++] = alphabet[v & 63];
  }
  std::size_t rest = in.size() - i;
  if (rest) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
    out[o++] = alphabet[(v >> 18) & 63];
    out[o++] = alphabet[(v >> 12) & 63];
    if (rest == 2) out[o++] = alphabet[(v >> 6) & 63];
    else if (pad) out[o++] = '=';
    if (pad) out[o++] = '=';
  }
  return o;
}

int value_of(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == (url ? '-' : '+')) return 62;
  if (c == (url ? '_' : '/')) return 63;
  return -1;
}

std::optional<std::size_t> decode(std::string_view in, std::span<std::uint8_t> out, bool url) {
  if (!url && in.size() % 4 == 0 && !in.empty()) {
    if (in.back() == '=') in.remove_suffix(1);
    if (!in.empty() && in.back() == '=') in.remove_suffix(1);
  }
  if (in.size() % 4 == 1) return std::nullopt;
  std::size_t need = in.size() * 3 / 4;
  if (need > out.size()) return std::nullopt;
  std::size_t o = 0;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value_of(c, url);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = static_cast<std::uint8_t>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero, or the text is not what an encoder writes.
  if (bits && (acc & ((1u << bits) - 1))) return std::nullopt;
  return o;
}

}  // namespace

std::optional<std::size_t> base64_encode(std::span<const std::uint8_t> in, std::span<char> out) {
  return encode(in, out, kStd, true);
}
std::optional<std::size_t> base64url_encode(std::span<const std::uint8_t> in, std::span<char> out) {
  return encode(in, out, kUrl, false);
}
std::optional<std::size_t> base64_decode(std::string_view in, std::span<std::uint8_t> out) {
  return decode(in, out, false);
}
std::optional<std::size_t> base64url_decode(std::string_view in, std::span<std::uint8_t> out) {
  return decode(in, out, true);
}

}  // namespace dialtone::protocol
