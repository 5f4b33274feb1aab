// The ALSA backend through alsa-lib itself, on a machine with no sound card:
// a private ALSA configuration (ALSA_CONFIG_PATH) defines a capture PCM that
// reads raw samples from a file and a playback PCM that writes them to one,
// both over the null plugin. Frames must flow both ways, unchanged.
#include "hal/alsa_audio.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <vector>

#include "tests/common/tone_detect.hpp"
#include "wav_test_util.hpp"

namespace dialtone::hal {
namespace {

class AlsaFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    conf_ = test::temp_path("asound.conf");
    in_ = test::temp_path("alsa-in.raw");
    out_ = test::temp_path("alsa-out.raw");
    std::ofstream c(conf_);
    c << "pcm.dialtone_cap {\n"
         "  type file\n"
         "  slave.pcm { type null }\n"
         "  file \"/dev/null\"\n"
         "  infile \"" << in_ << "\"\n"
         "  format \"raw\"\n"
         "}\n"
         "pcm.dialtone_play {\n"
         "  type file\n"
         "  slave.pcm { type null }\n"
         "  file \"" << out_ << "\"\n"
         "  format \"raw\"\n"
         "}\n"
         "pcm.null { type null }\n"
         // A stereo-only device, like many USB codecs: `multi` insists on
         // exactly its two bound channels.
         "pcm.stereo_only {\n"
         "  type multi\n"
         "  slaves.a { pcm { type null } channels 2 }\n"
         "  bindings.0 { slave a channel 0 }\n"
         "  bindings.1 { slave a channel 1 }\n"
         "}\n"
         "pcm.dialtone_cap2 {\n"
         "  type file\n"
         "  slave.pcm stereo_only\n"
         "  file \"/dev/null\"\n"
         "  infile \"" << in_ << "\"\n"
         "  format \"raw\"\n"
         "}\n"
         "pcm.dialtone_play2 {\n"
         "  type file\n"
         "  slave.pcm stereo_only\n"
         "  file \"" << out_ << "\"\n"
         "  format \"raw\"\n"
         "}\n";
    c.close();
    ::setenv("ALSA_CONFIG_PATH", conf_.c_str(), 1);
  }
  void TearDown() override {
    ::unlink(conf_.c_str());
    ::unlink(in_.c_str());
    ::unlink(out_.c_str());
  }
  std::string conf_, in_, out_;
};

TEST_F(AlsaFiles, FramesFlowBothWays) {
  constexpr std::uint32_t kRate = 16000;
  constexpr std::size_t kFrame = 320;
  constexpr std::size_t kFrames = 40;
  // Capture input: a ramp (exact comparison) then a 1 kHz tone.
  std::vector<std::int16_t> in(kFrame * kFrames);
  for (std::size_t i = 0; i < in.size(); ++i)
    in[i] = i < kFrame * 10 ? static_cast<std::int16_t>(i)
                            : static_cast<std::int16_t>(10000 * std::sin(2 * M_PI * 1000 * i / kRate));
  {
    std::ofstream f(in_, std::ios::binary);
    f.write(reinterpret_cast<const char*>(in.data()), static_cast<std::streamsize>(in.size() * 2));
  }

  EventLoop loop;
  AlsaAudio audio(kRate, "dialtone_cap", "dialtone_play");
  std::vector<std::int16_t> heard;
  std::size_t frames = 0;
  ASSERT_TRUE(audio.start(loop, [&](std::span<const std::int16_t> cap, std::span<std::int16_t> pb) {
    EXPECT_EQ(cap.size(), kFrame);
    heard.insert(heard.end(), cap.begin(), cap.end());
    // Earpiece: the frame number in every sample, so the file shows order.
    for (auto& s : pb) s = static_cast<std::int16_t>(1000 + frames);
    ++frames;
  }));
  const TimeMs guard = monotonic_ms() + 20000;  // hang guard, not a timing check
  while (frames < kFrames && monotonic_ms() < guard) loop.run_once(100);
  audio.stop();
  ASSERT_GE(frames, kFrames);

  // Capture: the file's samples, in order, as the handler saw them.
  ASSERT_GE(heard.size(), in.size());
  for (std::size_t i = 0; i < kFrame * 10; ++i) ASSERT_EQ(heard[i], in[i]) << i;
  std::span<const std::int16_t> h(heard);
  EXPECT_GT(test::tone_power_ratio(h.subspan(kFrame * 12, kFrame * 20), 1000, kRate), 0.45);

  // Playback: two periods of priming silence, then the handler's frames in order.
  auto bytes = test::read_file(out_);
  std::vector<std::int16_t> played(bytes.size() / 2);
  std::memcpy(played.data(), bytes.data(), played.size() * 2);
  ASSERT_GE(played.size(), (kFrames + 2) * kFrame);
  for (std::size_t i = 0; i < 2 * kFrame; ++i) ASSERT_EQ(played[i], 0) << i;
  for (std::size_t f = 0; f < kFrames; ++f)
    for (std::size_t s = 0; s < kFrame; ++s)
      ASSERT_EQ(played[(f + 2) * kFrame + s], static_cast<std::int16_t>(1000 + f)) << f << ":" << s;
  EXPECT_EQ(audio.playback_dropped(), 0u);
}

