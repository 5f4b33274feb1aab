#include "hal/wav_playback.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/log.hpp"
#include "hal/wav.hpp"

namespace dialtone::hal {
namespace {
// RIFF sizes are 32-bit; stop growing before they wrap (~12 h at 48 kHz).
constexpr std::uint64_t kMaxDataBytes = 0xFFFFFFFFull - 64;
static_assert(std::endian::native == std::endian::little, "samples are written as-is (LE)");
}  // namespace

WavPlaybackSink::~WavPlaybackSink() { close(); }

bool WavPlaybackSink::open(std::string_view path, std::uint32_t sample_rate,
                           std::uint32_t header_every_frames) {
  close();
  FixedString<limits::kPathMax> p;
  if (path.empty() || !p.assign(path)) {
    DT_LOGE("audio", "playback path empty or too long");
    return false;
  }
  fd_ = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    DT_LOGE("audio", "playback file %s: %s", p.c_str(), std::strerror(errno));
    return false;
  }
  rate_ = sample_rate;
  header_every_ = header_every_frames ? header_every_frames : 1;
  frames_since_header_ = 0;
  data_bytes_ = 0;
  write_failed_ = false;
  update_header();
  DT_LOGI("audio", "playback %s: %u Hz mono 16-bit", p.c_str(), rate_);
  return true;
}

void WavPlaybackSink::update_header() {
  if (fd_ < 0) return;
  std::uint8_t h[kWavHeaderBytes];
  write_wav_header(std::span<std::uint8_t, kWavHeaderBytes>(h), rate_, 1,
                   static_cast<std::uint32_t>(data_bytes_));
  if (::pwrite(fd_, h, sizeof h, 0) != static_cast<ssize_t>(sizeof h) && !write_failed_) {
    write_failed_ = true;
    DT_LOGE("audio", "playback header: %s", std::strerror(errno));
  }
  frames_since_header_ = 0;
}

void WavPlaybackSink::write(std::span<const std::int16_t> frame) {
  if (fd_ < 0) return;
  const std::size_t bytes = frame.size_bytes();
  if (data_bytes_ + bytes > kMaxDataBytes) return;
  const ssize_t n = ::pwrite(fd_, frame.data(), bytes,
                             static_cast<off_t>(kWavHeaderBytes + data_bytes_));
  if (n != static_cast<ssize_t>(bytes)) {
    if (!write_failed_) {
      write_failed_ = true;
      DT_LOGE("audio", "playback write: %s", n < 0 ? std::strerror(errno) : "short write");
    }
    return;
  }
  data_bytes_ += bytes;
  if (++frames_since_header_ >= header_every_) update_header();
}

void WavPlaybackSink::close() {
  if (fd_ < 0) return;
  update_header();
  ::close(fd_);
  fd_ = -1;
}

}  // namespace dialtone::hal
