// A dial plan built from Kazoo's phone-number classifiers (services.md
// section 3): each classifier's regex is translated into the digit patterns
// of digit_pattern.hpp, one rule per alternative, so the handset matches
// them with the same allocation-free code as the built-in plans.
//
// The regexes Kazoo ships use a small part of the regex language, and that
// part is what is translated: anchors ^ $, digits, \d, [digit sets], \+ * #,
// groups ( ) and (?: ) with alternation |, and the quantifiers ? * + {n}
// {m,n} {n,} (* and + bounded by the dial string's length). Anything else (.
// in "unknown", back-references, ...) makes that classifier unusable: it is
// skipped and reported, never approximated. The "\\" the doc's "Load
// classifiers" example writes for "\" (a rendering artifact) is read as "\".
//
// How each classifier is sent (services.md):
//   emergency                             as dialled, at once, an emergency call
//   did_us tollfree_us toll_us caribbean  "+1" and the first captured group, at once
//   international                         its 011 / 00 prefix becomes "+", on # or the timeout
//   unknown                               left to the matcher, which sends it as dialled
//   any other                             as dialled: at once when of fixed length
// Kazoo matches E.164 numbers, so its North American regexes begin "\+1" or
// "\+?1": there the "+" is left out (the keys dialled are the same digits).
// Elsewhere an alternative that needs a "+" is dropped: a keypad cannot dial
// one, and a "+" number from the control socket bypasses the plan.
// The built-in plan's emergency rules always come first: a plan from the
// network can add emergency numbers but never take the country's away.
#pragma once
#include <cstddef>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/dialplan/dial_plan.hpp"

namespace dialtone::dialplan {

struct ClassifierInput {
  std::string_view name;
  std::string_view friendly_name;
  std::string_view regex;
};

struct PlanBuildReport {
  std::size_t rules = 0;                 // rules in the plan, the built-in emergency ones included
  std::size_t classifiers_used = 0;
  std::size_t classifiers_skipped = 0;   // untranslatable (see above), or out of room
  FixedString<160> first_problem;        // the first skip, in words
};

class LoadedDialPlan {
 public:
  // Builds the plan; `builtin` (may be null) gives the country and its
  // emergency rules. False when no classifier could be used (the plan is
  // then empty and must not be applied).
  bool build(std::span<const ClassifierInput> classifiers, const DialPlan* builtin, PlanBuildReport& report);
  DialPlan plan() const { return DialPlan{.country = country_, .rules = rules_.span()}; }
  bool empty() const { return rules_.empty(); }

 private:
  std::string_view keep(std::string_view s);  // a copy in the arena; empty when full
  bool add_classifier(const ClassifierInput& c, PlanBuildReport& report);

  FixedVector<Rule, limits::kDialRulesMax> rules_;
  char text_[limits::kDialPlanTextMax];
  std::size_t used_ = 0;
  std::string_view country_;
};

// What a number typed on the web page or sent to click_to_call is, in
// E.164 ("+" and digits): spaces, dashes, dots, slashes and parentheses are
// ignored; a number with "+" is taken as it is; anything else goes through
// `plan` as if dialled and terminated.
enum class E164Error { kOk, kEmpty, kNotANumber, kEmergency, kNoE164 };
const char* to_string(E164Error e);
E164Error to_e164(const DialPlan* plan, std::string_view typed, Number& out);

}  // namespace dialtone::dialplan
