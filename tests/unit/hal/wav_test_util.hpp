// Test-only helpers: write and read whole WAV files (tests may allocate).
#pragma once
#include <cmath>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hal/wav.hpp"

namespace dialtone::test {

// A 16-bit PCM WAV of `seconds` of a sine (same on every channel).
inline std::vector<std::uint8_t> make_sine_wav(std::uint32_t rate, std::uint16_t channels,
                                               double freq, double seconds, double amp = 12000) {
  const std::size_t frames = static_cast<std::size_t>(rate * seconds);
  std::vector<std::uint8_t> out(hal::kWavHeaderBytes + frames * channels * 2);
  hal::write_wav_header(std::span<std::uint8_t, hal::kWavHeaderBytes>(out.data(), hal::kWavHeaderBytes),
                        rate, channels, static_cast<std::uint32_t>(frames * channels * 2));
  for (std::size_t i = 0; i < frames; ++i) {
    const auto v = static_cast<std::int16_t>(std::lrint(amp * std::sin(2 * M_PI * freq * i / rate)));
    for (std::uint16_t c = 0; c < channels; ++c) {
      std::size_t o = hal::kWavHeaderBytes + (i * channels + c) * 2;
      out[o] = static_cast<std::uint8_t>(v & 0xff);
      out[o + 1] = static_cast<std::uint8_t>((v >> 8) & 0xff);
    }
  }
  return out;
}

inline void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Parses with our own parser and returns the mono samples (empty on error).
inline std::vector<std::int16_t> wav_samples(const std::vector<std::uint8_t>& file, hal::WavFormat& fmt) {
  if (hal::parse_wav_header(file, file.size(), fmt) != hal::WavError::kOk) return {};
  std::vector<std::int16_t> s;
  for (std::uint64_t o = fmt.data_offset; o + fmt.block_align <= fmt.data_offset + fmt.data_bytes;
       o += fmt.block_align)
    s.push_back(hal::wav_frame_to_mono(file.data() + o, fmt));
  return s;
}

inline std::string temp_path(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/dialtone-hal-" + std::to_string(::getpid()) + "-" + name;
}

}  // namespace dialtone::test
