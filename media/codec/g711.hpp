// G.711 companding (ITU-T G.711): mu-law (PCMU) and A-law (PCMA), 8 kHz.
// Expansion uses 256-entry tables built at compile time; compression is the
// segment search (no 64 KB table on a small board).
#pragma once
#include <cstdint>
#include <span>

namespace dialtone::media::g711 {

std::uint8_t linear_to_ulaw(std::int16_t pcm);
std::int16_t ulaw_to_linear(std::uint8_t code);
std::uint8_t linear_to_alaw(std::int16_t pcm);
std::int16_t alaw_to_linear(std::uint8_t code);

void encode_ulaw(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out);
void decode_ulaw(std::span<const std::uint8_t> in, std::span<std::int16_t> pcm);
void encode_alaw(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out);
void decode_alaw(std::span<const std::uint8_t> in, std::span<std::int16_t> pcm);

}  // namespace dialtone::media::g711