TEST_F(AlsaFiles, StereoOnlyDeviceIsDownmixedAndUpmixed) {
  constexpr std::uint32_t kRate = 8000;
  constexpr std::size_t kFrame = 160;
  constexpr std::size_t kFrames = 10;
  // Interleaved L/R: left = 2n, right = 2n + 1000 -> mono average n*2 + 500.
  std::vector<std::int16_t> in(kFrame * kFrames * 2);
  for (std::size_t n = 0; n < kFrame * kFrames; ++n) {
    in[2 * n] = static_cast<std::int16_t>(2 * n);
    in[2 * n + 1] = static_cast<std::int16_t>(2 * n + 1000);
  }
  {
    std::ofstream f(in_, std::ios::binary);
    f.write(reinterpret_cast<const char*>(in.data()), static_cast<std::streamsize>(in.size() * 2));
  }
  EventLoop loop;
  AlsaAudio audio(kRate, "dialtone_cap2", "dialtone_play2");
  std::vector<std::int16_t> heard;
  std::size_t frames = 0;
  ASSERT_TRUE(audio.start(loop, [&](std::span<const std::int16_t> cap, std::span<std::int16_t> pb) {
    heard.insert(heard.end(), cap.begin(), cap.end());
    for (std::size_t i = 0; i < pb.size(); ++i) pb[i] = static_cast<std::int16_t>(frames * 1000 + i);
    ++frames;
  }));
  const TimeMs guard = monotonic_ms() + 20000;
  while (frames < kFrames && monotonic_ms() < guard) loop.run_once(100);
  audio.stop();
  ASSERT_GE(frames, kFrames);
  for (std::size_t n = 0; n < kFrame * kFrames; ++n)
    ASSERT_EQ(heard[n], static_cast<std::int16_t>(2 * n + 500)) << n;
  auto bytes = test::read_file(out_);
  std::vector<std::int16_t> played(bytes.size() / 2);
  std::memcpy(played.data(), bytes.data(), played.size() * 2);
  ASSERT_GE(played.size(), (kFrames + 2) * kFrame * 2);
  for (std::size_t f = 0; f < kFrames; ++f)
    for (std::size_t i = 0; i < kFrame; ++i) {
      const std::size_t at = ((f + 2) * kFrame + i) * 2;  // after two frames of priming
      ASSERT_EQ(played[at], static_cast<std::int16_t>(f * 1000 + i)) << f << ":" << i;
      ASSERT_EQ(played[at + 1], played[at]) << "both channels carry the earpiece";
    }
}

TEST_F(AlsaFiles, UnknownDeviceFailsToStart) {
  EventLoop loop;
  AlsaAudio audio(16000, "no_such_pcm", "dialtone_play");
  EXPECT_FALSE(audio.start(loop, [](std::span<const std::int16_t>, std::span<std::int16_t>) {}));
  std::ofstream(in_, std::ios::binary) << "";  // the capture side opens; playback must not
  AlsaAudio audio2(16000, "dialtone_cap", "no_such_pcm");
  EXPECT_FALSE(audio2.start(loop, [](std::span<const std::int16_t>, std::span<std::int16_t>) {}));
}

}  // namespace
}  // namespace dialtone::hal
