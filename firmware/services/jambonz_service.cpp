#include "firmware/services/jambonz_service.hpp"

#include <cstdio>

#include "firmware/core/log.hpp"

namespace dialtone::services {

using protocol::HttpHeader;
using protocol::HttpResult;
namespace jz = protocol::jambonz;

JambonzService::JambonzService(EventLoop& loop, const config::JambonzConfig& cfg, status::JambonzStatus& model)
    : loop_(loop), cfg_(cfg), model_(model), client_(loop, "jambonz", "jambonz_tls_connections") {}

JambonzService::~JambonzService() { stop(); }

bool JambonzService::start() {
  authz_.assign("Bearer ");
  authz_.append(cfg_.api_key.view());
  if (!client_.start(cfg_.api_url.view(), cfg_.ca_file.view(), model_.calls_error)) return false;
  jz::PageQuery first;
  first.count = static_cast<int>(limits::kJambonzPageRows);
  recent_calls(first, nullptr);
  alerts(nullptr);
  return true;
}

void JambonzService::stop() {
  loop_.cancel_timer(refresh_);
  loop_.cancel_timer(kick_);
  client_.stop();
  ops_.clear();
  busy_ = false;
}

bool JambonzService::recent_calls(const jz::PageQuery& q, Done done) {
  if (!q.valid()) return false;
  Op op;
  op.kind = Kind::kCalls;
  op.query = q;
  op.done = std::move(done);
  if (!enqueue(std::move(op))) return false;
  if (q.count == static_cast<int>(limits::kJambonzPageRows)) model_.calls_loading = true;
  return true;
}

bool JambonzService::alerts(Done done) {
  Op op;
  op.kind = Kind::kAlerts;
  op.query.count = static_cast<int>(limits::kJambonzRowsMax);
  op.done = std::move(done);
  return enqueue(std::move(op));
}

bool JambonzService::enqueue(Op&& op) {
  if (!ops_.push_back(std::move(op))) {
    DT_LOGW("jambonz", "%zu requests already wait (limits::kServiceOpsQueued)", limits::kServiceOpsQueued);
    return false;
  }
  kick();
  return true;
}

void JambonzService::kick() {
  if (busy_ || kick_.valid() || ops_.empty()) return;
  // From the loop, never from inside the caller (a control command, a page).
  kick_ = loop_.add_timer(0, [this] {
    kick_ = {};
    run_next();
  });
}

void JambonzService::run_next() {
  if (busy_ || ops_.empty()) return;
  loop_.cancel_timer(refresh_);
  const Op& op = ops_[0];
  bool built = op.kind == Kind::kCalls ? jz::recent_calls_path(cfg_.account_sid.view(), op.query, path_)
                                       : jz::alerts_path(cfg_.account_sid.view(), op.query, path_);
  HttpHeader h[] = {{"Authorization", authz_.view()}, {"Accept", "application/json"}};
  busy_ = true;
  if (!built || !client_.send("GET", path_.view(), h, {}, [this](const HttpResult& r) { on_answer(r); })) {
    JambonzResult res;
    res.error = "the request could not be sent (no connection slot)";
    finish(res);
  }
}

void JambonzService::on_answer(const HttpResult& r) {
  if (ops_.empty()) return;
  static FixedString<limits::kServiceTextMax> why;
  static jz::RecentCallsPage calls;
  static jz::AlertsPage alerts;
  JambonzResult res;
  if (!r.ok() || r.status < 200 || r.status >= 300) {
    PlatformClient::describe(r, why);
    res.error = why.view();
    return finish(res);
  }
  const Op& op = ops_[0];
  jz::ParseError e = op.kind == Kind::kCalls ? jz::parse_recent_calls(r.body, calls) : jz::parse_alerts(r.body, alerts);
  if (e != jz::ParseError::kOk) {
    why.assign("malformed answer: ");
    why.append(jz::to_string(e));
    res.error = why.view();
    return finish(res);
  }
  res.ok = true;
  if (op.kind == Kind::kCalls) {
    res.calls = &calls;
    if (op.query.count == static_cast<int>(limits::kJambonzPageRows)) {  // the web page's size
      model_.calls = calls;
      model_.calls_query = op.query;
      model_.calls_error.clear();
    }
  } else {
    res.alerts = &alerts;
    model_.alerts = alerts;
    model_.alerts_loaded = true;
    model_.alerts_error.clear();
  }
  finish(res);
}

void JambonzService::finish(const JambonzResult& res) {
  busy_ = false;
  if (ops_.empty()) return;
  Op op = std::move(ops_[0]);
  ops_.erase_at(0);
  if (!res.ok) {
    DT_LOGW("jambonz", "%s: %.*s", op.kind == Kind::kCalls ? "RecentCalls" : "Alerts",
            static_cast<int>(res.error.size()), res.error.data());
    if (op.kind == Kind::kAlerts) model_.alerts_error.assign(res.error);
    else if (op.query.count == static_cast<int>(limits::kJambonzPageRows)) model_.calls_error.assign(res.error);
  }
  if (op.kind == Kind::kCalls && op.query.count == static_cast<int>(limits::kJambonzPageRows))
    model_.calls_loading = false;
  if (op.done) op.done(res);
  if (!ops_.empty()) {
    kick();
    return;
  }
  loop_.cancel_timer(refresh_);
  refresh_ = loop_.add_timer(limits::kServiceRefreshMs, [this] {
    refresh_ = {};
    jz::PageQuery q = model_.calls_query;
    if (q.page < 1) q.page = 1;
    q.count = static_cast<int>(limits::kJambonzPageRows);
    recent_calls(q, nullptr);
    alerts(nullptr);
  });
}

}  // namespace dialtone::services
