// A call-progress tone as data (after pjmedia's tonegen): up to four summed
// frequencies at one level, and a cadence of on/off segments. Countries differ
// only in these numbers, so a tone plan is a table, not code.
#pragma once
#include <array>
#include <cstdint>

namespace dialtone::media {

struct ToneSpec {
  std::array<std::uint16_t, 4> freqs_hz{};  // 0 = unused
  float level_dbfs = -16.0f;                // per frequency component
  // Alternating on/off durations in ms, starting with "on". A single
  // {0} or an empty cadence means continuous.
  std::array<std::uint16_t, 8> cadence_ms{};
  bool repeat = true;  // false: play the cadence once, then silence
};

}  // namespace dialtone::media
