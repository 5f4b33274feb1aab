#include "media/tones/tone_generator.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tests/common/tone_detect.hpp"

namespace dialtone::media {
namespace {

std::vector<std::int16_t> render(ToneGenerator& g, std::size_t samples, std::size_t frame = 160) {
  std::vector<std::int16_t> out(samples, 0);
  for (std::size_t i = 0; i < samples; i += frame)
    g.mix_into(std::span<std::int16_t>(out.data() + i, std::min(frame, samples - i)));
  return out;
}

TEST(ToneGenerator, DialToneHasBothFrequenciesAndNoOthers) {
  ToneGenerator g(8000);
  hal::ToneSpec dial{{350, 440, 0, 0}, 2, -13.0f, {}};
  g.start(dial);
  auto x = render(g, 8000);
  EXPECT_TRUE(test::has_tone(x, 350, 8000, 0.3));
  EXPECT_TRUE(test::has_tone(x, 440, 8000, 0.3));
  EXPECT_FALSE(test::has_tone(x, 480, 8000, 0.05));
  EXPECT_FALSE(test::has_tone(x, 620, 8000, 0.05));
}

TEST(ToneGenerator, CadenceIsSampleAccurateAcrossFrames) {
  ToneGenerator g(8000);
  hal::ToneSpec busy{{480, 620, 0, 0}, 2, -16.0f, {{500, 500}, 2, true}};
  g.start(busy);
  auto x = render(g, 16000);  // two seconds
  std::span<const std::int16_t> s(x);
  EXPECT_GT(test::rms(s.subspan(0, 4000)), 500.0);     // on
  EXPECT_EQ(test::rms(s.subspan(4000, 4000)), 0.0);    // off
  EXPECT_GT(test::rms(s.subspan(8000, 4000)), 500.0);  // on again
  EXPECT_TRUE(test::has_tone(s.subspan(8000, 4000), 620, 8000, 0.3));
}

TEST(ToneGenerator, NonRepeatingToneFinishes) {
  ToneGenerator g(16000);
  hal::ToneSpec cw{{440, 0, 0, 0}, 1, -16.0f, {{300}, 1, false}};
  g.start(cw);
  auto x = render(g, 16000, 320);
  EXPECT_TRUE(g.finished());
  EXPECT_FALSE(g.active());
  std::span<const std::int16_t> s(x);
  EXPECT_TRUE(test::has_tone(s.subspan(0, 4800), 440, 16000, 0.3));
  EXPECT_EQ(test::rms(s.subspan(4800)), 0.0);
}

TEST(ToneGenerator, LevelFollowsTheSpec) {
  ToneGenerator g(48000);
  g.start(hal::ToneSpec{{1000, 0, 0, 0}, 1, -6.0f, {}});
  auto loud = render(g, 48000, 960);
  g.start(hal::ToneSpec{{1000, 0, 0, 0}, 1, -26.0f, {}});
  auto quiet = render(g, 48000, 960);
  EXPECT_NEAR(test::rms(loud) / test::rms(quiet), 10.0, 0.2);
}

}  // namespace
}  // namespace dialtone::media
