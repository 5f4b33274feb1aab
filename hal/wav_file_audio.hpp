// `"audio": {"backend": "file"}`: the microphone is a looped capture WAV, the
// earpiece a growing playback WAV, paced in real time on the loop's timers as
// a sound card would be (see FramePacer).
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "hal/audio_device.hpp"
#include "hal/frame_pacer.hpp"
#include "hal/wav_capture.hpp"
#include "hal/wav_playback.hpp"

namespace dialtone::hal {

class WavFileAudio final : public AudioDevice {
 public:
  // `capture` may be empty or missing (silence); `playback` may be empty
  // (the earpiece goes nowhere).
  WavFileAudio(std::uint32_t sample_rate, std::string_view capture, std::string_view playback);
  ~WavFileAudio() override;

  bool start(EventLoop& loop, FrameHandler handler) override;
  void stop() override;
  // Idle: no timer runs. On waking, the playback WAV gets the silence of the
  // idle time, so it stays a faithful recording of the earpiece in real time.
  void set_idle(bool idle) override;
  bool idle() const override { return idle_; }
  std::uint32_t sample_rate() const override { return rate_; }

  std::uint64_t frames_processed() const { return frames_; }
  std::uint64_t frames_dropped() const { return dropped_; }

 private:
  void on_timer();
  void run_frame();
  void arm();

  std::uint32_t rate_;
  FixedString<limits::kPathMax> capture_path_;
  FixedString<limits::kPathMax> playback_path_;
  WavCaptureSource capture_;
  WavPlaybackSink playback_;
  FramePacer pacer_;
  EventLoop* loop_ = nullptr;
  TimerId timer_{};
  bool idle_ = false;
  TimeMs idle_since_ = 0;
  FrameHandler handler_;
  std::uint64_t frames_ = 0;
  std::uint64_t dropped_ = 0;
  std::int16_t in_[limits::kFrameSamplesMax];
  std::int16_t out_[limits::kFrameSamplesMax];
};

}  // namespace dialtone::hal
