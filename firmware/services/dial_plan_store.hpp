// The handset's dial plan when Kazoo is configured (services.md section 3):
// the account's classifiers, fetched at start and cached in the state
// directory. Until a fetch works the cached copy applies, else the built-in
// plan of the board's country. A fetched plan that cannot be used (nothing
// in it a keypad can dial) changes nothing.
//
// The cache keeps only the classifiers ({"data":{name:{regex,
// friendly_name}}}, the answer's own shape), never the answer's envelope,
// which carries Kazoo's auth_token; it is replaced atomically.
#pragma once
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/dialplan/classifier_plan.hpp"
#include "firmware/status/dial_plan_status.hpp"

namespace dialtone::services {

class DialPlanStore {
 public:
  using Apply = InplaceFunction<void(const dialplan::DialPlan*), 16>;

  // `builtin` may be null (a country without a plan); `apply` hands a plan
  // to the handset.
  DialPlanStore(std::string_view state_dir, const dialplan::DialPlan* builtin, status::DialPlanStatus& model,
                Apply apply);

  // At start: the cached classifiers, when there are usable ones.
  void load_cache();
  // Kazoo's answer (ok: its body) or why there is none; true when the
  // answer was used.
  bool on_classifiers(bool ok, std::string_view body_or_why);
  // Where the plan in force is kept (for numbers typed on the page).
  const dialplan::DialPlan* const* current() const { return &current_; }

  static constexpr const char* kFileName = "kazoo-classifiers.json";

 private:
  // Builds `body`'s plan into the spare slot and applies it; the cache text in `cache`.
  bool use(std::string_view body, status::DialPlanStatus::Source source, FixedString<limits::kServiceTextMax>& why,
           std::span<char> cache, std::size_t& cache_len);

  FixedString<limits::kPathMax + 32> path_;
  const dialplan::DialPlan* builtin_;
  const dialplan::DialPlan* current_;
  status::DialPlanStatus& model_;
  Apply apply_;
  // Two plans: the handset reads one while the other is rebuilt.
  dialplan::LoadedDialPlan loaded_[2];
  dialplan::DialPlan plans_[2];
  int spare_ = 0;
};

}  // namespace dialtone::services
