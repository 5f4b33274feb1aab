#include "board/hal_factory.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "firmware/core/json.hpp"
#include "tests/common/tone_detect.hpp"
#include "tests/unit/hal/wav_test_util.hpp"

namespace dialtone::board {
namespace {

bool parse(std::string_view json, AudioConfig& out, ConfigError& err) {
  JsonDocument doc(json);
  EXPECT_TRUE(doc.ok()) << json;
  return parse_audio_config(json_get(doc.root(), "audio"), out, err);
}

TEST(AudioConfig, ParsesTheSpecExample) {
  AudioConfig a;
  ConfigError err;
  ASSERT_TRUE(parse(R"({"audio": {"backend": "file", "capture": "in.wav", "playback": "out.wav"}})", a, err));
  ASSERT_TRUE(a.backend && a.capture && a.playback);
  EXPECT_EQ(*a.backend, AudioBackend::kFile);
  EXPECT_EQ(a.capture->view(), "in.wav");
  EXPECT_EQ(a.playback->view(), "out.wav");
  ASSERT_TRUE(parse(R"({"board": "sim"})", a, err));  // no audio: board defaults
  EXPECT_FALSE(a.backend || a.capture || a.playback);
  ASSERT_TRUE(parse(R"({"audio": {"backend": "alsa"}})", a, err));
  EXPECT_EQ(*a.backend, AudioBackend::kAlsa);
}

TEST(AudioConfig, ErrorsNameTheKey) {
  AudioConfig a;
  ConfigError err;
  EXPECT_FALSE(parse(R"({"audio": {"backend": "pulse"}})", a, err));
  EXPECT_EQ(err.view(), "audio.backend: must be \"file\" or \"alsa\"");
  EXPECT_FALSE(parse(R"({"audio": {"backend": 1}})", a, err));
  EXPECT_EQ(err.view().substr(0, 14), "audio.backend:");
  EXPECT_FALSE(parse(R"({"audio": {"capture": 5}})", a, err));
  EXPECT_EQ(err.view(), "audio.capture: must be a string");
  EXPECT_FALSE(parse(R"({"audio": {"playback": null}})", a, err));
  EXPECT_EQ(err.view(), "audio.playback: must be a string");
  EXPECT_FALSE(parse(R"({"audio": "file"})", a, err));
  EXPECT_EQ(err.view(), "audio: must be an object");
  std::string long_path(300, 'x');
  EXPECT_FALSE(parse(R"({"audio": {"capture": ")" + long_path + "\"}}", a, err));
  EXPECT_EQ(err.view().substr(0, 14), "audio.capture:");
}

TEST(BoardHal, SimBoardGetsFileAudioSimulatedHandsetAndEarpieceRinger) {
  const std::string in = test::temp_path("board-in.wav");
  const std::string out = test::temp_path("board-out.wav");
  test::write_file(in, test::make_sine_wav(8000, 1, 1000, 0.5));
  AudioConfig a;
  a.capture = FixedString<limits::kPathMax>(in);
  a.playback = FixedString<limits::kPathMax>(out);
  BoardHal hal;
  ConfigError err;
  ASSERT_TRUE(hal.build(*find_board("sim"), a, err)) << err.view();
  EXPECT_EQ(hal.audio_backend(), AudioBackend::kFile);
  ASSERT_NE(hal.sim_input(), nullptr);
  ASSERT_NE(hal.sim_ringer(), nullptr);
  EXPECT_EQ(hal.audio().sample_rate(), 16000u);
  EXPECT_EQ(&hal.ringer(), hal.sim_ringer());
  EXPECT_EQ(&hal.input(), hal.sim_input());

  // The built devices work: the capture tone arrives, hook events arrive.
  EventLoop loop;
  std::vector<std::int16_t> heard;
  ASSERT_TRUE(hal.audio().start(loop, [&](std::span<const std::int16_t> cap, std::span<std::int16_t>) {
    heard.insert(heard.end(), cap.begin(), cap.end());
  }));
  bool off = false;
  hal::InputHandlers h;
  h.on_hook = [&](bool o) { off = o; };
  ASSERT_TRUE(hal.input().start(loop, std::move(h)));
  hal.sim_input()->press_hook(true);
  EXPECT_TRUE(off);
  hal.ringer().set(true);
  EXPECT_TRUE(hal.sim_ringer()->on());
  const TimeMs guard = monotonic_ms() + 20000;
  while (heard.size() < 16000 && monotonic_ms() < guard) loop.run_once(100);
  hal.audio().stop();
  ASSERT_GE(heard.size(), 16000u);
  EXPECT_GT(test::tone_power_ratio(std::span<const std::int16_t>(heard).subspan(1600, 8000), 1000, 16000), 0.4);
  ::unlink(in.c_str());
  ::unlink(out.c_str());
}

TEST(BoardHal, ConfigCanPickAlsaOnTheSimBoard) {
  AudioConfig a;
  a.backend = AudioBackend::kAlsa;
  BoardHal hal;
  ConfigError err;
  EXPECT_FALSE(hal.build(*find_board("sim"), a, err)) << "sim's defaults are not ALSA names";
  EXPECT_EQ(err.view().substr(0, 14), "audio.capture:");
  a.capture = FixedString<limits::kPathMax>("default");
  a.playback = FixedString<limits::kPathMax>("default");
  ASSERT_TRUE(hal.build(*find_board("sim"), a, err)) << err.view();
  EXPECT_EQ(hal.audio_backend(), AudioBackend::kAlsa);
  EXPECT_EQ(hal.audio().frame_samples(), 320u);
}

TEST(BoardHal, RealBoardWithoutItsGpioChipFailsWithAReason) {
  // This machine has no gpiochip0: the bell line cannot be claimed.
  AudioConfig a;
  BoardHal hal;
  ConfigError err;
  EXPECT_FALSE(hal.build(*find_board("pi-handset"), a, err));
  EXPECT_NE(err.view().find("pi-handset"), std::string_view::npos) << err.view();
  EXPECT_NE(err.view().find("ringer"), std::string_view::npos) << err.view();
}

}  // namespace
}  // namespace dialtone::board
