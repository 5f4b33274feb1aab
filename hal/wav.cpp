#include "hal/wav.hpp"

#include <cmath>
#include <cstring>

namespace dialtone::hal {
namespace {

std::uint16_t rd16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint32_t rd32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
void wr16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
void wr32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatFloat = 3;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;

}  // namespace

const char* wav_error_name(WavError e) {
  switch (e) {
    case WavError::kOk: return "ok";
    case WavError::kNotRiffWave: return "not a RIFF/WAVE file";
    case WavError::kNoFmt: return "no fmt chunk";
    case WavError::kNoData: return "no data chunk";
    case WavError::kUnsupportedCodec: return "not PCM or IEEE float";
    case WavError::kBadFormat: return "unsupported channels/rate/bits";
  }
  return "?";
}

WavError parse_wav_header(std::span<const std::uint8_t> head, std::uint64_t file_size,
                          WavFormat& out) {
  out = WavFormat{};
  if (head.size() < 12 || std::memcmp(head.data(), "RIFF", 4) != 0 ||
      std::memcmp(head.data() + 8, "WAVE", 4) != 0)
    return WavError::kNotRiffWave;

  bool have_fmt = false;
  std::uint16_t codec = 0;
  std::size_t pos = 12;
  while (pos + 8 <= head.size()) {
    const std::uint8_t* chunk = head.data() + pos;
    const std::uint32_t size = rd32(chunk + 4);
    const std::size_t body = pos + 8;
    if (std::memcmp(chunk, "fmt ", 4) == 0) {
      if (size < 16 || body + 16 > head.size()) return WavError::kNoFmt;
      const std::uint8_t* f = head.data() + body;
      codec = rd16(f);
      out.channels = rd16(f + 2);
      out.sample_rate = rd32(f + 4);
      out.block_align = rd16(f + 12);
      out.bits = rd16(f + 14);
      if (codec == kFormatExtensible) {
        // WAVEFORMATEXTENSIBLE: the real codec is the first two bytes of the
        // SubFormat GUID (offset 24 of the fmt body).
        if (size < 40 || body + 40 > head.size()) return WavError::kUnsupportedCodec;
        codec = rd16(f + 24);
      }
      have_fmt = true;
    } else if (std::memcmp(chunk, "data", 4) == 0) {
      if (!have_fmt) return WavError::kNoFmt;
      if (codec == kFormatPcm) {
        out.type = WavSampleType::kInt;
        if (out.bits != 8 && out.bits != 16 && out.bits != 24 && out.bits != 32)
          return WavError::kBadFormat;
      } else if (codec == kFormatFloat) {
        out.type = WavSampleType::kFloat;
        if (out.bits != 32) return WavError::kBadFormat;
      } else {
        return WavError::kUnsupportedCodec;
      }
      if (out.channels == 0 || out.channels > 8 || out.sample_rate < 4000 ||
          out.sample_rate > 384000 || out.block_align != out.channels * (out.bits / 8))
        return WavError::kBadFormat;
      out.data_offset = body;
      std::uint64_t avail = file_size > body ? file_size - body : 0;
      // 0 and 0xFFFFFFFF are what streaming writers leave behind: use the file.
      std::uint64_t bytes = (size == 0 || size == 0xFFFFFFFFu) ? avail : size;
      if (bytes > avail) bytes = avail;
      out.data_bytes = bytes - bytes % out.block_align;
      return WavError::kOk;
    }
    pos = body + size + (size & 1u);  // chunks are padded to even length
  }
  return have_fmt ? WavError::kNoData : WavError::kNoFmt;
}

void write_wav_header(std::span<std::uint8_t, kWavHeaderBytes> out, std::uint32_t sample_rate,
                      std::uint16_t channels, std::uint32_t data_bytes) {
  std::uint8_t* p = out.data();
  const std::uint16_t block = static_cast<std::uint16_t>(channels * 2);
  std::memcpy(p, "RIFF", 4);
  wr32(p + 4, 36 + data_bytes);
  std::memcpy(p + 8, "WAVEfmt ", 8);
  wr32(p + 16, 16);
  wr16(p + 20, kFormatPcm);
  wr16(p + 22, channels);
  wr32(p + 24, sample_rate);
  wr32(p + 28, sample_rate * block);
  wr16(p + 32, block);
  wr16(p + 34, 16);
  std::memcpy(p + 36, "data", 4);
  wr32(p + 40, data_bytes);
}

std::int16_t wav_frame_to_mono(const std::uint8_t* frame, const WavFormat& fmt) {
  const std::size_t step = fmt.bits / 8;
  std::int64_t sum = 0;  // in 16-bit units
  for (std::size_t c = 0; c < fmt.channels; ++c) {
    const std::uint8_t* s = frame + c * step;
    std::int32_t v = 0;
    if (fmt.type == WavSampleType::kFloat) {
      float f;
      std::memcpy(&f, s, 4);
      if (!(f == f)) f = 0.0f;  // NaN
      f = f > 1.0f ? 1.0f : (f < -1.0f ? -1.0f : f);
      v = static_cast<std::int32_t>(std::lrint(f * 32767.0f));
    } else {
      switch (fmt.bits) {
        case 8: v = (static_cast<std::int32_t>(s[0]) - 128) << 8; break;
        case 16: v = static_cast<std::int16_t>(rd16(s)); break;
        case 24:  // the top 16 of 24 bits, sign kept by the arithmetic shift
          v = static_cast<std::int32_t>((static_cast<std::uint32_t>(s[0]) << 8) |
                                        (static_cast<std::uint32_t>(s[1]) << 16) |
                                        (static_cast<std::uint32_t>(s[2]) << 24)) >> 16;
          break;
        case 32: v = static_cast<std::int32_t>(rd32(s)) >> 16; break;
        default: break;
      }
    }
    sum += v;
  }
  return static_cast<std::int16_t>(sum / static_cast<std::int64_t>(fmt.channels));
}

}  // namespace dialtone::hal
