// Mono 16-bit sample-rate conversion between the board (8, 16 or 48 kHz)
// and a codec (8 or 48 kHz), on speexdsp. speexdsp allocates its state and
// filter table in init(): call it at call set-up, never per frame.
// process() itself allocates nothing. Equal rates pass samples through.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

struct SpeexResamplerState_;

namespace dialtone::media {

class Resampler {
 public:
  Resampler() = default;
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  // quality 0..10 (speexdsp); 3 is its VoIP default and cheap on ARM.
  bool init(std::uint32_t in_rate, std::uint32_t out_rate, int quality = 3);
  // Converts `in`; returns the samples written to `out` (size out for a
  // whole frame: in.size() * out_rate / in_rate).
  std::size_t process(std::span<const std::int16_t> in, std::span<std::int16_t> out);
  void reset();
  std::uint32_t in_rate() const { return in_rate_; }
  std::uint32_t out_rate() const { return out_rate_; }
  bool passthrough() const { return in_rate_ == out_rate_; }

 private:
  void release();
  SpeexResamplerState_* state_ = nullptr;
  std::uint32_t in_rate_ = 0;
  std::uint32_t out_rate_ = 0;
};

}  // namespace dialtone::media
