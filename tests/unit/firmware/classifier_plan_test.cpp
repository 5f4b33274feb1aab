// The dial plan built from Kazoo's classifiers (services.md section 3), from
// the doc's "Load classifiers" example, escaped as the doc writes it and as
// real Kazoo sends it.
#include "firmware/dialplan/classifier_plan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "firmware/dialplan/country_plans.hpp"

using namespace dialtone;
using namespace dialtone::dialplan;

namespace {

// The doc's example, as the JSON text decodes it (each "\\" left doubled).
const std::vector<ClassifierInput> kDocTwiceEscaped = {
    {"tollfree_us", "US TollFree", R"(^\\+1((?:800|888|877|866|855)\\d{7})$)"},
    {"toll_us", "US Toll", R"(^\\+1(900\\d{7})$)"},
    {"emergency", "Emergency Dispatcher", "^(911)$"},
    {"caribbean", "Caribbean",
     R"(^\\+?1((?:684|264|268|242|246|441|284|345|767|809|829|849|473|671|876|664|670|787|939|869|758|784|721|868|649|340)\\d{7})$)"},
    {"did_us", "US DID", R"(^\\+?1?([2-9][0-9]{2}[2-9][0-9]{6})$)"},
    {"international", "International", R"(^(011\\d*)$|^(00\\d*)$)"},
    {"unknown", "Unknown", "^(.*)$"},
};

std::vector<ClassifierInput> once_escaped() {
  static std::vector<std::string> keep;
  std::vector<ClassifierInput> out;
  keep.reserve(kDocTwiceEscaped.size());
  for (const ClassifierInput& c : kDocTwiceEscaped) {
    std::string re;
    for (std::size_t i = 0; i < c.regex.size(); ++i) {
      if (c.regex[i] == '\\' && i + 1 < c.regex.size() && c.regex[i + 1] == '\\') ++i;
      re.push_back(c.regex[i]);
    }
    keep.push_back(re);
    out.push_back({c.name, c.friendly_name, keep.back()});
  }
  return out;
}

struct Dialled {
  DialKind kind;
  std::string rule;
  std::string number;
  bool emergency;
};

Dialled dial(const DialPlan& plan, std::string_view keys, bool terminated = false) {
  Number out;
  DialDecision d = match(plan, keys, terminated, out);
  return {d.kind, std::string(d.rule), std::string(out.view()), d.emergency};
}

}  // namespace

class ClassifierPlan : public ::testing::TestWithParam<bool> {};

TEST_P(ClassifierPlan, DocExampleBecomesTheHandsetsPlan) {
  static LoadedDialPlan loaded;
  PlanBuildReport report;
  std::vector<ClassifierInput> in = GetParam() ? kDocTwiceEscaped : once_escaped();
  ASSERT_TRUE(loaded.build(in, &kDialPlanUs, report)) << report.first_problem.c_str();
  EXPECT_EQ(report.classifiers_used, 6u);
  EXPECT_EQ(report.classifiers_skipped, 0u) << report.first_problem.c_str();
  const DialPlan plan = loaded.plan();
  EXPECT_EQ(plan.country, "us");
  EXPECT_EQ(plan.rules[0].name, "emergency");  // the country's own emergency rule first

  Dialled d = dial(plan, "911");
  EXPECT_EQ(d.kind, DialKind::kDialNow);
  EXPECT_TRUE(d.emergency);
  EXPECT_EQ(d.number, "911");

  d = dial(plan, "18005550199");  // toll free: at once, "+1" and the captured group
  EXPECT_EQ(d.kind, DialKind::kDialNow);
  EXPECT_EQ(d.rule, "tollfree_us");
  EXPECT_EQ(d.number, "+18005550199");

  EXPECT_EQ(dial(plan, "1800555019").kind, DialKind::kNeedMore);

  d = dial(plan, "4158867900");
  EXPECT_EQ(d.rule, "did_us");
  EXPECT_EQ(d.number, "+14158867900");
  d = dial(plan, "14158867900");
  EXPECT_EQ(d.rule, "did_us");
  EXPECT_EQ(d.number, "+14158867900");

  d = dial(plan, "18765550123");
  EXPECT_EQ(d.rule, "caribbean");
  EXPECT_EQ(d.number, "+18765550123");

  d = dial(plan, "19005550123");
  EXPECT_EQ(d.rule, "toll_us");
  EXPECT_EQ(d.number, "+19005550123");

  // International waits for # or the timeout, and its prefix becomes "+".
  EXPECT_EQ(dial(plan, "011442071234567").kind, DialKind::kNeedMore);
  d = dial(plan, "011442071234567", true);
  EXPECT_EQ(d.rule, "international");
  EXPECT_EQ(d.number, "+442071234567");
  d = dial(plan, "00442071234567", true);
  EXPECT_EQ(d.number, "+442071234567");

  // "unknown" is the matcher's own fallback: as dialled, on # or the timeout.
  EXPECT_EQ(dial(plan, "411").kind, DialKind::kNeedMore);
  d = dial(plan, "411", true);
  EXPECT_EQ(d.rule, "unknown");
  EXPECT_EQ(d.number, "411");
}

