// Builds a board's HAL (audio device, handset input, ringer) from its
// description and the config's "audio" section. All devices live inside
// BoardHal (no heap); nothing is started: the firmware starts them on its loop.
#pragma once
#include <cjson/cJSON.h>

#include <optional>

#include "board/board.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "hal/alsa_audio.hpp"
#include "hal/gpio_input.hpp"
#include "hal/sim_input.hpp"
#include "hal/wav_file_audio.hpp"

namespace dialtone::board {

using ConfigError = FixedString<192>;

// The config's "audio" object. Absent keys fall back to the board's defaults.
struct AudioConfig {
  std::optional<AudioBackend> backend;
  std::optional<FixedString<limits::kPathMax>> capture;
  std::optional<FixedString<limits::kPathMax>> playback;
};

// `audio` is the value of the "audio" key (nullptr when the key is absent).
// On error, `error` names the key and the reason, e.g.
// `audio.backend: must be "file" or "alsa"`.
bool parse_audio_config(const cJSON* audio, AudioConfig& out, ConfigError& error);

class BoardHal {
 public:
  BoardHal() = default;
  BoardHal(const BoardHal&) = delete;
  BoardHal& operator=(const BoardHal&) = delete;

  // Constructs the devices for `board`; the ringer line (if any) is claimed
  // now so a board that is wired wrong fails at start-up. False + reason.
  bool build(const BoardDescription& board, const AudioConfig& audio, ConfigError& error);

  const BoardDescription& board() const { return *board_; }
  hal::AudioDevice& audio();
  hal::InputDevice& input();
  hal::Ringer& ringer();

  // Non-null on a simulated handset: the control socket drives it.
  hal::SimInput* sim_input() { return sim_input_ ? &*sim_input_ : nullptr; }
  // Non-null on a board without a bell: the firmware plays board().tones->ring
  // into the earpiece while the ringer is on.
  hal::SimRinger* sim_ringer() { return sim_ringer_ ? &*sim_ringer_ : nullptr; }

  AudioBackend audio_backend() const { return alsa_ ? AudioBackend::kAlsa : AudioBackend::kFile; }

 private:
  void reset();

  const BoardDescription* board_ = nullptr;
  std::optional<hal::WavFileAudio> file_;
  std::optional<hal::AlsaAudio> alsa_;
  std::optional<hal::SimInput> sim_input_;
  std::optional<hal::GpioInput> gpio_input_;
  std::optional<hal::SimRinger> sim_ringer_;
  std::optional<hal::GpioRinger> gpio_ringer_;
};

}  // namespace dialtone::board
