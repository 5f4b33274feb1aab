#include "hal/alsa_audio.hpp"

#include <alsa/asoundlib.h>

#include <algorithm>
#include <cerrno>

#include "firmware/core/log.hpp"

namespace dialtone::hal {

AlsaAudio::AlsaAudio(std::uint32_t sample_rate, std::string_view capture_device,
                     std::string_view playback_device)
    : rate_(sample_rate), capture_name_(capture_device), playback_name_(playback_device) {}

AlsaAudio::~AlsaAudio() { stop(); }

bool AlsaAudio::open_pcm(snd_pcm_t*& pcm, const char* name, bool capture, unsigned& channels) {
  const char* dir = capture ? "capture" : "playback";
  int err = snd_pcm_open(&pcm, name, capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK,
                         SND_PCM_NONBLOCK);
  if (err < 0) {
    DT_LOGE("audio", "alsa %s %s: open: %s", dir, name, snd_strerror(err));
    pcm = nullptr;
    return false;
  }
  snd_pcm_hw_params_t* hw;
  snd_pcm_hw_params_alloca(&hw);
  snd_pcm_uframes_t period = period_;
  snd_pcm_uframes_t buffer = period_ * 4;
  unsigned rate = rate_;
  channels = 1;
  const char* step = "hw_params_any";
  if ((err = snd_pcm_hw_params_any(pcm, hw)) < 0) goto fail;
  step = "access";
  if ((err = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0) goto fail;
  step = "format S16";
  if ((err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16)) < 0) goto fail;
  // Mono if the codec has it, else the nearest (stereo USB codecs are common).
  step = "channels";
  if (snd_pcm_hw_params_set_channels(pcm, hw, 1) < 0 &&
      (err = snd_pcm_hw_params_set_channels_near(pcm, hw, &channels)) < 0)
    goto fail;
  if (channels > kMaxChannels) {
    err = -EINVAL;
    goto fail;
  }
  step = "rate";
  if ((err = snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, nullptr)) < 0) goto fail;
  if (rate != rate_) {  // a "plughw:" device name gets ALSA to convert
    err = -EINVAL;
    goto fail;
  }
  step = "period size";
  if ((err = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, nullptr)) < 0) goto fail;
  step = "buffer size";
  if ((err = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer)) < 0) goto fail;
  step = "hw_params";
  if ((err = snd_pcm_hw_params(pcm, hw)) < 0) goto fail;
  if (period != period_)
    DT_LOGW("audio", "alsa %s %s: period %lu frames, not %zu: frames still go 20 ms at a time",
            dir, name, static_cast<unsigned long>(period), period_);
  {
    snd_pcm_sw_params_t* sw;
    snd_pcm_sw_params_alloca(&sw);
    step = "sw_params";
    if ((err = snd_pcm_sw_params_current(pcm, sw)) < 0) goto fail;
    if ((err = snd_pcm_sw_params_set_avail_min(pcm, sw, period_)) < 0) goto fail;
    // Capture is started by hand; playback starts once primed (two periods).
    if ((err = snd_pcm_sw_params_set_start_threshold(
             pcm, sw, capture ? buffer * 2 : static_cast<snd_pcm_uframes_t>(period_ * 2))) < 0)
      goto fail;
    if ((err = snd_pcm_sw_params(pcm, sw)) < 0) goto fail;
  }
  step = "prepare";
  if ((err = snd_pcm_prepare(pcm)) < 0) goto fail;
  DT_LOGI("audio", "alsa %s %s: %u Hz, %u ch, period %lu, buffer %lu", dir, name, rate, channels,
          static_cast<unsigned long>(period), static_cast<unsigned long>(buffer));
  return true;
fail:
  DT_LOGE("audio", "alsa %s %s: %s: %s", dir, name, step,
          err == -EINVAL && step[0] == 'r'   ? "rate not supported (try a plughw: device)"
          : err == -EINVAL && step[0] == 'c' ? "channel count not supported"
                                             : snd_strerror(err));
  snd_pcm_close(pcm);
  pcm = nullptr;
  return false;
}

