// `"audio": {"backend": "alsa"}`: the board's sound card. Both PCMs are
// non-blocking with 20 ms periods. The capture PCM is the clock: its poll
// descriptors (snd_pcm_poll_descriptors) sit on the event loop, and each
// captured period runs the frame handler once and writes its playback
// period. One codec has one crystal, so playback cannot drift from capture;
// playback is primed with two periods of silence to absorb scheduling
// jitter. Xruns are recovered with snd_pcm_recover and logged.
#pragma once
#include <poll.h>

#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "hal/audio_device.hpp"

typedef struct _snd_pcm snd_pcm_t;

namespace dialtone::hal {

class AlsaAudio final : public AudioDevice {
 public:
  AlsaAudio(std::uint32_t sample_rate, std::string_view capture_device,
            std::string_view playback_device);
  ~AlsaAudio() override;

  bool start(EventLoop& loop, FrameHandler handler) override;
  void stop() override;
  // Idle closes both PCMs (no poll descriptors, no wake-ups); waking opens
  // them again as start() does.
  void set_idle(bool idle) override;
  bool idle() const override { return idle_; }
  std::uint32_t sample_rate() const override { return rate_; }

  std::uint64_t frames_processed() const { return frames_; }
  std::uint64_t xruns() const { return xruns_; }
  std::uint64_t playback_dropped() const { return playback_dropped_; }

 private:
  static constexpr std::size_t kMaxChannels = 2;  // mono codecs, or stereo ones we up/downmix
  static constexpr std::size_t kMaxPollFds = 4;
  static constexpr std::uint32_t kMaxPeriodsPerWake = 4;

  bool open_pcm(snd_pcm_t*& pcm, const char* name, bool capture, unsigned& channels);
  void on_capture_ready(int fd, short revents);
  bool recover(snd_pcm_t* pcm, int err, const char* what);
  void prime_playback();
  void write_playback(const std::int16_t* mono);
  void close_all();
  void detach(const char* why);

  std::uint32_t rate_;
  FixedString<limits::kPathMax> capture_name_;
  FixedString<limits::kPathMax> playback_name_;
  snd_pcm_t* capture_ = nullptr;
  snd_pcm_t* playback_ = nullptr;
  unsigned capture_channels_ = 1;
  unsigned playback_channels_ = 1;
  std::size_t period_ = 0;  // frames
  EventLoop* loop_ = nullptr;
  FrameHandler handler_;
  // While idle the PCMs are closed (the codec may power down); these bring
  // them back.
  bool idle_ = false;
  EventLoop* resume_loop_ = nullptr;
  FrameHandler resume_handler_;
  pollfd pfds_[kMaxPollFds]{};
  int npfds_ = 0;
  bool playback_dead_ = false;
  std::uint64_t frames_ = 0;
  std::uint64_t xruns_ = 0;
  std::uint64_t playback_dropped_ = 0;
  std::int16_t raw_[limits::kFrameSamplesMax * kMaxChannels];
  std::int16_t in_[limits::kFrameSamplesMax];
  std::int16_t out_[limits::kFrameSamplesMax];
};

}  // namespace dialtone::hal
