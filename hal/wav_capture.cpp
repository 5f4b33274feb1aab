#include "hal/wav_capture.hpp"

#include <fcntl.h>
#include <speex/speex_resampler.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/log.hpp"

namespace dialtone::hal {
namespace {
// speexdsp quality 0-10; 4 is its "VoIP" sweet spot on small CPUs.
constexpr int kResamplerQuality = 4;
}  // namespace

WavCaptureSource::~WavCaptureSource() { close(); }

void WavCaptureSource::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (resampler_) speex_resampler_destroy(resampler_);
  resampler_ = nullptr;
  mono_len_ = mono_pos_ = 0;
  pos_ = 0;
}

bool WavCaptureSource::open(std::string_view path, std::uint32_t out_rate) {
  close();
  FixedString<limits::kPathMax> p;
  if (path.empty()) {
    DT_LOGW("audio", "no capture file configured: the microphone is silent");
    return false;
  }
  if (!p.assign(path)) {
    DT_LOGW("audio", "capture path too long: the microphone is silent");
    return false;
  }
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    DT_LOGW("audio", "capture file %s: %s: the microphone is silent", p.c_str(),
            std::strerror(errno));
    return false;
  }
  struct stat st {};
  std::uint8_t head[4096];
  const ssize_t n = (::fstat(fd, &st) == 0) ? ::pread(fd, head, sizeof head, 0) : -1;
  const WavError e = n > 0 ? parse_wav_header({head, static_cast<std::size_t>(n)},
                                              static_cast<std::uint64_t>(st.st_size), fmt_)
                           : WavError::kNotRiffWave;
  if (e != WavError::kOk || fmt_.data_bytes == 0) {
    DT_LOGW("audio", "capture file %s: %s: the microphone is silent", p.c_str(),
            e != WavError::kOk ? wav_error_name(e) : "no samples");
    ::close(fd);
    return false;
  }
  if (fmt_.sample_rate != out_rate) {
    int err = 0;
    resampler_ = speex_resampler_init(1, fmt_.sample_rate, out_rate, kResamplerQuality, &err);
    if (!resampler_) {
      DT_LOGW("audio", "resampler %u->%u: %s: the microphone is silent", fmt_.sample_rate,
              out_rate, speex_resampler_strerror(err));
      ::close(fd);
      return false;
    }
    speex_resampler_skip_zeros(resampler_);
  }
  fd_ = fd;
  DT_LOGI("audio", "capture %s: %u Hz, %u ch, %u-bit, %.1f s, looped", p.c_str(),
          fmt_.sample_rate, fmt_.channels, fmt_.bits,
          static_cast<double>(fmt_.data_bytes / fmt_.block_align) / fmt_.sample_rate);
  return true;
}

bool WavCaptureSource::refill() {
  mono_pos_ = mono_len_ = 0;
  // Two attempts: the second starts over at the top of the data (the loop).
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (pos_ >= fmt_.data_bytes) pos_ = 0;
    std::size_t want = sizeof raw_ - sizeof raw_ % fmt_.block_align;
    want = static_cast<std::size_t>(std::min<std::uint64_t>(want, fmt_.data_bytes - pos_));
    const ssize_t n = ::pread(fd_, raw_, want, static_cast<off_t>(fmt_.data_offset + pos_));
    if (n <= 0) {  // truncated under us, or an I/O error: start over once
      pos_ = fmt_.data_bytes;
      continue;
    }
    const std::size_t frames = static_cast<std::size_t>(n) / fmt_.block_align;
    if (frames == 0) {
      pos_ = fmt_.data_bytes;
      continue;
    }
    for (std::size_t i = 0; i < frames; ++i) mono_[i] = wav_frame_to_mono(raw_ + i * fmt_.block_align, fmt_);
    mono_len_ = frames;
    pos_ += frames * fmt_.block_align;
    return true;
  }
  return false;
}

void WavCaptureSource::read(std::span<std::int16_t> out) {
  std::size_t produced = 0;
  // Bounded: each pass either produces samples or refills; a file that
  // cannot feed us any more falls back to silence instead of spinning.
  for (int guard = 0; produced < out.size() && fd_ >= 0 && guard < 64; ++guard) {
    if (mono_pos_ == mono_len_ && !refill()) break;
    spx_uint32_t in_len = static_cast<spx_uint32_t>(mono_len_ - mono_pos_);
    spx_uint32_t out_len = static_cast<spx_uint32_t>(out.size() - produced);
    if (!resampler_) {
      const spx_uint32_t n = std::min(in_len, out_len);
      std::memcpy(out.data() + produced, mono_ + mono_pos_, n * sizeof(std::int16_t));
      in_len = out_len = n;
    } else {
      speex_resampler_process_int(resampler_, 0, mono_ + mono_pos_, &in_len,
                                  out.data() + produced, &out_len);
    }
    mono_pos_ += in_len;
    produced += out_len;
  }
  if (produced < out.size())
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(produced), out.end(), std::int16_t{0});
}

}  // namespace dialtone::hal
