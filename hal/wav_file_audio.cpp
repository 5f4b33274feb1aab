#include "hal/wav_file_audio.hpp"

#include <algorithm>

#include "firmware/core/log.hpp"

namespace dialtone::hal {

WavFileAudio::WavFileAudio(std::uint32_t sample_rate, std::string_view capture,
                           std::string_view playback)
    : rate_(sample_rate), capture_path_(capture), playback_path_(playback) {}

WavFileAudio::~WavFileAudio() { stop(); }

bool WavFileAudio::start(EventLoop& loop, FrameHandler handler) {
  stop();
  if (rate_ % 50 != 0 || rate_ / 50 > limits::kFrameSamplesMax) {
    DT_LOGE("audio", "file backend: unsupported sample rate %u", rate_);
    return false;
  }
  if (!playback_path_.view().empty() && !playback_.open(playback_path_, rate_)) return false;
  capture_.open(capture_path_, rate_);  // failure means silence, already logged
  loop_ = &loop;
  handler_ = std::move(handler);
  frames_ = dropped_ = 0;
  idle_ = false;
  pacer_.start(monotonic_ms());
  arm();
  return true;
}

void WavFileAudio::stop() {
  if (loop_) loop_->cancel_timer(timer_);
  loop_ = nullptr;
  handler_ = nullptr;
  capture_.close();
  playback_.close();
}

void WavFileAudio::set_idle(bool idle) {
  if (idle == idle_ || !loop_) return;
  idle_ = idle;
  if (idle) {
    loop_->cancel_timer(timer_);
    idle_since_ = monotonic_ms();
    return;
  }
  const TimeMs now = monotonic_ms();
  const std::size_t n = frame_samples();
  std::fill(out_, out_ + n, std::int16_t{0});
  for (TimeMs t = idle_since_; t + FramePacer::kFrameMs <= now; t += FramePacer::kFrameMs)
    playback_.write(std::span<const std::int16_t>(out_, n));
  pacer_.start(now);
  arm();
}

void WavFileAudio::arm() {
  timer_ = loop_->add_timer_at(pacer_.next_deadline(), [this] { on_timer(); });
}

void WavFileAudio::on_timer() {
  timer_ = TimerId{};
  // The real clock, not loop.now(): earlier handlers of this round may have
  // taken a while.
  const FramePacer::Tick t = pacer_.tick(monotonic_ms());
  if (t.dropped) {
    dropped_ += t.dropped;
    DT_LOGW("audio", "file backend fell %u frames behind: skipped them", t.dropped);
  }
  for (std::uint32_t i = 0; i < t.run && loop_; ++i) run_frame();
  if (loop_ && !idle_) arm();  // the handler may have stopped us
}

void WavFileAudio::run_frame() {
  const std::size_t n = frame_samples();
  std::span<std::int16_t> in(in_, n);
  std::span<std::int16_t> out(out_, n);
  capture_.read(in);
  std::fill(out.begin(), out.end(), std::int16_t{0});
  // A copy (fixed size, no heap): the handler may stop() us and reset handler_.
  FrameHandler h = handler_;
  if (h) h(in, out);
  ++frames_;
  playback_.write(out);
}

}  // namespace dialtone::hal
