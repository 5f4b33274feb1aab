#include "board/board.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "board/tone_plans.hpp"

namespace dialtone::board {
namespace {

TEST(Boards, FoundByNameAndNamesAreUnique) {
  std::set<std::string> names;
  for (const BoardDescription* b : all_boards()) {
    EXPECT_TRUE(names.insert(std::string(b->name)).second) << b->name;
    EXPECT_EQ(find_board(b->name), b);
    EXPECT_NE(b->tones, nullptr) << b->name;
  }
  for (const char* n : {"sim", "sim-uk", "pi-handset", "pi-handset-uk"}) EXPECT_NE(find_board(n), nullptr) << n;
  EXPECT_EQ(find_board(""), nullptr);
  EXPECT_EQ(find_board("SIM"), nullptr);
  EXPECT_EQ(find_board("sim "), nullptr);
}

TEST(Boards, SimIsSimulatedWithFileAudioAndNoBell) {
  const BoardDescription* b = find_board("sim");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->simulated_handset);
  EXPECT_FALSE(b->hardware_ringer);
  EXPECT_EQ(b->audio.backend, AudioBackend::kFile);
  EXPECT_TRUE(b->sample_rate == 16000 || b->sample_rate == 48000);
  EXPECT_EQ(b->tones, &kTonePlanUs);
}

TEST(Boards, PiHandsetHasHookTwelveKeysAndABell) {
  const BoardDescription* b = find_board("pi-handset");
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->simulated_handset);
  EXPECT_TRUE(b->hardware_ringer);
  EXPECT_EQ(b->audio.backend, AudioBackend::kAlsa);
  EXPECT_FALSE(b->audio.capture.empty());
  EXPECT_EQ(b->gpio.chip, "gpiochip0");
  ASSERT_TRUE(b->gpio.hook.fitted());
  ASSERT_TRUE(b->gpio.ringer.fitted());
  ASSERT_EQ(b->gpio.keys.size(), 12u);
  // Every key once, every line once, none shared with hook or ringer.
  std::set<int> lines{b->gpio.hook.offset, b->gpio.ringer.offset};
  std::set<char> keys;
  for (const hal::KeyLine& k : b->gpio.keys) {
    EXPECT_TRUE(lines.insert(k.line.offset).second) << k.line.offset;
    EXPECT_TRUE(keys.insert(hal::key_to_char(k.key)).second);
    EXPECT_TRUE(k.line.active_low) << "buttons to ground with pull-ups";
  }
  EXPECT_EQ(keys.size(), 12u);
  EXPECT_GE(b->gpio.debounce_ms, 20);
  EXPECT_LE(b->gpio.debounce_ms, 30);
}

TEST(Boards, CountryVariantsDifferOnlyInTones) {
  const BoardDescription* us = find_board("pi-handset");
  const BoardDescription* uk = find_board("pi-handset-uk");
  ASSERT_TRUE(us && uk);
  EXPECT_EQ(uk->tones, &kTonePlanUk);
  EXPECT_EQ(us->sample_rate, uk->sample_rate);
  EXPECT_EQ(us->gpio.keys.data(), uk->gpio.keys.data());
  EXPECT_EQ(us->gpio.hook.offset, uk->gpio.hook.offset);
  EXPECT_EQ(find_tone_plan("uk"), &kTonePlanUk);
  EXPECT_EQ(find_tone_plan("us"), &kTonePlanUs);
  EXPECT_EQ(find_tone_plan("fr"), nullptr);
}

std::set<int> freqs(const hal::ToneSpec& t) {
  return std::set<int>(t.freqs_hz.begin(), t.freqs_hz.begin() + t.freq_count);
}

TEST(TonePlanUs, FrequenciesAndCadences) {
  const hal::TonePlan& p = kTonePlanUs;
  EXPECT_EQ(freqs(p.dial), (std::set<int>{350, 440}));
  EXPECT_TRUE(p.dial.cadence.continuous());
  EXPECT_EQ(freqs(p.ringback), (std::set<int>{440, 480}));
  EXPECT_TRUE(p.ringback.cadence.on_at(1999));
  EXPECT_FALSE(p.ringback.cadence.on_at(2001));
  EXPECT_EQ(p.ringback.cadence.period_ms(), 6000u);
  EXPECT_EQ(freqs(p.busy), (std::set<int>{480, 620}));
  EXPECT_EQ(p.busy.cadence.period_ms(), 1000u);
  EXPECT_EQ(freqs(p.reorder), (std::set<int>{480, 620}));
  EXPECT_EQ(p.reorder.cadence.period_ms(), 500u);
  EXPECT_EQ(freqs(p.off_hook_warning), (std::set<int>{1400, 2060, 2450, 2600}));
  EXPECT_EQ(p.off_hook_warning.cadence.period_ms(), 200u);
  EXPECT_EQ(freqs(p.call_waiting), (std::set<int>{440}));
  EXPECT_TRUE(p.call_waiting.cadence.on_at(299));
  EXPECT_FALSE(p.call_waiting.cadence.on_at(300));
  EXPECT_FALSE(p.call_waiting.cadence.repeat);
  EXPECT_EQ(p.ring.cadence.period_ms(), 6000u);
  EXPECT_EQ(p.timing.interdigit_ms, 4000u);
  EXPECT_EQ(p.timing.first_digit_ms, 15000u);
  EXPECT_EQ(p.timing.reorder_ms, 30000u);
}

TEST(TonePlans, EveryToneIsWellFormedAndCannotClip) {
  for (const hal::TonePlan* p : {&kTonePlanUs, &kTonePlanUk}) {
    for (const hal::ToneSpec* t : {&p->dial, &p->ringback, &p->busy, &p->reorder, &p->off_hook_warning,
                                   &p->call_waiting, &p->ring}) {
      ASSERT_GE(t->freq_count, 1) << p->country;
      ASSERT_LE(t->freq_count, hal::ToneSpec::kMaxFreqs);
      for (std::size_t i = 0; i < t->freq_count; ++i) {
        EXPECT_GE(t->freqs_hz[i], 300);
        EXPECT_LT(t->freqs_hz[i], 4000) << "must fit narrowband (8 kHz) boards too";
      }
      EXPECT_LE(hal::dbm0_to_amplitude(t->level_dbm0) * t->freq_count, 32767.0f) << p->country;
      EXPECT_LE(t->cadence.count, hal::Cadence::kMaxSegments);
      EXPECT_TRUE(t->cadence.continuous() || t->cadence.period_ms() > 0);
      EXPECT_TRUE(t->cadence.on_at(0)) << "every tone starts sounding";
    }
  }
}

TEST(TonePlanUk, IsADifferentTable) {
  const hal::TonePlan& p = kTonePlanUk;
  EXPECT_EQ(freqs(p.dial), (std::set<int>{350, 450}));
  EXPECT_EQ(freqs(p.ringback), (std::set<int>{400, 450}));
  // The UK double ring: on 0.4, off 0.2, on 0.4, off 2.0.
  EXPECT_TRUE(p.ringback.cadence.on_at(100));
  EXPECT_FALSE(p.ringback.cadence.on_at(500));
  EXPECT_TRUE(p.ringback.cadence.on_at(700));
  EXPECT_FALSE(p.ringback.cadence.on_at(2000));
  EXPECT_EQ(freqs(p.busy), (std::set<int>{400}));
}

}  // namespace
}  // namespace dialtone::board
