// Real-time pacing for backends without a sound card clock, pure (takes
// `now`). Frame k is due at epoch + (k+1) * 20 ms: absolute deadlines, so
// timer lateness never accumulates into drift. When the loop falls behind it
// catches up at most kMaxBurst frames per wake-up; when it is so far behind
// that catching up would take a burst anyway (a stalled loop, a suspended
// board) it drops the excess and re-anchors, like an ALSA xrun.
#pragma once
#include <cstdint>

#include "firmware/core/clock.hpp"

namespace dialtone::hal {

class FramePacer {
 public:
  static constexpr TimeMs kFrameMs = 20;
  static constexpr std::uint32_t kMaxBurst = 3;      // frames run per wake-up at most
  static constexpr std::uint32_t kMaxBacklog = 10;   // beyond this (200 ms), drop

  struct Tick {
    std::uint32_t run = 0;      // frames to process now
    std::uint32_t dropped = 0;  // frames given up (report as an overrun)
  };

  void start(TimeMs now) {
    epoch_ = now;
    done_ = 0;
  }
  // What to do at `now`; the caller processes `run` frames then sleeps
  // until next_deadline().
  Tick tick(TimeMs now) {
    Tick t;
    const std::int64_t elapsed = now - epoch_;
    const std::uint64_t due = elapsed < 0 ? 0 : static_cast<std::uint64_t>(elapsed / kFrameMs);
    if (due <= done_) return t;
    std::uint64_t backlog = due - done_;
    if (backlog > kMaxBacklog) {
      // Keep one frame of backlog (runs now); the rest is skipped over.
      t.dropped = static_cast<std::uint32_t>(backlog - 1);
      done_ += backlog - 1;
      backlog = 1;
    }
    t.run = static_cast<std::uint32_t>(backlog < kMaxBurst ? backlog : kMaxBurst);
    done_ += t.run;
    return t;
  }
  // Absolute time the next frame falls due.
  TimeMs next_deadline() const { return epoch_ + static_cast<TimeMs>(done_ + 1) * kFrameMs; }
  std::uint64_t frames_done() const { return done_; }

 private:
  TimeMs epoch_ = 0;
  std::uint64_t done_ = 0;  // frames run or dropped since start
};

}  // namespace dialtone::hal
