#include "firmware/services/kazoo_service.hpp"

#include <cstdio>

#include "firmware/core/log.hpp"

namespace dialtone::services {

using protocol::HttpHeader;
using protocol::HttpResult;
namespace kz = protocol::kazoo;

namespace {
// The number's document being sent back, kept until the POST is answered
// (a 401 repeats it); one operation runs at a time.
char g_body[limits::kServiceBodyMax];
char g_auth_body[limits::kKazooTokenMax];
FixedString<limits::kUrlMax> g_path;
}  // namespace

KazooService::KazooService(EventLoop& loop, const config::KazooConfig& cfg, status::KazooStatus& model)
    : loop_(loop), cfg_(cfg), model_(model), client_(loop, "kazoo", "kazoo_tls_connections") {
  model_.number.assign(cfg.number.view());
}

KazooService::~KazooService() { stop(); }

bool KazooService::start() {
  if (!client_.start(cfg_.api_url.view(), cfg_.ca_file.view(), model_.error)) {
    if (classifiers_sink_) classifiers_sink_(false, model_.error.view());
    return false;
  }
  fetch(nullptr);
  load_classifiers();
  return true;
}

void KazooService::stop() {
  loop_.cancel_timer(refresh_);
  loop_.cancel_timer(kick_);
  client_.stop();
  ops_.clear();
  step_ = Step::kIdle;
}

bool KazooService::fetch(Done done) {
  Op op;
  op.kind = OpKind::kFetch;
  op.done = std::move(done);
  return enqueue(std::move(op));
}

bool KazooService::update_e911(const kz::E911Address& address, Done done) {
  Op op;
  op.kind = OpKind::kUpdate;
  op.address = address;
  op.done = std::move(done);
  if (!enqueue(std::move(op))) return false;
  model_.updating = true;
  model_.entered = address;
  return true;
}

bool KazooService::search(std::string_view prefix, int quantity, Done done) {
  FixedString<limits::kUrlMax> probe;
  if (!kz::search_path(prefix, quantity, 0, probe)) return false;
  Op op;
  op.kind = OpKind::kSearch;
  op.number.assign(prefix);
  op.quantity = quantity;
  op.done = std::move(done);
  if (!enqueue(std::move(op))) return false;
  model_.searching = true;
  model_.search_prefix.assign(prefix);
  model_.search_error.clear();
  model_.found.clear();
  return true;
}

bool KazooService::activate(std::string_view number, Done done) {
  Op op;
  op.kind = OpKind::kActivate;
  if (number.empty() || !op.number.assign(number)) return false;
  op.done = std::move(done);
  if (!enqueue(std::move(op))) return false;
  model_.activating = true;
  model_.activate_number.assign(number);
  model_.activate_message.clear();
  return true;
}

bool KazooService::load_classifiers() {
  if (!classifiers_sink_) return false;
  Op op;
  op.kind = OpKind::kClassifiers;
  return enqueue(std::move(op));
}

bool KazooService::enqueue(Op&& op) {
  if (!ops_.push_back(std::move(op))) {
    DT_LOGW("kazoo", "%zu operations already wait (limits::kServiceOpsQueued)", limits::kServiceOpsQueued);
    return false;
  }
  if (step_ == Step::kIdle && !kick_.valid()) {
    // From the loop, never from inside the caller (a control command, a page).
    kick_ = loop_.add_timer(0, [this] {
      kick_ = {};
      run_next();
    });
  }
  return true;
}

void KazooService::run_next() {
  if (step_ != Step::kIdle || ops_.empty()) return;
  loop_.cancel_timer(refresh_);
  // A fetch reads the listing, then the document; a change starts at the document.
  Step first = Step::kGet;
  switch (ops_[0].kind) {
    case OpKind::kFetch: first = Step::kList; break;
    case OpKind::kUpdate: first = Step::kGet; break;
    case OpKind::kSearch: first = Step::kSearch; break;
    case OpKind::kActivate: first = Step::kActivate; break;
    case OpKind::kClassifiers: first = Step::kClassifiers; break;
  }
  if (token_.empty()) {
    resume_ = first;
    send_step(Step::kAuth);
  } else {
    send_step(first);
  }
}

void KazooService::send_step(Step step) {
  step_ = step;
  FixedVector<HttpHeader, 3> h;
  h.push_back({"Accept", "application/json"});
  if (step != Step::kAuth) h.push_back({"X-Auth-Token", token_.view()});
  std::string_view method = "GET";
  std::string_view body;
  bool built = true;
  switch (step) {
    case Step::kAuth:
      method = "PUT";
      g_path.assign("/api_auth");
      body = {g_auth_body, kz::build_auth_body(cfg_.api_key.view(), g_auth_body)};
      built = !body.empty();
      break;
    case Step::kList: built = kz::numbers_path(cfg_.account_id.view(), g_path); break;
    case Step::kGet: built = kz::number_path(cfg_.account_id.view(), cfg_.number.view(), g_path); break;
    case Step::kPost:
      method = "POST";
      built = kz::number_path(cfg_.account_id.view(), cfg_.number.view(), g_path);
      body = {g_body, body_len_};
      break;
    case Step::kSearch: built = kz::search_path(ops_[0].number.view(), ops_[0].quantity, 0, g_path); break;
    case Step::kActivate:
      method = "PUT";  // with an empty object, as the doc's example
      built = kz::activate_path(cfg_.account_id.view(), ops_[0].number.view(), g_path);
      body = "{}";
      break;
    case Step::kClassifiers: built = kz::classifiers_path(cfg_.account_id.view(), g_path); break;
    case Step::kIdle: return;
  }
  if (!body.empty()) h.push_back({"Content-Type", "application/json"});
  if (!built || !client_.send(method, g_path.view(), h.span(), body,
                              [this, step](const HttpResult& r) { on_answer(step, r); }))
    fail("the request could not be sent (too large, or no connection slot)");
}

void KazooService::on_answer(Step step, const HttpResult& r) {
  if (step != step_ || ops_.empty()) return;
  if (r.ok() && r.status == 401 && step != Step::kAuth) {
    if (ops_[0].reauthed) return fail("Kazoo refused a fresh token (HTTP 401)");
    // The token expired: one new one, then this request once more.
    DT_LOGI("kazoo", "token refused: authenticating again");
    ops_[0].reauthed = true;
    token_.clear();
    resume_ = step;
    send_step(Step::kAuth);
    return;
  }
  if (!r.ok()) {
    FixedString<limits::kServiceTextMax> why;
    PlatformClient::describe(r, why);
    return fail(why.view());
  }
  switch (step) {
    case Step::kAuth: return on_auth(r);
    case Step::kList: return on_list(r);
    case Step::kGet: return on_get(r);
    case Step::kPost: return on_post(r);
    case Step::kSearch: return on_search(r);
    case Step::kActivate: return on_activate(r);
    case Step::kClassifiers: return on_classifiers(r);
    case Step::kIdle: return;
  }
}

void KazooService::on_search(const HttpResult& r) {
  static kz::NumberSearch found;
  if (r.status < 200 || r.status >= 300) {
    FixedString<limits::kServiceTextMax> why;
    kz::describe_error(r.status, r.body, why);
    return fail(why.view());
  }
  if (!kz::parse_number_search(r.body, found)) return fail("malformed number search answer");
  model_.searching = false;
  model_.found.clear();
  for (const kz::FoundNumber& f : found.numbers) model_.found.push_back(f);
  DT_LOGI("kazoo", "number search: %zu offered", model_.found.size());
  KazooResult res;
  res.kind = KazooResult::Kind::kOk;
  res.found = model_.found.span();
  finish(res);
}

void KazooService::on_activate(const HttpResult& r) {
  static kz::ActivateOutcome out;
  kz::parse_activate_result(r.status, r.body, out);
  if (!out.ok) return fail(out.message.view());
  DT_LOGI("kazoo", "number %s activated (%s)", ops_[0].number.c_str(), out.state.c_str());
  model_.activating = false;
  model_.activated = true;
  model_.activate_message.assign(out.state.view());
  // What was offered is no longer on offer, and the account's listing changed.
  model_.found.clear();
  KazooResult res;
  res.kind = KazooResult::Kind::kOk;
  res.state = model_.activate_message.view();
  finish(res);
  fetch(nullptr);
}

void KazooService::on_classifiers(const HttpResult& r) {
  if (r.status < 200 || r.status >= 300) {
    FixedString<limits::kServiceTextMax> why;
    kz::describe_error(r.status, r.body, why);
    return fail(why.view());
  }
  classifiers_loaded_ = classifiers_sink_ && classifiers_sink_(true, r.body);
  KazooResult res;
  res.kind = KazooResult::Kind::kOk;
  finish(res);
}

void KazooService::on_auth(const HttpResult& r) {
  if (r.status < 200 || r.status >= 300) {
    FixedString<limits::kServiceTextMax> why;
    kz::describe_error(r.status, r.body, why);
    FixedString<limits::kServiceTextMax> msg;
    msg.assign("authentication failed: ");
    msg.append(why.view());
    return fail(msg.view());
  }
  if (!kz::parse_auth_token(r.body, token_)) return fail("authentication answer without an auth_token");
  send_step(resume_);
}

void KazooService::on_list(const HttpResult& r) {
  if (r.status < 200 || r.status >= 300) {
    FixedString<limits::kServiceTextMax> why;
    kz::describe_error(r.status, r.body, why);
    return fail(why.view());
  }
  static kz::NumberList list;
  if (!kz::parse_phone_numbers(r.body, list)) return fail("malformed phone number listing");
  model_.account_numbers.clear();
  for (const kz::NumberEntry& n : list.numbers) model_.account_numbers.push_back(n);
  const kz::NumberEntry* mine = list.find(cfg_.number.view());
  model_.number_state.assign(mine ? mine->state.view() : std::string_view("not in this account"));
  send_step(Step::kGet);
}

void KazooService::on_get(const HttpResult& r) {
  if (r.status < 200 || r.status >= 300) {
    FixedString<limits::kServiceTextMax> why;
    kz::describe_error(r.status, r.body, why);
    return fail(why.view());
  }
  Op& op = ops_[0];
  if (op.kind == OpKind::kFetch) {
    kz::E911State st;
    if (!kz::parse_number_e911(r.body, st)) return fail("malformed number document");
    model_.e911 = st.provisioned ? status::KazooStatus::E911::kProvisioned : status::KazooStatus::E911::kNone;
    model_.address = st.address;
    model_.error.clear();
    KazooResult res;
    res.kind = KazooResult::Kind::kOk;
    return finish(res);
  }
  kz::BuildError e = kz::build_e911_update(r.body, op.address, g_body, body_len_);
  if (e != kz::BuildError::kOk) return fail(kz::to_string(e));
  send_step(Step::kPost);
}

void KazooService::on_post(const HttpResult& r) {
  static kz::E911Outcome out;
  kz::parse_e911_result(r.status, r.body, out);
  model_.updating = false;
  model_.choices.clear();
  model_.outcome_message.assign(out.message.view());
  KazooResult res;
  switch (out.kind) {
    case kz::E911Outcome::Kind::kProvisioned:
      DT_LOGI("kazoo", "E911 address provisioned");
      model_.e911 = status::KazooStatus::E911::kProvisioned;
      model_.address = out.address;
      model_.outcome = status::KazooStatus::Outcome::kProvisioned;
      model_.entered = kz::E911Address{};
      model_.error.clear();
      res.kind = KazooResult::Kind::kOk;
      break;
    case kz::E911Outcome::Kind::kInvalid:
      DT_LOGI("kazoo", "E911 address refused: %s", out.message.c_str());
      model_.outcome = status::KazooStatus::Outcome::kInvalid;
      res.kind = KazooResult::Kind::kInvalid;
      break;
    case kz::E911Outcome::Kind::kMultipleChoice:
      DT_LOGI("kazoo", "E911 address ambiguous: %zu choices", out.choices.size());
      model_.outcome = status::KazooStatus::Outcome::kMultipleChoice;
      for (const kz::E911Address& a : out.choices) model_.choices.push_back(a);
      res.kind = KazooResult::Kind::kMultipleChoice;
      res.choices = model_.choices.span();
      break;
    case kz::E911Outcome::Kind::kError:
      return fail(out.message.view());
  }
  res.message = model_.outcome_message.view();
  finish(res);
}

void KazooService::fail(std::string_view why) {
  DT_LOGW("kazoo", "%.*s", static_cast<int>(why.size()), why.data());
  FixedString<limits::kServiceTextMax> msg;
  msg.assign(why);
  const OpKind kind = ops_.empty() ? OpKind::kFetch : ops_[0].kind;
  switch (kind) {
    case OpKind::kUpdate:
      model_.updating = false;
      model_.outcome = status::KazooStatus::Outcome::kError;
      model_.outcome_message.assign(why);
      model_.choices.clear();
      break;
    case OpKind::kSearch:
      model_.searching = false;
      model_.search_error.assign(why);
      break;
    case OpKind::kActivate:
      model_.activating = false;
      model_.activated = false;
      model_.activate_message.assign(why);
      // Whatever the reason, this one is not to be offered again.
      for (std::size_t i = 0; i < model_.found.size(); ++i)
        if (model_.found[i].number == ops_[0].number.view()) model_.found.erase_at(i--);
      break;
    case OpKind::kClassifiers:
      if (classifiers_sink_) classifiers_sink_(false, why);
      break;
    case OpKind::kFetch: model_.error.assign(why); break;
  }
  KazooResult res;
  res.kind = KazooResult::Kind::kServiceError;
  res.message = msg.view();
  finish(res);
}

void KazooService::finish(const KazooResult& result) {
  step_ = Step::kIdle;
  if (ops_.empty()) return;
  Done done = std::move(ops_[0].done);
  ops_.erase_at(0);
  if (done) done(result);
  if (!ops_.empty()) {
    if (!kick_.valid()) kick_ = loop_.add_timer(0, [this] {
      kick_ = {};
      run_next();
    });
  } else {
    arm_refresh();
  }
}

void KazooService::arm_refresh() {
  loop_.cancel_timer(refresh_);
  refresh_ = loop_.add_timer(limits::kServiceRefreshMs, [this] {
    refresh_ = {};
    fetch(nullptr);
    if (!classifiers_loaded_) load_classifiers();
  });
}

}  // namespace dialtone::services
