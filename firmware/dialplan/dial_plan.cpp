#include "firmware/dialplan/dial_plan.hpp"

namespace dialtone::dialplan {

namespace {

DialDecision need_more() { return DialDecision{.kind = DialKind::kNeedMore}; }

DialDecision invalid(Number& out) {
  out.clear();
  return DialDecision{.kind = DialKind::kInvalid};
}

DialDecision dial(std::string_view rule, bool emergency) {
  return DialDecision{.kind = DialKind::kDialNow, .rule = rule, .emergency = emergency};
}

// A number that does not fit is refused rather than sent cut short.
DialDecision send_as_dialled(std::string_view dialled, std::string_view rule, bool emergency, Number& out) {
  if (!out.assign(dialled)) return invalid(out);
  return dial(rule, emergency);
}

DialDecision send_e164(const Rule& r, std::string_view dialled, Number& out) {
  out.assign("+");
  if (!out.append(r.country_code) || !out.append(dialled.substr(r.strip.size()))) return invalid(out);
  return dial(r.name, r.emergency);
}

}  // namespace

DialDecision match(const DialPlan& plan, std::string_view dialled, bool terminated, Number& out) {
  out.clear();
  if (dialled.empty()) return terminated ? invalid(out) : need_more();
  if (dialled.front() == '+') {
    if (!terminated) return need_more();
    if (dialled.size() == 1) return invalid(out);
    return send_as_dialled(dialled, kE164Name, false, out);
  }
  for (const Rule& r : plan.rules) {
    if (!fit(r.pattern, dialled).complete) continue;
    if (r.send == Send::kOnTerminate && !terminated) return need_more();
    if (r.form == Form::kE164) return send_e164(r, dialled, out);
    return send_as_dialled(dialled, r.name, r.emergency, out);
  }
  if (!terminated) return need_more();
  return send_as_dialled(dialled, kUnknownName, false, out);
}

}  // namespace dialtone::dialplan
