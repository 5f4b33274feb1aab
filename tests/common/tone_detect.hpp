// Test helper: is a frequency present in a block of samples? Goertzel power
// relative to the block's total power, so the answer does not depend on level.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

namespace dialtone::test {

// Power of `freq_hz` in `x` as a fraction of the block's energy (0..1).
// A pure tone gives ~0.5 per component (the other half is its mirror image).
inline double tone_power_ratio(std::span<const std::int16_t> x, double freq_hz, double rate_hz) {
  if (x.empty()) return 0;
  const double w = 2.0 * M_PI * freq_hz / rate_hz;
  const double coeff = 2.0 * std::cos(w);
  double s1 = 0, s2 = 0, energy = 0;
  for (std::int16_t v : x) {
    double s = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
    energy += static_cast<double>(v) * v;
  }
  if (energy <= 0) return 0;
  double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0 * power / (static_cast<double>(x.size()) * energy);
}

inline bool has_tone(std::span<const std::int16_t> x, double freq_hz, double rate_hz, double min_ratio = 0.1) {
  return tone_power_ratio(x, freq_hz, rate_hz) >= min_ratio;
}

inline double rms(std::span<const std::int16_t> x) {
  if (x.empty()) return 0;
  double e = 0;
  for (std::int16_t v : x) e += static_cast<double>(v) * v;
  return std::sqrt(e / static_cast<double>(x.size()));
}

}  // namespace dialtone::test
