#include "media/tones/tone_generator.hpp"

#include <cmath>

namespace dialtone::media {
namespace {

constexpr std::size_t kTableBits = 10;
constexpr std::size_t kTableSize = 1u << kTableBits;

// One sine period; built once, read with linear interpolation.
struct SineTable {
  float v[kTableSize + 1];
  SineTable() {
    for (std::size_t i = 0; i <= kTableSize; ++i)
      v[i] = static_cast<float>(std::sin(2.0 * M_PI * static_cast<double>(i) / kTableSize));
  }
};
const SineTable& table() {
  static const SineTable t;
  return t;
}

inline float sine_q32(std::uint32_t phase) {
  const SineTable& t = table();
  std::uint32_t idx = phase >> (32 - kTableBits);
  float frac = static_cast<float>(phase & ((1u << (32 - kTableBits)) - 1)) / static_cast<float>(1u << (32 - kTableBits));
  return t.v[idx] + (t.v[idx + 1] - t.v[idx]) * frac;
}

}  // namespace

void ToneGenerator::start(const hal::ToneSpec& spec) {
  spec_ = spec;
  active_ = true;
  finished_ = false;
  for (std::size_t i = 0; i < 4; ++i) {
    phase_[i] = 0;
    const double f = i < spec.freq_count ? spec.freqs_hz[i] : 0.0;
    step_[i] = static_cast<std::uint32_t>(std::llround(f * 4294967296.0 / rate_));
  }
  amplitude_ = hal::dbm0_to_amplitude(spec.level_dbm0);
  continuous_ = spec.cadence.continuous();
  segment_ = 0;
  segment_left_ = continuous_ ? 0 : static_cast<std::uint64_t>(spec.cadence.segments_ms[0]) * rate_ / 1000;
  if (!continuous_ && spec.cadence.period_ms() == 0) {  // all-zero cadence: nothing to play
    active_ = false;
    finished_ = true;
  }
}

void ToneGenerator::mix_into(std::span<std::int16_t> out) {
  if (!active_) return;
  for (auto& sample : out) {
    if (!continuous_) {
      while (segment_left_ == 0) {
        ++segment_;
        if (segment_ >= spec_.cadence.count) {
          if (!spec_.cadence.repeat) {
            active_ = false;
            finished_ = true;
            return;
          }
          segment_ = 0;
        }
        segment_left_ = static_cast<std::uint64_t>(spec_.cadence.segments_ms[segment_]) * rate_ / 1000;
      }
      --segment_left_;
    }
    bool on = continuous_ || (segment_ % 2 == 0);
    float acc = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      if (!step_[i]) continue;
      if (on) acc += sine_q32(phase_[i]);
      phase_[i] += step_[i];
    }
    if (!on) continue;
    int v = sample + static_cast<int>(acc * amplitude_);
    sample = static_cast<std::int16_t>(v > 32767 ? 32767 : (v < -32768 ? -32768 : v));
  }
}

}  // namespace dialtone::media
