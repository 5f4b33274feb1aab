#include "board/hal_factory.hpp"

#include <cassert>

#include "firmware/core/json.hpp"
#include "firmware/core/log.hpp"

namespace dialtone::board {
namespace {

bool read_string(const cJSON* obj, const char* key, std::optional<FixedString<limits::kPathMax>>& out,
                 ConfigError& error) {
  const cJSON* v = json_get(obj, key);
  if (!v) return true;
  error.assign("audio.");
  error.append(key);
  if (!cJSON_IsString(v)) {
    error.append(": must be a string");
    return false;
  }
  FixedString<limits::kPathMax> s;
  if (!s.assign(v->valuestring) || s.view().size() >= limits::kPathMax) {
    error.append(": longer than the path limit");
    return false;
  }
  out = s;
  error.clear();
  return true;
}

}  // namespace

bool parse_audio_config(const cJSON* audio, AudioConfig& out, ConfigError& error) {
  out = AudioConfig{};
  error.clear();
  if (!audio) return true;
  if (!cJSON_IsObject(audio)) {
    error.assign("audio: must be an object");
    return false;
  }
  if (const cJSON* b = json_get(audio, "backend")) {
    const std::string_view v = cJSON_IsString(b) ? std::string_view(b->valuestring) : "";
    if (v == "file") {
      out.backend = AudioBackend::kFile;
    } else if (v == "alsa") {
      out.backend = AudioBackend::kAlsa;
    } else {
      error.assign("audio.backend: must be \"file\" or \"alsa\"");
      return false;
    }
  }
  return read_string(audio, "capture", out.capture, error) &&
         read_string(audio, "playback", out.playback, error);
}

void BoardHal::reset() {
  file_.reset();
  alsa_.reset();
  sim_input_.reset();
  gpio_input_.reset();
  sim_ringer_.reset();
  gpio_ringer_.reset();
  board_ = nullptr;
}

bool BoardHal::build(const BoardDescription& board, const AudioConfig& audio, ConfigError& error) {
  reset();
  error.clear();
  const AudioBackend backend = audio.backend.value_or(board.audio.backend);
  // Names default to the board's only when the backend is the board's too:
  // ALSA device names make no sense as WAV paths and back.
  const bool same = backend == board.audio.backend;
  const std::string_view capture =
      audio.capture ? audio.capture->view() : (same ? board.audio.capture : std::string_view());
  const std::string_view playback =
      audio.playback ? audio.playback->view() : (same ? board.audio.playback : std::string_view());
  if (backend == AudioBackend::kAlsa) {
    if (capture.empty() || playback.empty()) {
      error.assign(capture.empty() ? "audio.capture" : "audio.playback");
      error.append(": an ALSA device name is needed on this board");
      return false;
    }
    alsa_.emplace(board.sample_rate, capture, playback);
  } else {
    file_.emplace(board.sample_rate, capture, playback);
  }

  if (board.simulated_handset) {
    sim_input_.emplace();
  } else {
    gpio_input_.emplace(hal::GpioInputConfig{board.gpio.chip, board.gpio.hook, board.gpio.keys,
                                             board.gpio.debounce_ms});
  }
  if (board.hardware_ringer) {
    gpio_ringer_.emplace(board.gpio.chip, board.gpio.ringer);
    if (!gpio_ringer_->open()) {
      error.assign("board ");
      error.append(board.name);
      error.append(": the ringer GPIO line cannot be claimed");
      reset();
      return false;
    }
  } else {
    sim_ringer_.emplace();
  }
  board_ = &board;
  DT_LOGI("board", "%.*s: %u Hz, %s audio, %s handset, %s ringer, %.*s tones",
          static_cast<int>(board.name.size()), board.name.data(), board.sample_rate,
          alsa_ ? "alsa" : "file", sim_input_ ? "simulated" : "gpio",
          gpio_ringer_ ? "gpio" : "earpiece", static_cast<int>(board.tones->country.size()),
          board.tones->country.data());
  return true;
}

hal::AudioDevice& BoardHal::audio() {
  assert(board_);
  if (alsa_) return *alsa_;
  return *file_;
}

hal::InputDevice& BoardHal::input() {
  assert(board_);
  if (gpio_input_) return *gpio_input_;
  return *sim_input_;
}

hal::Ringer& BoardHal::ringer() {
  assert(board_);
  if (gpio_ringer_) return *gpio_ringer_;
  return *sim_ringer_;
}

}  // namespace dialtone::board