bool AlsaAudio::start(EventLoop& loop, FrameHandler handler) {
  stop();
  if (rate_ % 50 != 0 || rate_ / 50 > limits::kFrameSamplesMax) {
    DT_LOGE("audio", "alsa: unsupported sample rate %u", rate_);
    return false;
  }
  period_ = rate_ / 50;
  if (!open_pcm(capture_, capture_name_.c_str(), true, capture_channels_) ||
      !open_pcm(playback_, playback_name_.c_str(), false, playback_channels_)) {
    close_all();
    return false;
  }
  const int count = snd_pcm_poll_descriptors_count(capture_);
  if (count <= 0 || count > static_cast<int>(kMaxPollFds) ||
      snd_pcm_poll_descriptors(capture_, pfds_, static_cast<unsigned>(count)) != count) {
    DT_LOGE("audio", "alsa capture %s: %d poll descriptors (max %zu)", capture_name_.c_str(), count,
            kMaxPollFds);
    close_all();
    return false;
  }
  npfds_ = count;
  loop_ = &loop;
  handler_ = std::move(handler);
  frames_ = xruns_ = playback_dropped_ = 0;
  playback_dead_ = false;
  for (int i = 0; i < npfds_; ++i) {
    const int fd = pfds_[i].fd;
    if (!loop.add_fd(fd, pfds_[i].events, [this, fd](short revents) { on_capture_ready(fd, revents); })) {
      close_all();
      return false;
    }
  }
  prime_playback();
  const int err = snd_pcm_start(capture_);
  if (err < 0) {
    DT_LOGE("audio", "alsa capture %s: start: %s", capture_name_.c_str(), snd_strerror(err));
    close_all();
    return false;
  }
  return true;
}

void AlsaAudio::stop() {
  close_all();
  idle_ = false;
  resume_loop_ = nullptr;
  resume_handler_ = nullptr;
}

void AlsaAudio::set_idle(bool idle) {
  if (idle == idle_) return;
  if (idle) {
    if (!loop_) return;  // not running: nothing to put to sleep
    resume_loop_ = loop_;
    resume_handler_ = handler_;
    close_all();
    idle_ = true;
    return;
  }
  idle_ = false;
  if (resume_loop_ && !start(*resume_loop_, std::move(resume_handler_)))
    DT_LOGE("audio", "alsa: the sound card did not come back from idle");
}

void AlsaAudio::detach(const char* why) {
  // The frame clock stops (an unplugged USB codec): take the descriptors off
  // the loop so a dead PCM cannot spin it. stop()/start() may try again.
  DT_LOGE("audio", "alsa %s: %s: audio stopped", capture_name_.c_str(), why);
  if (loop_)
    for (int i = 0; i < npfds_; ++i) loop_->remove_fd(pfds_[i].fd);
  npfds_ = 0;
}

void AlsaAudio::close_all() {
  if (loop_)
    for (int i = 0; i < npfds_; ++i) loop_->remove_fd(pfds_[i].fd);
  npfds_ = 0;
  loop_ = nullptr;
  handler_ = nullptr;
  if (capture_) snd_pcm_close(capture_);
  if (playback_) {
    snd_pcm_drop(playback_);
    snd_pcm_close(playback_);
  }
  capture_ = playback_ = nullptr;
}

bool AlsaAudio::recover(snd_pcm_t* pcm, int err, const char* what) {
  ++xruns_;
  DT_LOGW("audio", "alsa %s: %s, recovering", what, snd_strerror(err));
  const int rc = snd_pcm_recover(pcm, err, 1);
  if (rc < 0) {
    DT_LOGE("audio", "alsa %s: recover failed: %s", what, snd_strerror(rc));
    return false;
  }
  return true;
}

