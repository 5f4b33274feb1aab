// Synthesises a hal::ToneSpec (the board's tone plan) into 20 ms frames, sample-accurate across frames
// (the cadence and the phases carry over), with no allocation. The handset
// mixes its output into the earpiece frame.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "hal/tone_plan.hpp"

namespace dialtone::media {

class ToneGenerator {
 public:
  explicit ToneGenerator(std::uint32_t sample_rate = 8000) : rate_(sample_rate) {}

  void set_sample_rate(std::uint32_t rate) { rate_ = rate; }
  void start(const hal::ToneSpec& spec);
  void stop() { active_ = false; }
  bool active() const { return active_; }
  // True once a non-repeating cadence has played out.
  bool finished() const { return finished_; }

  // Adds the tone into `out` (saturating). Silent parts of the cadence add nothing.
  void mix_into(std::span<std::int16_t> out);

 private:
  hal::ToneSpec spec_{};
  std::uint32_t rate_;
  bool active_ = false;
  bool finished_ = false;
  std::uint32_t phase_[4]{};  // Q32 phase accumulators
  std::uint32_t step_[4]{};
  float amplitude_ = 0;
  std::size_t segment_ = 0;
  std::uint64_t segment_left_ = 0;  // samples left in the current segment
  bool continuous_ = true;
};

}  // namespace dialtone::media
