#include "firmware/services/dial_plan_store.hpp"

#include <cerrno>
#include <cstdio>

#include "firmware/core/atomic_file.hpp"
#include "firmware/core/json.hpp"
#include "firmware/core/log.hpp"
#include "protocol/kazoo/kazoo_api.hpp"

namespace dialtone::services {

namespace kz = protocol::kazoo;

DialPlanStore::DialPlanStore(std::string_view state_dir, const dialplan::DialPlan* builtin,
                             status::DialPlanStatus& model, Apply apply)
    : builtin_(builtin), current_(builtin), model_(model), apply_(std::move(apply)) {
  path_.assign(state_dir);
  path_.append("/");
  path_.append(kFileName);
  model_.source = status::DialPlanStatus::Source::kBuiltIn;
  model_.country.assign(builtin ? builtin->country : std::string_view{});
  model_.rules = builtin ? builtin->rules.size() : 0;
}

bool DialPlanStore::use(std::string_view body, status::DialPlanStatus::Source source,
                        FixedString<limits::kServiceTextMax>& why, std::span<char> cache, std::size_t& cache_len) {
  static kz::Classifiers parsed;
  if (!kz::parse_classifiers(body, parsed)) {
    why.assign("the classifiers answer is malformed");
    return false;
  }
  dialplan::ClassifierInput in[limits::kKazooClassifiersMax];
  std::size_t n = 0;
  for (const kz::Classifier& c : parsed.list) in[n++] = {c.name.view(), c.friendly_name.view(), c.regex.view()};
  dialplan::PlanBuildReport report;
  dialplan::LoadedDialPlan& plan = loaded_[spare_];
  if (!plan.build(std::span<const dialplan::ClassifierInput>(in, n), builtin_, report)) {
    why.assign(report.first_problem.empty() ? std::string_view("no classifier a keypad can dial")
                                            : report.first_problem.view());
    return false;
  }
  // The cache: only the classifiers, in the answer's shape.
  JsonWriter w(cache);
  w.begin_object().begin_object("data");
  for (const kz::Classifier& c : parsed.list)
    w.begin_object(c.name.view()).string("regex", c.regex.view()).string("friendly_name", c.friendly_name.view()).end_object();
  w.end_object().end_object();
  cache_len = w.ok() ? w.size() : 0;

  plans_[spare_] = plan.plan();
  current_ = &plans_[spare_];
  spare_ = 1 - spare_;
  apply_(current_);
  model_.source = source;
  model_.country.assign(current_->country);
  model_.rules = report.rules;
  model_.problem.assign(report.first_problem.view());
  DT_LOGI("dialplan", "%s classifiers: %zu rules from %zu classifiers%s%s",
          source == status::DialPlanStatus::Source::kCache ? "cached" : "Kazoo's", report.rules,
          report.classifiers_used, report.first_problem.empty() ? "" : "; ", report.first_problem.c_str());
  return true;
}

void DialPlanStore::load_cache() {
  static char body[limits::kClassifiersFileMax];
  long n = read_file(path_.c_str(), body);
  if (n < 0) {
    if (errno != ENOENT) DT_LOGW("dialplan", "cannot read the cached classifiers; the built-in plan applies");
    return;
  }
  FixedString<limits::kServiceTextMax> why;
  static char unused[limits::kClassifiersFileMax];
  std::size_t unused_len = 0;
  if (!use({body, static_cast<std::size_t>(n)}, status::DialPlanStatus::Source::kCache, why, unused, unused_len))
    DT_LOGW("dialplan", "cached classifiers unusable (%s); the built-in plan applies", why.c_str());
}

bool DialPlanStore::on_classifiers(bool ok, std::string_view body_or_why) {
  FixedString<limits::kServiceTextMax> why;
  if (!ok) {
    why.assign("classifiers not loaded: ");
    why.append(body_or_why);
    model_.problem.assign(why.view());
    DT_LOGW("dialplan", "%s; the %s plan stays", why.c_str(), model_.source_name().data());
    return false;
  }
  static char cache[limits::kClassifiersFileMax];
  std::size_t len = 0;
  if (!use(body_or_why, status::DialPlanStatus::Source::kKazoo, why, cache, len)) {
    FixedString<limits::kServiceTextMax> msg;
    msg.assign("Kazoo's classifiers unusable: ");
    msg.append(why.view());
    model_.problem.assign(msg.view());
    DT_LOGW("dialplan", "%s; the %s plan stays", msg.c_str(), model_.source_name().data());
    return false;
  }
  if (len == 0 || !write_file_atomic(path_.c_str(), {cache, len}, 0600))
    DT_LOGW("dialplan", "the classifiers could not be cached in the state directory");
  return true;
}

}  // namespace dialtone::services
