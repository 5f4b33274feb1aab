// The earpiece of the file backend: a mono 16-bit WAV that grows as frames
// are played. Its header is rewritten every `header_every_frames` frames and
// on close, so a reader (or a test after kill -9) always finds a valid file
// whose sizes lag the data by at most that much.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace dialtone::hal {

class WavPlaybackSink {
 public:
  WavPlaybackSink() = default;
  ~WavPlaybackSink();
  WavPlaybackSink(const WavPlaybackSink&) = delete;
  WavPlaybackSink& operator=(const WavPlaybackSink&) = delete;

  // Creates (truncates) the file. False and a logged reason on failure.
  bool open(std::string_view path, std::uint32_t sample_rate,
            std::uint32_t header_every_frames = 50);
  void write(std::span<const std::int16_t> frame);
  void update_header();
  void close();  // final header, then close
  bool active() const { return fd_ >= 0; }
  std::uint64_t bytes_written() const { return data_bytes_; }

 private:
  int fd_ = -1;
  std::uint32_t rate_ = 0;
  std::uint32_t header_every_ = 50;
  std::uint32_t frames_since_header_ = 0;
  std::uint64_t data_bytes_ = 0;
  bool write_failed_ = false;  // log a failing disk once, not 50 times a second
};

}  // namespace dialtone::hal
