#include "firmware/app/tone_player.hpp"

namespace dialtone::app {
namespace {

constexpr hal::ToneSpec sit(std::uint16_t f) {
  hal::ToneSpec s{};
  s.freqs_hz = {f, 0, 0, 0};
  s.freq_count = 1;
  s.level_dbm0 = -24.0f;
  s.cadence.segments_ms = {330, 30};
  s.cadence.count = 2;
  s.cadence.repeat = false;
  return s;
}
constexpr hal::ToneSpec kSit[3] = {sit(950), sit(1400), sit(1800)};

}  // namespace

const hal::ToneSpec* TonePlayer::spec_for(handset::Tone t) const {
  switch (t) {
    case handset::Tone::kNone: return nullptr;
    case handset::Tone::kDial: return &plan_.dial;
    case handset::Tone::kReorder: return &plan_.reorder;
    case handset::Tone::kOffHookWarning: return &plan_.off_hook_warning;
    case handset::Tone::kBusy: return &plan_.busy;
    case handset::Tone::kRingback: return &plan_.ringback;
    case handset::Tone::kRing: return &plan_.ring;
    case handset::Tone::kCallWaiting: return &plan_.call_waiting;
    case handset::Tone::kNoLineAnnouncement: return &kSit[0];
  }
  return nullptr;
}

void TonePlayer::play(handset::Tone tone) {
  if (tone == tone_) return;
  tone_ = tone;
  sit_step_ = tone == handset::Tone::kNoLineAnnouncement ? 0 : -1;
  if (const hal::ToneSpec* s = spec_for(tone)) gen_.start(*s);
  else gen_.stop();
}

void TonePlayer::mix_into(std::span<std::int16_t> out) {
  gen_.mix_into(out);
  // The announcement is a sequence: three SIT tones, then reorder for good.
  if (sit_step_ >= 0 && gen_.finished()) {
    ++sit_step_;
    if (sit_step_ < 3) {
      gen_.start(kSit[sit_step_]);
    } else {
      sit_step_ = -1;
      gen_.start(plan_.reorder);
    }
  }
}

}  // namespace dialtone::app
