// Plays the handset's current tone from the board's tone plan into the
// earpiece. The "no line" announcement is the ITU-T E.180 special information
// tone (950, 1400, 1800 Hz, 330 ms each) before the plan's reorder, the
// telephone's way of saying "your call cannot be completed as dialled".
#pragma once
#include <cstdint>
#include <span>

#include "firmware/handset/handset.hpp"
#include "hal/tone_plan.hpp"
#include "media/tones/tone_generator.hpp"

namespace dialtone::app {

class TonePlayer {
 public:
  TonePlayer(const hal::TonePlan& plan, std::uint32_t rate) : plan_(plan), gen_(rate) {}

  void play(handset::Tone tone);
  handset::Tone playing() const { return tone_; }
  void mix_into(std::span<std::int16_t> out);

 private:
  const hal::ToneSpec* spec_for(handset::Tone t) const;
  const hal::TonePlan& plan_;
  media::ToneGenerator gen_;
  handset::Tone tone_ = handset::Tone::kNone;
  int sit_step_ = -1;  // index into the SIT sequence, -1 when not in it
};

}  // namespace dialtone::app
