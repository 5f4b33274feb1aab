// RIFF/WAVE headers, pure: bytes in, a format or a named error out; and the
// 44-byte header we write for our own mono 16-bit files.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace dialtone::hal {

enum class WavSampleType : std::uint8_t { kInt, kFloat };

struct WavFormat {
  WavSampleType type = WavSampleType::kInt;
  std::uint16_t channels = 0;
  std::uint32_t sample_rate = 0;
  std::uint16_t bits = 0;          // 8, 16, 24, 32 (int) or 32 (float)
  std::uint16_t block_align = 0;   // bytes per frame (all channels)
  std::uint64_t data_offset = 0;   // where the samples start in the file
  std::uint64_t data_bytes = 0;    // whole frames only, clipped to the file
};

enum class WavError : std::uint8_t {
  kOk,
  kNotRiffWave,      // no "RIFF....WAVE"
  kNoFmt,            // "data" before "fmt " or no "fmt " in the header bytes given
  kNoData,           // no "data" chunk in the header bytes given
  kUnsupportedCodec, // not PCM / IEEE float (or extensible with either)
  kBadFormat,        // channels, rate, bits or block_align out of range
};
const char* wav_error_name(WavError e);

// `head` is the start of the file (the first 4 KiB is plenty for ordinary
// files); `file_size` clips the data size, so a header whose sizes were never
// fixed up (0 or 0xFFFFFFFF, a recorder that was killed) still reads.
WavError parse_wav_header(std::span<const std::uint8_t> head, std::uint64_t file_size,
                          WavFormat& out);

inline constexpr std::size_t kWavHeaderBytes = 44;
// Canonical PCM header: `channels` x 16-bit at `sample_rate`, `data_bytes` of samples.
void write_wav_header(std::span<std::uint8_t, kWavHeaderBytes> out, std::uint32_t sample_rate,
                      std::uint16_t channels, std::uint32_t data_bytes);

// One frame of the file (`block_align` bytes) -> one mono sample (channels
// averaged), any supported sample type.
std::int16_t wav_frame_to_mono(const std::uint8_t* frame, const WavFormat& fmt);

}  // namespace dialtone::hal