void AlsaAudio::prime_playback() {
  std::fill(out_, out_ + period_, std::int16_t{0});
  write_playback(out_);
  write_playback(out_);
}

void AlsaAudio::write_playback(const std::int16_t* mono) {
  if (playback_dead_) return;  // logged once when it died; capture keeps the clock
  const std::int16_t* buf = mono;
  if (playback_channels_ == 2) {
    for (std::size_t i = 0; i < period_; ++i) raw_[2 * i] = raw_[2 * i + 1] = mono[i];
    buf = raw_;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    const snd_pcm_sframes_t n = snd_pcm_writei(playback_, buf, period_);
    if (n >= 0) return;  // a short write only happens when the buffer is full: rest dropped
    if (n == -EAGAIN) {  // the card is behind us; dropping a frame beats blocking the loop
      ++playback_dropped_;
      return;
    }
    if (!recover(playback_, static_cast<int>(n), "playback")) {
      playback_dead_ = true;
      return;
    }
    // After an underrun the buffer is empty: prime it again before this frame.
    std::int16_t silence[limits::kFrameSamplesMax * kMaxChannels] = {};
    snd_pcm_writei(playback_, silence, period_);
  }
}

void AlsaAudio::on_capture_ready(int fd, short revents) {
  if (!capture_) return;
  // Plugins may mangle poll events; let alsa-lib translate them.
  pollfd fds[kMaxPollFds];
  for (int i = 0; i < npfds_; ++i) {
    fds[i] = pfds_[i];
    fds[i].revents = pfds_[i].fd == fd ? revents : 0;
  }
  unsigned short ev = 0;
  if (snd_pcm_poll_descriptors_revents(capture_, fds, static_cast<unsigned>(npfds_), &ev) < 0)
    ev = POLLIN;
  if (ev & (POLLERR | POLLHUP | POLLNVAL)) {
    const snd_pcm_state_t st = snd_pcm_state(capture_);
    if (st == SND_PCM_STATE_XRUN || st == SND_PCM_STATE_SUSPENDED) {
      if (recover(capture_, st == SND_PCM_STATE_XRUN ? -EPIPE : -ESTRPIPE, "capture"))
        snd_pcm_start(capture_);
      else
        detach("capture cannot be recovered");
      return;
    }
    if (st == SND_PCM_STATE_DISCONNECTED) {
      detach("capture device disconnected");
      return;
    }
  }
  if (!(ev & POLLIN)) return;
  // A bounded number of periods per wake-up, so a capture PCM that is always
  // ready (a null device) cannot starve the rest of the loop.
  for (std::uint32_t i = 0; i < kMaxPeriodsPerWake && capture_; ++i) {
    std::int16_t* dst = capture_channels_ == 2 ? raw_ : in_;
    const snd_pcm_sframes_t n = snd_pcm_readi(capture_, dst, period_);
    if (n == -EAGAIN || n == 0) return;
    if (n < 0) {
      if (recover(capture_, static_cast<int>(n), "capture"))
        snd_pcm_start(capture_);
      else
        detach("capture cannot be recovered");
      return;
    }
    if (static_cast<std::size_t>(n) < period_) {
      // Not a whole period (avail_min should prevent it): keep what came,
      // pad with silence; a frame is a frame.
      std::fill(dst + n * capture_channels_, dst + period_ * capture_channels_, std::int16_t{0});
    }
    if (capture_channels_ == 2)
      for (std::size_t s = 0; s < period_; ++s)
        in_[s] = static_cast<std::int16_t>((raw_[2 * s] + raw_[2 * s + 1]) / 2);
    std::fill(out_, out_ + period_, std::int16_t{0});
    FrameHandler h = handler_;  // the handler may stop() us
    if (h) h(std::span<const std::int16_t>(in_, period_), std::span<std::int16_t>(out_, period_));
    if (!capture_) return;
    ++frames_;
    write_playback(out_);
  }
}

}  // namespace dialtone::hal