INSTANTIATE_TEST_SUITE_P(Escaping, ClassifierPlan, ::testing::Bool());

TEST(ClassifierPlanBuild, UntranslatableClassifiersAreSkippedAndSaid) {
  static LoadedDialPlan loaded;
  PlanBuildReport report;
  std::vector<ClassifierInput> in = {
      {"did_us", "US DID", "^1?([2-9][0-9]{2}[2-9][0-9]{6})$"},
      {"weird", "Backreference", "^(1)\\1$"},
      {"partial", "Not anchored", "911"},
      {"extension", "Extension", "^(5\\d{3})$"},
      {"uk_plus", "UK", "^\\+44(\\d{10})$"},
  };
  ASSERT_TRUE(loaded.build(in, &kDialPlanUs, report));
  EXPECT_EQ(report.classifiers_used, 2u);
  EXPECT_EQ(report.classifiers_skipped, 3u);
  EXPECT_NE(std::string(report.first_problem.c_str()).find("weird"), std::string::npos);
  // Another classifier of fixed length goes at once, as dialled.
  Dialled d = dial(loaded.plan(), "5123");
  EXPECT_EQ(d.kind, DialKind::kDialNow);
  EXPECT_EQ(d.rule, "extension");
  EXPECT_EQ(d.number, "5123");
  // The country's emergency number stays, though Kazoo's list has none.
  EXPECT_TRUE(dial(loaded.plan(), "911").emergency);
}

TEST(ClassifierPlanBuild, NothingUsableIsNoPlan) {
  static LoadedDialPlan loaded;
  PlanBuildReport report;
  std::vector<ClassifierInput> in = {{"unknown", "Unknown", "^(.*)$"}, {"x", "", "^(.+)$"}};
  EXPECT_FALSE(loaded.build(in, &kDialPlanUs, report));
  EXPECT_TRUE(loaded.empty());
}

TEST(E164, TypedNumbers) {
  Number n;
  EXPECT_EQ(to_e164(&kDialPlanUs, "+1 (206) 555-0142", n), E164Error::kOk);
  EXPECT_EQ(n.view(), "+12065550142");
  EXPECT_EQ(to_e164(&kDialPlanUs, "206.555.0142", n), E164Error::kOk);
  EXPECT_EQ(n.view(), "+12065550142");
  EXPECT_EQ(to_e164(&kDialPlanUs, "011 44 20 7123 4567", n), E164Error::kOk);
  EXPECT_EQ(n.view(), "+442071234567");
  EXPECT_EQ(to_e164(&kDialPlanUs, "911", n), E164Error::kEmergency);
  EXPECT_EQ(to_e164(&kDialPlanUs, "411", n), E164Error::kNoE164);
  EXPECT_EQ(to_e164(&kDialPlanUs, "call me", n), E164Error::kNotANumber);
  EXPECT_EQ(to_e164(&kDialPlanUs, "  ", n), E164Error::kEmpty);
  EXPECT_EQ(to_e164(&kDialPlanUs, "+0123", n), E164Error::kNotANumber);
  EXPECT_EQ(to_e164(&kDialPlanUs, "1+2065550142", n), E164Error::kNotANumber);
}
