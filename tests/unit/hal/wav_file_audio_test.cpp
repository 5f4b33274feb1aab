// The file backend end to end, in real time (~1 s): a 1 kHz capture WAV must
// reach the handler, and what the handler plays must land in the playback WAV.
#include "hal/wav_file_audio.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

#include "tests/common/tone_detect.hpp"
#include "wav_test_util.hpp"

namespace dialtone::hal {
namespace {

// Runs the loop until `done()` or a generous guard (not a timing assertion:
// the guard only keeps a broken backend from hanging the test run).
template <typename F>
void run_until(EventLoop& loop, F done) {
  const TimeMs guard = monotonic_ms() + 20000;
  while (!done() && monotonic_ms() < guard) loop.run_once(100);
}

// The handler's earpiece signal: a 600 Hz sine, phase-continuous across frames.
struct Sine {
  double phase = 0;
  void fill(std::span<std::int16_t> out, double freq, double rate) {
    for (auto& s : out) {
      s = static_cast<std::int16_t>(8000 * std::sin(phase));
      phase += 2 * M_PI * freq / rate;
    }
  }
};

TEST(WavFileAudio, ToneInReachesTheHandlerAndHandlerOutputReachesTheFile) {
  const std::string in = test::temp_path("tone-in.wav");
  const std::string out = test::temp_path("tone-out.wav");
  test::write_file(in, test::make_sine_wav(44100, 2, 1000, 0.3));  // looped, resampled, downmixed
  constexpr std::uint32_t kRate = 16000;

  EventLoop loop;
  WavFileAudio audio(kRate, in, out);
  EXPECT_EQ(audio.frame_samples(), 320u);
  std::vector<std::int16_t> heard;
  Sine sine;
  std::size_t frames = 0;
  std::size_t bad_sizes = 0;
  ASSERT_TRUE(audio.start(loop, [&](std::span<const std::int16_t> cap, std::span<std::int16_t> pb) {
    if (cap.size() != 320 || pb.size() != 320) ++bad_sizes;
    for (auto v : pb) if (v != 0) ++bad_sizes;  // playback arrives zeroed
    heard.insert(heard.end(), cap.begin(), cap.end());
    sine.fill(pb, 600, kRate);
    ++frames;
  }));
  run_until(loop, [&] { return frames >= 30; });
  // The playback file is valid while the device runs (header updated each second).
  WavFormat mid;
  auto mid_samples = test::wav_samples(test::read_file(out), mid);
  EXPECT_EQ(mid.sample_rate, kRate);
  EXPECT_EQ(mid.channels, 1);
  run_until(loop, [&] { return frames >= 55; });
  audio.stop();
  ASSERT_GE(frames, 55u);
  EXPECT_EQ(bad_sizes, 0u);
  EXPECT_EQ(audio.frames_processed(), frames);

  std::span<const std::int16_t> h(heard);
  EXPECT_GT(test::tone_power_ratio(h.subspan(1600, 12800), 1000, kRate), 0.4);
  EXPECT_LT(test::tone_power_ratio(h.subspan(1600, 12800), 600, kRate), 0.01);

  WavFormat f;
  auto played = test::wav_samples(test::read_file(out), f);
  ASSERT_EQ(played.size(), frames * 320) << "every frame, header final after stop";
  EXPECT_GE(played.size(), mid_samples.size());
  std::span<const std::int16_t> p(played);
  EXPECT_GT(test::tone_power_ratio(p.subspan(0, 16000), 600, kRate), 0.45);
  EXPECT_LT(test::tone_power_ratio(p.subspan(0, 16000), 1000, kRate), 0.01);
  ::unlink(in.c_str());
  ::unlink(out.c_str());
}

TEST(WavFileAudio, MissingCaptureIsSilenceNotFailure) {
  const std::string out = test::temp_path("silent-out.wav");
  EventLoop loop;
  WavFileAudio audio(8000, "/nonexistent/in.wav", out);
  std::size_t frames = 0;
  std::int64_t energy = 0;
  ASSERT_TRUE(audio.start(loop, [&](std::span<const std::int16_t> cap, std::span<std::int16_t>) {
    for (auto v : cap) energy += v * v;
    ++frames;
  }));
  run_until(loop, [&] { return frames >= 3; });
  EXPECT_GE(frames, 3u);
  EXPECT_EQ(energy, 0);
  audio.stop();
  ::unlink(out.c_str());
}

TEST(WavFileAudio, UnwritablePlaybackFailsToStart) {
  EventLoop loop;
  WavFileAudio audio(16000, "", "/nonexistent/dir/out.wav");
  EXPECT_FALSE(audio.start(loop, [](std::span<const std::int16_t>, std::span<std::int16_t>) {}));
  EXPECT_EQ(loop.timers_armed(), 0u);
}

TEST(WavFileAudio, HandlerMayStopTheDevice) {
  EventLoop loop;
  WavFileAudio audio(48000, "", "");
  std::size_t frames = 0;
  ASSERT_TRUE(audio.start(loop, [&](std::span<const std::int16_t> cap, std::span<std::int16_t>) {
    EXPECT_EQ(cap.size(), 960u);
    if (++frames == 2) audio.stop();
  }));
  run_until(loop, [&] { return loop.timers_armed() == 0; });
  EXPECT_EQ(frames, 2u);
  EXPECT_EQ(loop.timers_armed(), 0u);
}

TEST(WavFileAudio, IdleStopsTheClockAndTheRecordingKeepsRealTime) {
  const std::string out = test::temp_path("idle-out.wav");
  EventLoop loop;
  WavFileAudio audio(8000, "", out);
  std::size_t frames = 0;
  ASSERT_TRUE(audio.start(loop, [&](std::span<const std::int16_t>, std::span<std::int16_t>) { ++frames; }));
  run_until(loop, [&] { return frames >= 5; });
  audio.set_idle(true);
  EXPECT_TRUE(audio.idle());
  EXPECT_EQ(loop.timers_armed(), 0u) << "idle: nothing wakes the loop for audio";
  const std::size_t before = frames;
  const TimeMs slept_from = monotonic_ms();
  loop.run_once(300);  // nothing is armed: returns after the poll timeout
  EXPECT_EQ(frames, before);
  audio.set_idle(false);
  const TimeMs slept_ms = monotonic_ms() - slept_from;
  run_until(loop, [&] { return frames >= before + 3; });
  audio.stop();
  WavFormat f;
  auto played = test::wav_samples(test::read_file(out), f);
  // Every frame handled, plus the idle time as silence (whole frames).
  const std::size_t idle_frames = static_cast<std::size_t>(slept_ms / 20);
  EXPECT_GE(played.size(), (frames + idle_frames - 1) * 160);
  EXPECT_LE(played.size(), (frames + idle_frames + 1) * 160);
  ::unlink(out.c_str());
}

}  // namespace
}  // namespace dialtone::hal
