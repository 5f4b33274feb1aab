#include "firmware/dialplan/country_plans.hpp"

namespace dialtone::dialplan {

namespace {
constexpr const DialPlan* kPlans[] = {&kDialPlanUs, &kDialPlanUk};
}  // namespace

const DialPlan* find_dial_plan(std::string_view country) {
  for (const DialPlan* p : kPlans)
    if (p->country == country) return p;
  return nullptr;
}

}  // namespace dialtone::dialplan
