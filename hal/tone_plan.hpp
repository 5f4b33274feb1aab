// Call-progress tones and handset timing as data, so a country is a table,
// not code (pjmedia's tonegen model; pjsua's #defined US ringback is the
// anti-pattern). These types live in hal/ because both media/ (the tone
// generator) and board/ (the tables) need them and media/ may not use board/.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace dialtone::hal {

// On/off pattern. `segments_ms` alternates on, off, on, off...; a pattern of
// zero segments is a continuous tone. With `repeat` the pattern loops, without
// it the tone stops after the last segment.
struct Cadence {
  static constexpr std::size_t kMaxSegments = 8;
  std::array<std::uint16_t, kMaxSegments> segments_ms{};
  std::uint8_t count = 0;
  bool repeat = true;

  constexpr bool continuous() const { return count == 0; }
  // Total length of one pass of the pattern (0 for continuous).
  constexpr std::uint32_t period_ms() const {
    std::uint32_t t = 0;
    for (std::size_t i = 0; i < count; ++i) t += segments_ms[i];
    return t;
  }
  // Whether the tone sounds `t_ms` after it started.
  constexpr bool on_at(std::uint32_t t_ms) const {
    if (continuous()) return true;
    const std::uint32_t p = period_ms();
    if (p == 0) return false;
    if (t_ms >= p) {
      if (!repeat) return false;
      t_ms %= p;
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (t_ms < segments_ms[i]) return (i % 2) == 0;
      t_ms -= segments_ms[i];
    }
    return false;
  }
};

// A tone: up to four summed sine components (the North American off-hook
// warning has four), each at `level_dbm0`, under a cadence.
struct ToneSpec {
  static constexpr std::size_t kMaxFreqs = 4;
  std::array<std::uint16_t, kMaxFreqs> freqs_hz{};
  std::uint8_t freq_count = 0;
  float level_dbm0 = -13.0f;  // per component
  Cadence cadence{};
};

// dBm0 -> peak amplitude of one sine in 16-bit linear PCM. G.711's digital
// milliwatt: a full-scale sine is +3.14 dBm0, so 0 dBm0 peaks at
// 32767 * 10^(-3.14/20) ~ 22 700.
inline float dbm0_to_amplitude(float level_dbm0) {
  return 32767.0f * std::pow(10.0f, (level_dbm0 - 3.14f) / 20.0f);
}

// How long the handset waits for things (Telcordia-style defaults).
struct HandsetTiming {
  std::uint32_t interdigit_ms = 4000;         // dialled digits are complete after this pause
  std::uint32_t first_digit_ms = 15000;       // off hook with no digit -> reorder
  std::uint32_t reorder_ms = 30000;           // reorder, then off-hook warning (ROH)
  std::uint32_t hook_flash_min_ms = 100;      // on-hook pulses this long are a flash...
  std::uint32_t hook_flash_max_ms = 900;      // ...and longer ones a hang-up
};

// Everything country-specific the handset plays or waits for.
struct TonePlan {
  std::string_view country;  // "us", "uk"
  ToneSpec dial;
  ToneSpec ringback;
  ToneSpec busy;
  ToneSpec reorder;           // congestion / fast busy
  ToneSpec off_hook_warning;  // ROH / howler
  ToneSpec call_waiting;
  ToneSpec ring;              // the ringer's cadence; its freqs are what a board
                              // without a ringer plays into the earpiece
  HandsetTiming timing;
};

}  // namespace dialtone::hal
