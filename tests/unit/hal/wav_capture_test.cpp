#include "hal/wav_capture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

#include "hal/wav_playback.hpp"
#include "tests/common/tone_detect.hpp"
#include "wav_test_util.hpp"

namespace dialtone::hal {
namespace {

std::vector<std::int16_t> read_frames(WavCaptureSource& src, std::size_t frame, std::size_t count) {
  std::vector<std::int16_t> all;
  std::vector<std::int16_t> buf(frame);
  for (std::size_t i = 0; i < count; ++i) {
    src.read(buf);
    all.insert(all.end(), buf.begin(), buf.end());
  }
  return all;
}

struct RateCase {
  std::uint32_t file_rate;
  std::uint16_t channels;
  std::uint32_t board_rate;
};

class CaptureRates : public ::testing::TestWithParam<RateCase> {};

TEST_P(CaptureRates, ToneSurvivesDownmixAndResampling) {
  const RateCase c = GetParam();
  const std::string path = test::temp_path("cap.wav");
  test::write_file(path, test::make_sine_wav(c.file_rate, c.channels, 1000, 0.5));
  WavCaptureSource src;
  ASSERT_TRUE(src.open(path, c.board_rate));
  EXPECT_EQ(src.format().sample_rate, c.file_rate);
  // 1 s: twice around the 0.5 s file.
  auto x = read_frames(src, c.board_rate / 50, 50);
  std::span<const std::int16_t> s(x);
  const std::size_t half = c.board_rate / 2;
  // Skip the resampler's start-up; check both passes of the loop.
  EXPECT_GT(test::tone_power_ratio(s.subspan(c.board_rate / 20, c.board_rate / 5), 1000, c.board_rate), 0.4);
  EXPECT_GT(test::tone_power_ratio(s.subspan(half + c.board_rate / 20, c.board_rate / 5), 1000, c.board_rate), 0.4);
  EXPECT_LT(test::tone_power_ratio(s.subspan(half, half), 1500, c.board_rate), 0.01);
  EXPECT_GT(test::rms(s.subspan(half, half)), 12000 * 0.7 * 0.8);  // level kept
  ::unlink(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Rates, CaptureRates,
                         ::testing::Values(RateCase{16000, 1, 16000}, RateCase{44100, 2, 16000},
                                           RateCase{8000, 1, 48000}, RateCase{48000, 2, 8000},
                                           RateCase{22050, 1, 16000}));

TEST(WavCapture, StereoIsAveraged) {
  // Left 1 kHz, right silent: mono is the tone at half level.
  const std::string path = test::temp_path("lr.wav");
  auto f = test::make_sine_wav(16000, 2, 1000, 0.2, 20000);
  for (std::size_t o = kWavHeaderBytes + 2; o + 1 < f.size(); o += 4) f[o] = f[o + 1] = 0;
  test::write_file(path, f);
  WavCaptureSource src;
  ASSERT_TRUE(src.open(path, 16000));
  auto x = read_frames(src, 320, 5);
  EXPECT_NEAR(test::rms(x), 10000 * 0.7071, 200);
  ::unlink(path.c_str());
}

TEST(WavCapture, MissingOrBrokenFileIsSilence) {
  WavCaptureSource src;
  EXPECT_FALSE(src.open("/nonexistent/dir/in.wav", 16000));
  std::vector<std::int16_t> buf(320, 77);
  src.read(buf);
  for (auto v : buf) ASSERT_EQ(v, 0);

  const std::string path = test::temp_path("junk.wav");
  test::write_file(path, std::vector<std::uint8_t>(100, 'j'));
  EXPECT_FALSE(src.open(path, 16000));
  std::fill(buf.begin(), buf.end(), 77);
  src.read(buf);
  for (auto v : buf) ASSERT_EQ(v, 0);
  ::unlink(path.c_str());
}

TEST(WavPlayback, HeaderStaysValidWhileTheFileGrows) {
  const std::string path = test::temp_path("pb.wav");
  WavPlaybackSink sink;
  ASSERT_TRUE(sink.open(path, 16000, 5));
  std::vector<std::int16_t> frame(320);
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::int16_t>(i);
  WavFormat f;
  auto s = test::wav_samples(test::read_file(path), f);
  EXPECT_EQ(f.sample_rate, 16000u);
  EXPECT_TRUE(s.empty());
  for (int i = 0; i < 7; ++i) sink.write(frame);
  // Not closed: the header was last updated after frame 5 (as after kill -9).
  auto bytes = test::read_file(path);
  ASSERT_EQ(bytes.size(), kWavHeaderBytes + 7 * 640);
  std::uint32_t declared = bytes[40] | bytes[41] << 8 | bytes[42] << 16 | bytes[43] << 24;
  EXPECT_EQ(declared, 5u * 640);
  s = test::wav_samples(bytes, f);
  EXPECT_EQ(s.size(), 5u * 320);
  sink.close();
  s = test::wav_samples(test::read_file(path), f);
  ASSERT_EQ(s.size(), 7u * 320);
  EXPECT_EQ(s[6 * 320 + 5], 5);
  ::unlink(path.c_str());
}

TEST(WavPlayback, UnwritablePathFails) {
  WavPlaybackSink sink;
  EXPECT_FALSE(sink.open("/nonexistent/dir/out.wav", 16000));
  EXPECT_FALSE(sink.active());
}

}  // namespace
}  // namespace dialtone::hal
