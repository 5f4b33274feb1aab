#include "hal/tone_plan.hpp"

#include <gtest/gtest.h>

namespace dialtone::hal {
namespace {

TEST(Cadence, ContinuousIsAlwaysOn) {
  constexpr Cadence c{};
  static_assert(c.continuous());
  EXPECT_TRUE(c.on_at(0));
  EXPECT_TRUE(c.on_at(123456));
}

TEST(Cadence, RepeatingPatternFollowsSegments) {
  constexpr Cadence ring{{2000, 4000}, 2, true};
  static_assert(ring.period_ms() == 6000);
  EXPECT_TRUE(ring.on_at(0));
  EXPECT_TRUE(ring.on_at(1999));
  EXPECT_FALSE(ring.on_at(2000));
  EXPECT_FALSE(ring.on_at(5999));
  EXPECT_TRUE(ring.on_at(6000));
  EXPECT_FALSE(ring.on_at(6000 * 10 + 2500));
}

TEST(Cadence, DoubleRingAndOneShot) {
  constexpr Cadence uk{{400, 200, 400, 2000}, 4, true};
  EXPECT_TRUE(uk.on_at(100));
  EXPECT_FALSE(uk.on_at(500));
  EXPECT_TRUE(uk.on_at(700));
  EXPECT_FALSE(uk.on_at(1100));
  EXPECT_TRUE(uk.on_at(3000 + 700));
  constexpr Cadence once{{300}, 1, false};
  EXPECT_TRUE(once.on_at(299));
  EXPECT_FALSE(once.on_at(300));
  EXPECT_FALSE(once.on_at(6300));
}

TEST(ToneLevel, ZeroDbm0IsTheDigitalMilliwatt) {
  // G.711: a full-scale sine is +3.14 dBm0.
  EXPECT_NEAR(dbm0_to_amplitude(3.14f), 32767.0f, 1.0f);
  EXPECT_NEAR(dbm0_to_amplitude(0.0f) / dbm0_to_amplitude(-20.0f), 10.0f, 0.01f);
}

}  // namespace
}  // namespace dialtone::hal
