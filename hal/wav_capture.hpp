// The microphone of the file backend: a WAV file read in a loop, downmixed to
// mono and resampled (speexdsp) to the board rate. Opening allocates (the
// resampler state); reading a frame does not.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "hal/wav.hpp"

struct SpeexResamplerState_;

namespace dialtone::hal {

class WavCaptureSource {
 public:
  WavCaptureSource() = default;
  ~WavCaptureSource();
  WavCaptureSource(const WavCaptureSource&) = delete;
  WavCaptureSource& operator=(const WavCaptureSource&) = delete;

  // A missing or unreadable file is not an error: the source plays silence
  // and says so in the log (a board may be started before its test signal
  // exists). Returns whether real samples will flow.
  bool open(std::string_view path, std::uint32_t out_rate);
  void close();
  bool active() const { return fd_ >= 0; }
  const WavFormat& format() const { return fmt_; }

  // Fills `out` completely (mono, out_rate), looping the file.
  void read(std::span<std::int16_t> out);

 private:
  bool refill();  // file -> mono_ (at the file's rate); false when nothing can be read

  int fd_ = -1;
  WavFormat fmt_{};
  std::uint64_t pos_ = 0;  // bytes into the data chunk
  SpeexResamplerState_* resampler_ = nullptr;
  std::uint8_t raw_[4096];
  std::int16_t mono_[4096];
  std::size_t mono_len_ = 0;
  std::size_t mono_pos_ = 0;
};

}  // namespace dialtone::hal
