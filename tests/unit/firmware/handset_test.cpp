#include "firmware/handset/handset.hpp"

#include <gtest/gtest.h>

namespace dialtone::handset {
namespace {

using hal::Key;

TEST(Handset, OffHookPlaysDialToneAndOnHookStopsEverything) {
  Handset h;
  h.hook(true, 0);
  EXPECT_EQ(h.phase(), Phase::kDialTone);
  EXPECT_EQ(h.tone(), Tone::kDial);
  h.hook(false, 100);
  EXPECT_EQ(h.phase(), Phase::kOnHook);
  EXPECT_EQ(h.tone(), Tone::kNone);
  EXPECT_EQ(h.deadline(), -1);
  EXPECT_TRUE(h.actions().empty());
}

TEST(Handset, FirstDigitStopsDialToneAndHashCompletesTheNumber) {
  Handset h;
  h.hook(true, 0);
  h.key(Key::k1, 500);
  EXPECT_EQ(h.tone(), Tone::kNone);
  EXPECT_EQ(h.phase(), Phase::kCollecting);
  h.key(Key::k2, 600);
  h.key(Key::kStar, 700);
  h.key(Key::kHash, 800);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].kind, ActionKind::kPlaceCall);
  EXPECT_EQ(h.actions()[0].number.view(), "12*");
  EXPECT_EQ(h.phase(), Phase::kLineTone);
}

TEST(Handset, InterDigitTimeoutCompletesTheNumber) {
  hal::HandsetTiming t;
  t.interdigit_ms = 4000;
  Handset h(t);
  h.hook(true, 0);
  h.key(Key::k5, 1000);
  h.key(Key::k5, 2000);
  h.tick(5999);
  EXPECT_TRUE(h.actions().empty());
  EXPECT_EQ(h.deadline(), 6000);
  h.tick(6000);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].number.view(), "55");
}

TEST(Handset, NoDiallingGivesReorderThenOffHookWarning) {
  hal::HandsetTiming t;
  t.first_digit_ms = 15000;
  t.reorder_ms = 30000;
  Handset h(t);
  h.hook(true, 0);
  h.tick(14999);
  EXPECT_EQ(h.tone(), Tone::kDial);
  h.tick(15000);
  EXPECT_EQ(h.tone(), Tone::kReorder);
  EXPECT_EQ(h.phase(), Phase::kPermanentSignal);
  h.key(Key::k1, 16000);  // too late to dial
  EXPECT_TRUE(h.actions().empty());
  h.tick(45000);
  EXPECT_EQ(h.tone(), Tone::kOffHookWarning);
  h.hook(false, 50000);
  EXPECT_EQ(h.tone(), Tone::kNone);
}

TEST(Handset, RefusedCallPlaysTheNoLineAnnouncement) {
  Handset h;
  h.hook(true, 0);
  h.key(Key::k9, 10);
  h.key(Key::kHash, 20);
  h.actions().clear();
  h.call_refused(30);
  EXPECT_EQ(h.tone(), Tone::kNoLineAnnouncement);
  h.tick(30 + 30000);
  EXPECT_EQ(h.tone(), Tone::kOffHookWarning);
}

TEST(Handset, HashAloneAndKeysOnHookDialNothing) {
  Handset h;
  h.key(Key::k1, 0);
  h.hook(true, 10);
  h.key(Key::kHash, 20);
  EXPECT_TRUE(h.actions().empty());
  EXPECT_EQ(h.tone(), Tone::kDial);
}

TEST(Handset, OverlongNumberIsDialledAsFarAsItFits) {
  Handset h;
  h.hook(true, 0);
  for (std::size_t i = 0; i < limits::kDialDigitsMax + 5; ++i) h.key(Key::k7, static_cast<TimeMs>(i));
  ASSERT_GE(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].number.size(), limits::kDialDigitsMax);
}

TEST(Handset, RingingThenOffHookAnswers) {
  Handset h;
  h.ring(true);
  EXPECT_EQ(h.tone(), Tone::kRing);
  h.hook(true, 100);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].kind, ActionKind::kAnswer);
  h.actions().clear();
  h.line_in_call(true);
  h.key(Key::k3, 200);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].kind, ActionKind::kSendDigit);
  EXPECT_EQ(h.actions()[0].digit, '3');
  h.actions().clear();
  h.hook(false, 300);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].kind, ActionKind::kHangUp);
}

TEST(Handset, CallerCancelStopsRinging) {
  Handset h;
  h.ring(true);
  h.ring(false);
  EXPECT_EQ(h.phase(), Phase::kOnHook);
  EXPECT_EQ(h.tone(), Tone::kNone);
}

}  // namespace
}  // namespace dialtone::handset
