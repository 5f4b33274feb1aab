#include "firmware/handset/handset.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include "firmware/dialplan/country_plans.hpp"

namespace dialtone::handset {
namespace {

using hal::Key;

// Presses the keys for `digits` ('0'-'9', '*', '#'), one every 100 ms from `t`.
void dial(Handset& h, std::string_view digits, TimeMs t) {
  for (char c : digits) {
    hal::Key k;
    ASSERT_TRUE(hal::key_from_char(c, k)) << c;
    h.key(k, t);
    t += 100;
  }
}

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

// ---- With a dial plan -------------------------------------------------------

TEST(HandsetDialPlan, NineOneOnePlacesAnEmergencyCallOnTheThirdDigit) {
  Handset h(hal::HandsetTiming{}, &dialplan::kDialPlanUs);
  h.hook(true, 0);
  dial(h, "91", 100);
  EXPECT_TRUE(h.actions().empty());
  EXPECT_EQ(h.phase(), Phase::kCollecting);
  h.key(Key::k1, 300);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].kind, ActionKind::kPlaceCall);
  EXPECT_EQ(h.actions()[0].number.view(), "911");
  EXPECT_TRUE(h.actions()[0].emergency);
  EXPECT_EQ(h.actions()[0].rule, "emergency");
  EXPECT_EQ(h.phase(), Phase::kLineTone);
  EXPECT_EQ(h.deadline(), -1);  // no inter-digit wait
  // A '#' pressed out of habit places nothing more.
  h.key(Key::kHash, 400);
  EXPECT_EQ(h.actions().size(), 1u);
}

TEST(HandsetDialPlan, TenDigitsPlaceTheE164NumberAtOnce) {
  Handset h;
  h.set_dial_plan(&dialplan::kDialPlanUs);
  h.hook(true, 0);
  dial(h, "425555019", 100);
  EXPECT_TRUE(h.actions().empty());
  h.key(Key::k9, 2000);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].number.view(), "+14255550199");
  EXPECT_FALSE(h.actions()[0].emergency);
  EXPECT_EQ(h.actions()[0].rule, "did_us");
  EXPECT_EQ(h.digits(), "4255550199");  // what the person dialled
}

TEST(HandsetDialPlan, InternationalWaitsForHash) {
  Handset h(hal::HandsetTiming{}, &dialplan::kDialPlanUs);
  h.hook(true, 0);
  dial(h, "011442071234567", 100);
  EXPECT_TRUE(h.actions().empty());
  EXPECT_EQ(h.phase(), Phase::kCollecting);
  h.key(Key::kHash, 3000);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].number.view(), "+442071234567");
  EXPECT_EQ(h.actions()[0].rule, "international");
  EXPECT_EQ(h.digits(), "011442071234567");
}

TEST(HandsetDialPlan, InterDigitTimeoutSendsUnknownNumbersAsDialled) {
  hal::HandsetTiming t;
  t.interdigit_ms = 4000;
  Handset h(t, &dialplan::kDialPlanUs);
  h.hook(true, 0);
  dial(h, "5550199", 100);  // last key at 700
  h.tick(4699);
  EXPECT_TRUE(h.actions().empty());
  h.tick(4700);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].number.view(), "5550199");
  EXPECT_EQ(h.actions()[0].rule, "unknown");
  EXPECT_FALSE(h.actions()[0].emergency);
}

TEST(HandsetDialPlan, UkEmergencyAndNationalNumbers) {
  Handset h(hal::HandsetTiming{}, dialplan::find_dial_plan("uk"));
  h.hook(true, 0);
  dial(h, "999", 100);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].number.view(), "999");
  EXPECT_TRUE(h.actions()[0].emergency);
  h.actions().clear();
  h.hook(false, 1000);
  h.hook(true, 2000);
  dial(h, "02071234567", 2100);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].number.view(), "+442071234567");
}

TEST(HandsetDialPlan, WithoutAPlanNumbersWaitAndGoAsDialled) {
  Handset h;
  h.hook(true, 0);
  dial(h, "911", 100);
  EXPECT_TRUE(h.actions().empty());
  h.key(Key::kHash, 500);
  ASSERT_EQ(h.actions().size(), 1u);
  EXPECT_EQ(h.actions()[0].number.view(), "911");
  EXPECT_FALSE(h.actions()[0].emergency);
  EXPECT_EQ(h.actions()[0].rule, "");
}

}  // namespace
}  // namespace dialtone::handset
