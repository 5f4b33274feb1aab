// Kazoo's classifiers as the handset's dial plan (services.md section 3): the
// answer parsed, every regex translated into digit patterns, and the plan
// that results matched against dialled strings. Whatever the network sends,
// a plan that is built holds only valid rules, keeps the country's
// emergency number first, and a number it writes fits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/dialplan/classifier_plan.hpp"
#include "firmware/dialplan/country_plans.hpp"
#include "protocol/kazoo/kazoo_api.hpp"

using namespace dialtone;
using namespace dialtone::dialplan;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static protocol::kazoo::Classifiers parsed;
  static LoadedDialPlan plan;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ClassifierInput in[limits::kKazooClassifiersMax];
  std::size_t n = 0;
  if (protocol::kazoo::parse_classifiers(text, parsed)) {
    for (const auto& c : parsed.list) in[n++] = {c.name.view(), c.friendly_name.view(), c.regex.view()};
  } else {
    // Not an answer: the bytes as one regex, so the translator sees them all.
    in[n++] = {"fuzz", "", text.substr(0, limits::kClassifierRegexMax)};
  }
  PlanBuildReport report;
  if (plan.build(std::span<const ClassifierInput>(in, n), &kDialPlanUs, report)) {
    const DialPlan p = plan.plan();
    if (!valid_plan(p) || p.rules[0].name != "emergency" || report.rules != p.rules.size()) __builtin_trap();
    Number out;
    for (std::string_view keys : {"911", "18005550199", "4155550100", "011442071234567", "5123", "0", "*#"}) {
      DialDecision d = match(p, keys, true, out);
      if (d.kind == DialKind::kDialNow && out.empty()) __builtin_trap();
    }
    if (match(p, "911", false, out).emergency == false) __builtin_trap();
  }
  Number e164;
  if (to_e164(&kDialPlanUs, text.substr(0, 64), e164) == E164Error::kOk && (e164.empty() || e164.view()[0] != '+'))
    __builtin_trap();
  return 0;
}
