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

bool JambonzService::click_to_call(std::string_view destination, std::string_view from, std::string_view sip_user,
                                   Done done) {
  Op op;
  op.kind = Kind::kClickToCall;
  if (cfg_.click_to_call_app.empty() || destination.empty() || from.empty() || sip_user.empty() ||
      !op.destination.assign(destination) || !op.from.assign(from) || !op.sip_user.assign(sip_user))
    return false;
  op.done = std::move(done);
  if (!enqueue(std::move(op))) return false;
  model_.calling = true;
  model_.call_to.assign(destination);
  model_.call_sid.clear();
  model_.call_error.clear();
  return true;
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
  // One request at a time: the body lives here until it is answered.
  static char body[1024];
  std::size_t body_len = 0;
  bool built = false;
  switch (op.kind) {
    case Kind::kCalls: built = jz::recent_calls_path(cfg_.account_sid.view(), op.query, path_); break;
    case Kind::kAlerts: built = jz::alerts_path(cfg_.account_sid.view(), op.query, path_); break;
    case Kind::kClickToCall: {
      jz::ClickToCall c{cfg_.click_to_call_app.view(), op.from.view(), op.sip_user.view(), op.destination.view()};
      body_len = jz::build_click_to_call(c, body);
      built = body_len > 0 && jz::calls_path(cfg_.account_sid.view(), path_);
      break;
    }
  }
  const bool post = op.kind == Kind::kClickToCall;
  HttpHeader get_h[] = {{"Authorization", authz_.view()}, {"Accept", "application/json"}};
  HttpHeader post_h[] = {{"Authorization", authz_.view()},
                         {"Accept", "application/json"},
                         {"Content-Type", "application/json"}};
  std::span<const HttpHeader> h = post ? std::span<const HttpHeader>(post_h) : std::span<const HttpHeader>(get_h);
  busy_ = true;
  if (!built || !client_.send(post ? "POST" : "GET", path_.view(), h, {body, post ? body_len : 0},
                              [this](const HttpResult& r) { on_answer(r); })) {
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
  static jz::CallSid sid;
  JambonzResult res;
  const Op& op = ops_[0];
  if (r.ok() && (r.status < 200 || r.status >= 300)) {
    jz::describe_error(r.status, r.body, why);
    res.error = why.view();
    return finish(res);
  }
  if (!r.ok()) {
    PlatformClient::describe(r, why);
    res.error = why.view();
    return finish(res);
  }
  if (op.kind == Kind::kClickToCall) {
    if (!jz::parse_call_created(r.body, sid)) {
      why.assign("malformed answer: no call sid");
      res.error = why.view();
      return finish(res);
    }
    DT_LOGI("jambonz", "click-to-call: call %s created; the phone rings first", sid.c_str());
    model_.call_sid = sid;
    res.ok = true;
    res.sid = sid.view();
    return finish(res);
  }
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
  if (op.kind == Kind::kClickToCall) model_.calling = false;
  if (!res.ok) {
    const char* what = op.kind == Kind::kCalls ? "RecentCalls" : op.kind == Kind::kAlerts ? "Alerts" : "createCall";
    DT_LOGW("jambonz", "%s: %.*s", what, static_cast<int>(res.error.size()), res.error.data());
    if (op.kind == Kind::kClickToCall) model_.call_error.assign(res.error);
    else if (op.kind == Kind::kAlerts) model_.alerts_error.assign(res.error);
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
