#include "media/codec/g711.hpp"

#include <array>

namespace dialtone::media::g711 {
namespace {

constexpr int kUlawBias = 0x84;   // 132: shifts the segment boundaries onto powers of two
constexpr int kUlawClip = 32635;  // 32767 - bias

constexpr std::int16_t expand_ulaw(std::uint8_t code) {
  int u = static_cast<std::uint8_t>(~code);
  int t = ((u & 0x0F) << 3) + kUlawBias;
  t <<= (u & 0x70) >> 4;
  return static_cast<std::int16_t>((u & 0x80) ? (kUlawBias - t) : (t - kUlawBias));
}

constexpr std::int16_t expand_alaw(std::uint8_t code) {
  int a = code ^ 0x55;  // even bits are inverted on the line
  int t = (a & 0x0F) << 4;
  int seg = (a & 0x70) >> 4;
  if (seg == 0) {
    t += 8;
  } else {
    t += 0x108;
    t <<= seg - 1;
  }
  return static_cast<std::int16_t>((a & 0x80) ? t : -t);
}

template <std::int16_t (*F)(std::uint8_t)>
constexpr std::array<std::int16_t, 256> make_table() {
  std::array<std::int16_t, 256> t{};
  for (int i = 0; i < 256; ++i) t[static_cast<std::size_t>(i)] = F(static_cast<std::uint8_t>(i));
  return t;
}

constexpr auto kUlawTable = make_table<expand_ulaw>();
constexpr auto kAlawTable = make_table<expand_alaw>();

}  // namespace

std::uint8_t linear_to_ulaw(std::int16_t pcm) {
  int v = pcm;
  int sign = 0;
  if (v < 0) {
    v = -v;
    sign = 0x80;
  }
  if (v > kUlawClip) v = kUlawClip;
  v += kUlawBias;
  int exponent = 7;
  for (int mask = 0x4000; (v & mask) == 0 && exponent > 0; mask >>= 1) --exponent;
  int mantissa = (v >> (exponent + 3)) & 0x0F;
  return static_cast<std::uint8_t>(~(sign | (exponent << 4) | mantissa));
}

std::int16_t ulaw_to_linear(std::uint8_t code) { return kUlawTable[code]; }

std::uint8_t linear_to_alaw(std::int16_t pcm) {
  int v = pcm >> 3;  // A-law codes 13 bits
  int mask;
  if (v >= 0) {
    mask = 0xD5;
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  int seg = 0;
  for (int end = 0x1F; seg < 8 && v > end; end = (end << 1) | 1) ++seg;
  if (seg >= 8) return static_cast<std::uint8_t>(0x7F ^ mask);
  int code = seg << 4;
  code |= seg < 2 ? (v >> 1) & 0x0F : (v >> seg) & 0x0F;
  return static_cast<std::uint8_t>(code ^ mask);
}

std::int16_t alaw_to_linear(std::uint8_t code) { return kAlawTable[code]; }

void encode_ulaw(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) {
  for (std::size_t i = 0; i < pcm.size() && i < out.size(); ++i) out[i] = linear_to_ulaw(pcm[i]);
}
void decode_ulaw(std::span<const std::uint8_t> in, std::span<std::int16_t> pcm) {
  for (std::size_t i = 0; i < in.size() && i < pcm.size(); ++i) pcm[i] = kUlawTable[in[i]];
}
void encode_alaw(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out) {
  for (std::size_t i = 0; i < pcm.size() && i < out.size(); ++i) out[i] = linear_to_alaw(pcm[i]);
}
void decode_alaw(std::span<const std::uint8_t> in, std::span<std::int16_t> pcm) {
  for (std::size_t i = 0; i < in.size() && i < pcm.size(); ++i) pcm[i] = kAlawTable[in[i]];
}

}  // namespace dialtone::media::g711
