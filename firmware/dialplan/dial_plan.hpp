// What a string of dialled keys means: complete or not, emergency or not, and
// the number to hand to the line. A plan is data in the shape of Kazoo's
// phone-number classifiers (name, friendly name, a pattern, the E.164 form it
// implies), so a built-in country plan and one fetched from Kazoo can be
// matched by the same code. match() runs on every key press: no allocation.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/dialplan/digit_pattern.hpp"

namespace dialtone::dialplan {

// The number handed to the line: E.164 with a leading '+', or as dialled.
using Number = FixedString<limits::kDialDigitsMax>;

// What a matching string is sent as.
enum class Form : std::uint8_t {
  kAsDialled,  // exactly the keys pressed (emergency, service codes)
  kE164,       // '+', country_code, then the keys after `strip`
};

// When a matching string is complete.
enum class Send : std::uint8_t {
  kAtOnce,       // as soon as it matches: no '#', no inter-digit wait
  kOnTerminate,  // on '#' or the inter-digit timeout (numbers of no fixed length)
};

// One rule. Several rules may share a name, as one Kazoo classifier's regex
// may have alternatives (its "international" is ^(011\d*)$|^(00\d*)$).
struct Rule {
  std::string_view name{};           // the classifier's name: "emergency", "did_us", ...
  std::string_view friendly_name{};  // "Emergency Dispatcher", "US DID", ...
  std::string_view pattern{};        // digit_pattern.hpp
  Form form = Form::kAsDialled;
  std::string_view strip{};          // kE164: the leading keys dropped ("1", "011", "0")
  std::string_view country_code{};   // kE164: the digits written after '+' ("1", "44", none)
  Send send = Send::kOnTerminate;
  bool emergency = false;
};

struct DialPlan {
  std::string_view country{};     // as the board's tone plan names it: "us", "uk"
  std::span<const Rule> rules{};  // tried in order; the first that matches whole decides
};

enum class DialKind : std::uint8_t {
  kNeedMore,  // keep collecting
  kDialNow,   // complete: send the number written out
  kInvalid,   // nothing to send (nothing dialled, a lone '+', a number too long)
};

struct DialDecision {
  DialKind kind = DialKind::kNeedMore;
  // kDialNow: the rule's name, kE164Name for a number dialled with '+', or
  // kUnknownName when no rule matched. Points into the plan (or is static).
  std::string_view rule{};
  bool emergency = false;
};

inline constexpr std::string_view kE164Name = "e164";
inline constexpr std::string_view kUnknownName = "unknown";

// What `dialled` means under `plan`. `terminated`: the person pressed '#' or
// paused past the inter-digit timeout, so the string is all there will be.
// On kDialNow `out` holds the number to send; otherwise it is cleared.
//
// - The first rule (in plan order) that `dialled` matches whole decides: at
//   once if its rule says so, else only when terminated. A rule that could
//   still match a longer string does not hold back an earlier complete match,
//   which is why order matters (emergency first).
// - A string beginning with '+' is already E.164 (the control socket can type
//   one): no rule applies, it is sent unchanged when terminated.
// - A string no rule matches is sent as dialled when terminated, never with a
//   guessed prefix.
DialDecision match(const DialPlan& plan, std::string_view dialled, bool terminated, Number& out);

// A rule the matcher can use: a valid pattern, and for kE164 a `strip` the
// pattern begins with literally and a country code of digits. Plans check
// every rule at compile time.
constexpr bool valid_rule(const Rule& r) {
  if (r.name.empty() || !valid_pattern(r.pattern)) return false;
  if (r.form == Form::kAsDialled) return r.strip.empty() && r.country_code.empty();
  for (char c : r.strip)
    if (!pattern_detail::is_digit(c)) return false;
  for (char c : r.country_code)
    if (!pattern_detail::is_digit(c)) return false;
  // The stripped keys are literal pattern characters, not the start of a repeat.
  return r.pattern.starts_with(r.strip) &&
         (r.strip.empty() || r.pattern.size() == r.strip.size() || r.pattern[r.strip.size()] != '{');
}

constexpr bool valid_plan(const DialPlan& p) {
  if (p.country.empty() || p.rules.empty()) return false;
  for (const Rule& r : p.rules)
    if (!valid_rule(r)) return false;
  return true;
}

}  // namespace dialtone::dialplan
