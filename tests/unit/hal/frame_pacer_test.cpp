#include "hal/frame_pacer.hpp"

#include <gtest/gtest.h>

namespace dialtone::hal {
namespace {

TEST(FramePacer, OnTimeTicksRunOneFrameAtAbsoluteDeadlines) {
  FramePacer p;
  p.start(1000);
  EXPECT_EQ(p.next_deadline(), 1020);
  EXPECT_EQ(p.tick(1019).run, 0u);  // early wake-up: nothing due
  // Each wake-up 3 ms late: the deadlines stay on the 20 ms grid (no drift).
  for (int k = 1; k <= 100; ++k) {
    FramePacer::Tick t = p.tick(1000 + 20 * k + 3);
    ASSERT_EQ(t.run, 1u) << k;
    ASSERT_EQ(t.dropped, 0u);
    ASSERT_EQ(p.next_deadline(), 1000 + 20 * (k + 1));
  }
  EXPECT_EQ(p.frames_done(), 100u);
}

TEST(FramePacer, CatchesUpInSmallBursts) {
  FramePacer p;
  p.start(0);
  // 7 frames due at once (the loop was busy 140 ms): 3, 3, 1 over three wake-ups.
  FramePacer::Tick a = p.tick(145);
  EXPECT_EQ(a.run, FramePacer::kMaxBurst);
  EXPECT_LE(p.next_deadline(), 145);  // still behind: wake again at once
  FramePacer::Tick b = p.tick(146);
  FramePacer::Tick c = p.tick(147);
  EXPECT_EQ(a.run + b.run + c.run, 7u);
  EXPECT_EQ(c.dropped + b.dropped + a.dropped, 0u);
  EXPECT_EQ(p.next_deadline(), 160);
}

TEST(FramePacer, FarBehindDropsAndReanchors) {
  FramePacer p;
  p.start(0);
  FramePacer::Tick t = p.tick(5000);  // 250 frames due: a stalled loop
  EXPECT_EQ(t.run, 1u);
  EXPECT_EQ(t.dropped, 249u);
  EXPECT_EQ(p.next_deadline(), 5020);  // back on the grid
  EXPECT_EQ(p.tick(5020).run, 1u);
}

}  // namespace
}  // namespace dialtone::hal
