#include "hal/wav.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "wav_test_util.hpp"

namespace dialtone::hal {
namespace {

std::vector<std::uint8_t> header(std::uint32_t rate, std::uint16_t ch, std::uint32_t bytes) {
  std::vector<std::uint8_t> h(kWavHeaderBytes);
  write_wav_header(std::span<std::uint8_t, kWavHeaderBytes>(h.data(), kWavHeaderBytes), rate, ch, bytes);
  return h;
}

TEST(Wav, OwnHeaderParsesBack) {
  auto h = header(16000, 1, 640);
  h.resize(h.size() + 640);
  WavFormat f;
  ASSERT_EQ(parse_wav_header(h, h.size(), f), WavError::kOk);
  EXPECT_EQ(f.sample_rate, 16000u);
  EXPECT_EQ(f.channels, 1);
  EXPECT_EQ(f.bits, 16);
  EXPECT_EQ(f.data_offset, kWavHeaderBytes);
  EXPECT_EQ(f.data_bytes, 640u);
}

TEST(Wav, UnfixedSizesFallBackToTheFileLength) {
  for (std::uint32_t size : {0u, 0xFFFFFFFFu, 1000000u}) {
    auto h = header(8000, 2, size);
    const std::uint64_t file_size = kWavHeaderBytes + 4003;  // a killed writer: a torn frame
    WavFormat f;
    ASSERT_EQ(parse_wav_header(h, file_size, f), WavError::kOk) << size;
    EXPECT_EQ(f.data_bytes, 4000u) << "whole frames only, clipped to the file";
  }
}

TEST(Wav, SkipsUnknownChunksWithPaddingAndReadsExtensible) {
  // RIFF WAVE, LIST (odd size, padded), fmt (extensible, PCM subformat), data.
  std::vector<std::uint8_t> f = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E'};
  auto put32 = [&](std::uint32_t v) { for (int i = 0; i < 4; ++i) f.push_back(std::uint8_t(v >> (8 * i))); };
  auto put16 = [&](std::uint16_t v) { f.push_back(std::uint8_t(v)); f.push_back(std::uint8_t(v >> 8)); };
  f.insert(f.end(), {'L', 'I', 'S', 'T'});
  put32(3);
  f.insert(f.end(), {'a', 'b', 'c', 0});
  f.insert(f.end(), {'f', 'm', 't', ' '});
  put32(40);
  put16(0xFFFE); put16(2); put32(44100); put32(44100 * 6); put16(6); put16(24);
  put16(22); put16(24); put32(3);  // cbSize, valid bits, channel mask
  put16(1);  // SubFormat GUID starts with the PCM tag
  for (int i = 0; i < 14; ++i) f.push_back(0);
  f.insert(f.end(), {'d', 'a', 't', 'a'});
  put32(12);
  const std::size_t data_at = f.size();
  // Two stereo 24-bit frames: (+0.5, +0.5) and (-0.5, +0.25) of full scale.
  for (std::int32_t v : {0x400000, 0x400000, -0x400000, 0x200000}) {
    f.push_back(std::uint8_t(v)); f.push_back(std::uint8_t(v >> 8)); f.push_back(std::uint8_t(v >> 16));
  }
  WavFormat fmt;
  ASSERT_EQ(parse_wav_header(f, f.size(), fmt), WavError::kOk);
  EXPECT_EQ(fmt.data_offset, data_at);
  EXPECT_EQ(fmt.channels, 2);
  EXPECT_EQ(fmt.bits, 24);
  EXPECT_EQ(fmt.sample_rate, 44100u);
  EXPECT_EQ(wav_frame_to_mono(f.data() + data_at, fmt), 16384);
  EXPECT_EQ(wav_frame_to_mono(f.data() + data_at + 6, fmt), -4096);  // (-16384 + 8192) / 2
}

TEST(Wav, ConvertsEightBitAndFloat) {
  WavFormat u8;
  u8.type = WavSampleType::kInt; u8.channels = 1; u8.bits = 8; u8.block_align = 1;
  const std::uint8_t a[] = {128, 255, 0};
  EXPECT_EQ(wav_frame_to_mono(a, u8), 0);
  EXPECT_EQ(wav_frame_to_mono(a + 1, u8), 127 << 8);
  EXPECT_EQ(wav_frame_to_mono(a + 2, u8), -32768);
  WavFormat fl;
  fl.type = WavSampleType::kFloat; fl.channels = 1; fl.bits = 32; fl.block_align = 4;
  for (float v : {0.5f, -2.0f}) {
    std::uint8_t b[4];
    std::memcpy(b, &v, 4);
    EXPECT_EQ(wav_frame_to_mono(b, fl), v > 0 ? 16384 : -32767);
  }
}

TEST(Wav, NamedErrors) {
  WavFormat f;
  std::vector<std::uint8_t> junk(64, 'x');
  EXPECT_EQ(parse_wav_header(junk, junk.size(), f), WavError::kNotRiffWave);
  auto h = header(8000, 1, 0);
  h[20] = 2;  // ADPCM
  EXPECT_EQ(parse_wav_header(h, h.size(), f), WavError::kUnsupportedCodec);
  h = header(8000, 1, 0);
  h[34] = 12;  // 12-bit
  EXPECT_EQ(parse_wav_header(h, h.size(), f), WavError::kBadFormat);
  h = header(8000, 1, 0);
  h.resize(36);  // ends after fmt
  EXPECT_EQ(parse_wav_header(h, h.size(), f), WavError::kNoData);
  h = header(8000, 1, 0);
  std::memcpy(h.data() + 12, "junk", 4);  // fmt renamed: data comes first
  EXPECT_EQ(parse_wav_header(h, h.size(), f), WavError::kNoFmt);
  EXPECT_STRNE(wav_error_name(WavError::kNoFmt), "?");
}

}  // namespace
}  // namespace dialtone::hal
