// Monotonic milliseconds: the only clock the agent's logic sees. Engines take
// `now` as a parameter; only the loop reads the clock.
#pragma once
#include <cstdint>
#include <ctime>

namespace dialtone {

using TimeMs = std::int64_t;
// The deadline of something not scheduled: later than any real time.
inline constexpr TimeMs kNever = INT64_MAX;

inline TimeMs monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<TimeMs>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace dialtone
