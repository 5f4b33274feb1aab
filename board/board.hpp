// Supported boards, as constexpr data: what the firmware needs to know about
// a piece of hardware (codec rate and ALSA names, GPIO lines and polarity,
// whether it has a bell, which country's tones it plays). Adding a board or a
// country is adding a table, not code.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "hal/gpio_input.hpp"
#include "hal/tone_plan.hpp"

namespace dialtone::board {

enum class AudioBackend : std::uint8_t { kFile, kAlsa };

// What "audio" means when the config does not say.
struct AudioDefaults {
  AudioBackend backend = AudioBackend::kFile;
  std::string_view capture;   // ALSA device name or WAV path ("" = none)
  std::string_view playback;
};

struct GpioLayout {
  std::string_view chip;           // gpiod_chip_open_lookup: "gpiochip0", a label, a path
  hal::GpioLine hook;              // active = off hook
  std::span<const hal::KeyLine> keys;  // direct lines, one per key; active = pressed
  hal::GpioLine ringer;            // active = bell on; not fitted on boards without one
  std::uint16_t debounce_ms = 25;
};

struct BoardDescription {
  std::string_view name;
  std::string_view summary;
  std::uint32_t sample_rate;        // codec rate: 8000, 16000 or 48000
  AudioDefaults audio;
  bool simulated_handset;           // true: hook/keys come from the control socket
  GpioLayout gpio;                  // used when !simulated_handset
  bool hardware_ringer;             // false: the firmware plays tones->ring into the earpiece
  const hal::TonePlan* tones;
  // Opus encoder complexity, 0..10, chosen for this board's CPU by
  // bench/opus_complexity.py (quality against instructions per frame; the
  // figures are in docs/boards.md, "Opus complexity").
  std::uint8_t opus_complexity;
};

// nullptr for an unknown name.
const BoardDescription* find_board(std::string_view name);
std::span<const BoardDescription* const> all_boards();

// Tone plans by country ("us", "uk"); nullptr for an unknown one.
const hal::TonePlan* find_tone_plan(std::string_view country);

}  // namespace dialtone::board
