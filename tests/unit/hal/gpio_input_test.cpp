// Without a GPIO chip (no gpio-sim / gpio-mockup here) the libgpiod backend
// can only prove it fails cleanly: false, a log line, nothing left on the loop.
#include "hal/gpio_input.hpp"

#include <gtest/gtest.h>

namespace dialtone::hal {
namespace {

TEST(GpioInput, MissingChipFailsCleanly) {
  static constexpr KeyLine kKeys[] = {{Key::k1, {5, true, LineBias::kPullUp}}};
  GpioInputConfig cfg{"dialtone-no-such-chip", {4, true, LineBias::kPullUp}, kKeys, 25};
  GpioInput in(cfg);
  EventLoop loop;
  EXPECT_FALSE(in.start(loop, InputHandlers{}));
  EXPECT_EQ(loop.timers_armed(), 0u);
  in.stop();  // harmless twice
}

TEST(GpioInput, BoardWithoutHookLineIsRefused) {
  GpioInputConfig cfg{"gpiochip0", GpioLine{}, {}, 25};
  GpioInput in(cfg);
  EventLoop loop;
  EXPECT_FALSE(in.start(loop, InputHandlers{}));
}

TEST(GpioRinger, MissingChipFailsAndSetIsHarmless) {
  GpioRinger r("dialtone-no-such-chip", GpioLine{17, false, LineBias::kAsIs});
  EXPECT_FALSE(r.open());
  r.set(true);
  EXPECT_TRUE(r.on());
  GpioRinger none("gpiochip0", GpioLine{});
  EXPECT_FALSE(none.open());
}

}  // namespace
}  // namespace dialtone::hal
