#include "hal/input.hpp"

#include <gtest/gtest.h>

#include "hal/sim_input.hpp"

namespace dialtone::hal {
namespace {

TEST(Keys, DigitsStarAndHashRoundTrip) {
  for (char c : std::string_view("0123456789*#")) {
    Key k{};
    ASSERT_TRUE(key_from_char(c, k)) << c;
    EXPECT_EQ(key_to_char(k), c);
    Key by_name{};
    ASSERT_TRUE(key_from_name(std::string_view(&c, 1), by_name));
    EXPECT_EQ(by_name, k);
  }
  Key k{};
  EXPECT_TRUE(key_from_char('7', k));
  EXPECT_EQ(k, Key::k7);
}

TEST(Keys, NonKeysAreRefused) {
  Key k = Key::k5;
  for (char c : std::string_view("aAF H+-/:\0", 10)) EXPECT_FALSE(key_from_char(c, k)) << int(c);
  EXPECT_EQ(k, Key::k5);  // untouched on failure
  EXPECT_FALSE(key_from_name("", k));
  EXPECT_FALSE(key_from_name("Flash", k));
  EXPECT_FALSE(key_from_name("12", k));
}

TEST(Keys, FlashAndHoldByName) {
  Key k{};
  ASSERT_TRUE(key_from_name("flash", k));
  EXPECT_EQ(k, Key::kFlash);
  EXPECT_EQ(key_to_char(k), 'F');
  EXPECT_EQ(key_name(k), "flash");
  ASSERT_TRUE(key_from_name("hold", k));
  EXPECT_EQ(k, Key::kHold);
  EXPECT_EQ(key_to_char(k), 'H');
  EXPECT_EQ(key_name(Key::kHash), "#");
}

TEST(SimInput, DeliversHookAndKeysThroughTheHandlersOnlyWhileStarted) {
  EventLoop loop;
  SimInput sim;
  std::string log;
  sim.press_hook(true);  // not started: dropped
  InputHandlers h;
  h.on_hook = [&](bool off) { log += off ? "U" : "D"; };
  h.on_key = [&](Key k) { log += key_to_char(k); };
  ASSERT_TRUE(sim.start(loop, std::move(h)));
  sim.press_hook(true);
  sim.press_hook(true);  // no change, no event
  sim.press_key(Key::k1);
  sim.press_key(Key::kHash);
  sim.press_hook(false);
  sim.stop();
  sim.press_key(Key::k2);
  EXPECT_EQ(log, "U1#D");
}

TEST(SimRinger, RecordsStateAndChanges) {
  SimRinger r;
  EXPECT_FALSE(r.on());
  r.set(true);
  r.set(true);
  EXPECT_TRUE(r.on());
  r.set(false);
  EXPECT_FALSE(r.on());
  EXPECT_EQ(r.changes(), 2u);
}

}  // namespace
}  // namespace dialtone::hal
