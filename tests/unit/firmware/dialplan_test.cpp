#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "firmware/dialplan/country_plans.hpp"
#include "firmware/dialplan/dial_plan.hpp"
#include "firmware/dialplan/digit_pattern.hpp"
#include "tests/unit/media/alloc_counter.hpp"

namespace dialtone::dialplan {
namespace {

// ---- The pattern language ---------------------------------------------------

static_assert(valid_pattern("[2-9]XX[2-9]XXXXXX"));
static_assert(valid_pattern("N11"));
static_assert(valid_pattern("011X{1,15}"));
static_assert(valid_pattern("0[1-9]X{9}"));
static_assert(valid_pattern("[0-35]Z*#+"));
static_assert(!valid_pattern(""));
static_assert(!valid_pattern("["));
static_assert(!valid_pattern("[]"));
static_assert(!valid_pattern("[9-2]"));
static_assert(!valid_pattern("[-9]"));
static_assert(!valid_pattern("[2-]"));
static_assert(!valid_pattern("[2X]"));
static_assert(!valid_pattern("X{0}"));
static_assert(!valid_pattern("X{2,1}"));
static_assert(!valid_pattern("X{"));
static_assert(!valid_pattern("X{1,"));
static_assert(!valid_pattern("X{256}"));
static_assert(!valid_pattern("{2}"));
static_assert(!valid_pattern("a"));
// fit() is usable at compile time too.
static_assert(fit("N11", "411").complete);

enum class F { kNone, kPrefix, kComplete, kCompleteOrLonger };
F classify(std::string_view pattern, std::string_view s) {
  const PatternFit f = fit(pattern, s);
  if (f.complete) return f.longer ? F::kCompleteOrLonger : F::kComplete;
  return f.longer ? F::kPrefix : F::kNone;
}

TEST(DigitPattern, FixedLengthPatternsArePrefixCompleteOrNothing) {
  EXPECT_EQ(classify("N11", ""), F::kPrefix);
  EXPECT_EQ(classify("N11", "4"), F::kPrefix);
  EXPECT_EQ(classify("N11", "41"), F::kPrefix);
  EXPECT_EQ(classify("N11", "411"), F::kComplete);
  EXPECT_EQ(classify("N11", "4111"), F::kNone);
  EXPECT_EQ(classify("N11", "1"), F::kNone);
  EXPECT_EQ(classify("N11", "42"), F::kNone);
  EXPECT_EQ(classify("[2-9]XX[2-9]XXXXXX", "4255550199"), F::kComplete);
  EXPECT_EQ(classify("[2-9]XX[2-9]XXXXXX", "4251550199"), F::kNone);
  EXPECT_EQ(classify("[2-9]XX[2-9]XXXXXX", "425555"), F::kPrefix);
}

TEST(DigitPattern, RepeatsCountAndMayGrow) {
  EXPECT_EQ(classify("011X{1,15}", "01"), F::kPrefix);
  EXPECT_EQ(classify("011X{1,15}", "011"), F::kPrefix);
  EXPECT_EQ(classify("011X{1,15}", "0114"), F::kCompleteOrLonger);
  EXPECT_EQ(classify("011X{1,15}", "011" "123456789012345"), F::kComplete);
  EXPECT_EQ(classify("011X{1,15}", "011" "1234567890123456"), F::kNone);
  EXPECT_EQ(classify("0[1-9]X{9}", "02071234567"), F::kComplete);
  EXPECT_EQ(classify("0[1-9]X{9}", "00441234567"), F::kNone);
  EXPECT_EQ(classify("X{2,3}1", "551"), F::kCompleteOrLonger);  // 55+1, or 551+1 to come
  EXPECT_EQ(classify("X{2,3}1", "5511"), F::kComplete);
}

TEST(DigitPattern, ClassesAndLiterals) {
  for (char d : std::string_view("01235")) EXPECT_EQ(classify("[0-35]", std::string(1, d)), F::kComplete) << d;
  for (char d : std::string_view("46789*#")) EXPECT_EQ(classify("[0-35]", std::string(1, d)), F::kNone) << d;
  EXPECT_EQ(classify("Z", "0"), F::kNone);
  EXPECT_EQ(classify("Z", "1"), F::kComplete);
  EXPECT_EQ(classify("N", "1"), F::kNone);
  EXPECT_EQ(classify("X", "*"), F::kNone);
  EXPECT_EQ(classify("*67", "*67"), F::kComplete);
  EXPECT_EQ(classify("+X{1,15}", "+44"), F::kCompleteOrLonger);
}

TEST(DigitPattern, AMalformedPatternMatchesNothing) {
  for (std::string_view pattern : {"a", "1a", "[9-2]", "X{2,1}", "X{"}) {
    EXPECT_TRUE(fit(pattern, "1").none()) << pattern;
    EXPECT_TRUE(fit(pattern, "").none()) << pattern;
  }
}

// ---- Plans ------------------------------------------------------------------

struct Outcome {
  DialKind kind;
  std::string number;
  std::string rule;
  bool emergency;
};

Outcome decide(const DialPlan& plan, std::string_view dialled, bool terminated) {
  Number out;
  const DialDecision d = match(plan, dialled, terminated, out);
  return {d.kind, std::string(out.view()), std::string(d.rule), d.emergency};
}

// Feeds the keys one at a time, as the handset does; returns how many had
// been pressed when the plan said "dial now" (0: it never did).
std::size_t dials_after(const DialPlan& plan, std::string_view dialled) {
  for (std::size_t n = 1; n <= dialled.size(); ++n) {
    Number out;
    if (match(plan, dialled.substr(0, n), false, out).kind == DialKind::kDialNow) return n;
  }
  return 0;
}

TEST(DialPlanUs, NineOneOneIsAnEmergencyCallAtOnceAsDialled) {
  EXPECT_EQ(dials_after(kDialPlanUs, "911"), 3u);
  const Outcome o = decide(kDialPlanUs, "911", false);
  EXPECT_EQ(o.kind, DialKind::kDialNow);
  EXPECT_EQ(o.number, "911");
  EXPECT_EQ(o.rule, "emergency");
  EXPECT_TRUE(o.emergency);
}

TEST(DialPlanUs, TenDigitsAndOnePlusTenGoAtOnceAsE164) {
  EXPECT_EQ(dials_after(kDialPlanUs, "4255550199"), 10u);
  Outcome o = decide(kDialPlanUs, "4255550199", false);
  EXPECT_EQ(o.kind, DialKind::kDialNow);
  EXPECT_EQ(o.number, "+14255550199");
  EXPECT_EQ(o.rule, "did_us");
  EXPECT_FALSE(o.emergency);

  EXPECT_EQ(dials_after(kDialPlanUs, "14255550199"), 11u);
  o = decide(kDialPlanUs, "14255550199", false);
  EXPECT_EQ(o.kind, DialKind::kDialNow);
  EXPECT_EQ(o.number, "+14255550199");
  EXPECT_EQ(o.rule, "did_us");
}

TEST(DialPlanUs, InternationalWaitsForTheEndThenBecomesPlusE164) {
  EXPECT_EQ(dials_after(kDialPlanUs, "011442071234567"), 0u);
  const Outcome o = decide(kDialPlanUs, "011442071234567", true);
  EXPECT_EQ(o.kind, DialKind::kDialNow);
  EXPECT_EQ(o.number, "+442071234567");
  EXPECT_EQ(o.rule, "international");
  EXPECT_FALSE(o.emergency);
}

TEST(DialPlanUs, ServiceCodesGoAtOnceAsDialled) {
  for (std::string_view code : {"211", "311", "411", "511", "611", "711", "811"}) {
    EXPECT_EQ(dials_after(kDialPlanUs, code), 3u) << code;
    const Outcome o = decide(kDialPlanUs, code, false);
    EXPECT_EQ(o.number, code);
    EXPECT_EQ(o.rule, "service");
    EXPECT_FALSE(o.emergency) << code;
  }
}

TEST(DialPlanUs, PartialNumbersNeedMore) {
  for (std::string_view s : {"", "1", "14", "1425555019", "9", "91", "01", "011", "0114420", "425555019"}) {
    Number out("stale");
    EXPECT_EQ(match(kDialPlanUs, s, false, out).kind, DialKind::kNeedMore) << s;
    EXPECT_TRUE(out.empty()) << s;
  }
}

TEST(DialPlanUs, UnknownStringsGoAsDialledOnlyWhenTerminated) {
  // Seven digits, a European emergency number, 1 + 911, a star code, the
  // international prefix alone, and more digits than E.164 allows.
  for (std::string_view s : {"5550199", "112", "999", "1911", "*67", "011", "011" "1234567890123456", "0"}) {
    EXPECT_EQ(dials_after(kDialPlanUs, s), 0u) << s;
    const Outcome o = decide(kDialPlanUs, s, true);
    EXPECT_EQ(o.kind, DialKind::kDialNow) << s;
    EXPECT_EQ(o.number, s);  // never a guessed prefix
    EXPECT_EQ(o.rule, "unknown");
    EXPECT_FALSE(o.emergency) << s;
  }
}

TEST(DialPlanUs, AnOverlongTenDigitStringIsUnknownNotCutShort) {
  // The eleventh digit arrives after the number was complete: a caller that
  // kept collecting (e.g. keys pressed faster than it acted) gets it whole.
  const Outcome o = decide(kDialPlanUs, "42555501990", true);
  EXPECT_EQ(o.number, "42555501990");
  EXPECT_EQ(o.rule, "unknown");
}

TEST(DialPlanUk, NineNineNineAndOneOneTwoAreEmergencyCallsAtOnce) {
  for (std::string_view s : {"999", "112"}) {
    EXPECT_EQ(dials_after(kDialPlanUk, s), 3u) << s;
    const Outcome o = decide(kDialPlanUk, s, false);
    EXPECT_EQ(o.number, s);
    EXPECT_EQ(o.rule, "emergency");
    EXPECT_TRUE(o.emergency);
  }
}

TEST(DialPlanUk, NationalNumbersGoAtOnceAsPlus44) {
  EXPECT_EQ(dials_after(kDialPlanUk, "02071234567"), 11u);
  const Outcome o = decide(kDialPlanUk, "02071234567", false);
  EXPECT_EQ(o.kind, DialKind::kDialNow);
  EXPECT_EQ(o.number, "+442071234567");
  EXPECT_EQ(o.rule, "did_uk");
  EXPECT_FALSE(o.emergency);
}

TEST(DialPlanUk, InternationalWaitsForTheEndAndIsNotTakenForANationalNumber) {
  EXPECT_EQ(dials_after(kDialPlanUk, "0014255550199"), 0u);
  const Outcome o = decide(kDialPlanUk, "0014255550199", true);
  EXPECT_EQ(o.number, "+14255550199");
  EXPECT_EQ(o.rule, "international");
}

TEST(DialPlanUk, UnknownStringsAndPartialsAsInTheUs) {
  for (std::string_view s : {"0", "00", "020", "99", "11"}) {
    Number out;
    EXPECT_EQ(match(kDialPlanUk, s, false, out).kind, DialKind::kNeedMore) << s;
  }
  for (std::string_view s : {"911", "4255550199", "123"}) {
    EXPECT_EQ(dials_after(kDialPlanUk, s), 0u) << s;
    const Outcome o = decide(kDialPlanUk, s, true);
    EXPECT_EQ(o.number, s);
    EXPECT_EQ(o.rule, "unknown");
    EXPECT_FALSE(o.emergency);
  }
}

TEST(DialPlan, APlusNumberIsAlreadyE164AndWaitsForTheEnd) {
  for (const DialPlan* plan : {&kDialPlanUs, &kDialPlanUk}) {
    EXPECT_EQ(dials_after(*plan, "+14255550199"), 0u);
    EXPECT_EQ(dials_after(*plan, "+911"), 0u);
    Outcome o = decide(*plan, "+442071234567", true);
    EXPECT_EQ(o.kind, DialKind::kDialNow);
    EXPECT_EQ(o.number, "+442071234567");
    EXPECT_EQ(o.rule, "e164");
    EXPECT_FALSE(o.emergency);
    o = decide(*plan, "+911", true);
    EXPECT_EQ(o.number, "+911");
    EXPECT_FALSE(o.emergency);
  }
}

TEST(DialPlan, NothingToSendIsInvalid) {
  EXPECT_EQ(decide(kDialPlanUs, "", true).kind, DialKind::kInvalid);
  EXPECT_EQ(decide(kDialPlanUs, "+", true).kind, DialKind::kInvalid);
  // Longer than any number the line takes: refused, not cut short.
  const Outcome o = decide(kDialPlanUs, "1234567890123456789012345678901234567890", true);
  EXPECT_EQ(o.kind, DialKind::kInvalid);
  EXPECT_EQ(o.number, "");
}

TEST(DialPlan, FoundByTheTonePlansCountry) {
  EXPECT_EQ(find_dial_plan("us"), &kDialPlanUs);
  EXPECT_EQ(find_dial_plan("uk"), &kDialPlanUk);
  EXPECT_EQ(find_dial_plan("fr"), nullptr);
  EXPECT_EQ(find_dial_plan(""), nullptr);
}

TEST(DialPlan, MatchingKeyByKeyAllocatesNothing) {
  constexpr std::string_view kDialled[] = {
      "911", "4255550199", "14255550199", "011442071234567", "411", "5550199", "+14255550199", "1911",
  };
  std::size_t dial_now = 0;
  const std::size_t before = test::alloc_count();
  for (const DialPlan* plan : {&kDialPlanUs, &kDialPlanUk}) {
    for (std::string_view s : kDialled) {
      Number out;
      for (std::size_t n = 1; n <= s.size(); ++n)
        if (match(*plan, s.substr(0, n), false, out).kind == DialKind::kDialNow) ++dial_now;
      if (match(*plan, s, true, out).kind == DialKind::kDialNow) ++dial_now;
    }
  }
  const std::size_t after = test::alloc_count();
  if (!test::alloc_counting_enabled()) GTEST_SKIP() << "allocation counting is off under ASan";
  EXPECT_EQ(after, before);
  EXPECT_GT(dial_now, 0u);  // the loop did real work
}

}  // namespace
}  // namespace dialtone::dialplan
