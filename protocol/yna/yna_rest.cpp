#include "protocol/yna/yna_rest.hpp"

#include <cstring>
#include <ctime>

#include "firmware/core/json.hpp"
#include "firmware/core/log.hpp"
#include "protocol/common/base64.hpp"
#include "protocol/common/url.hpp"

namespace dialtone::protocol::yna {

const char* endpoint_name(Endpoint e) {
  switch (e) {
    case Endpoint::kToken: return "oauth/token";
    case Endpoint::kStatus: return "account/status";
    case Endpoint::kUnlink: return "account/unlink";
    case Endpoint::kStart: return "start";
    case Endpoint::kInProgress: return "inProgress";
    case Endpoint::kRinging: return "ringing";
    case Endpoint::kProceeding: return "proceeding";
    case Endpoint::kConnected: return "connected";
    case Endpoint::kHold: return "hold";
    case Endpoint::kAcceptHold: return "acceptHold";
    case Endpoint::kResume: return "resume";
    case Endpoint::kAcceptResume: return "acceptResume";
    case Endpoint::kRenegotiate: return "renegotiate";
    case Endpoint::kEnd: return "end";
  }
  return "?";
}

const char* to_string(YnaResult::Kind k) {
  switch (k) {
    case YnaResult::Kind::kOk: return "ok";
    case YnaResult::Kind::kHttpError: return "http error";
    case YnaResult::Kind::kTransport: return "no answer";
    case YnaResult::Kind::kUnlinked: return "unlinked";
    case YnaResult::Kind::kNotSent: return "not sent";
  }
  return "?";
}

bool parse_yna_error(std::string_view body, YnaError& out) {
  out = YnaError{};
  if (body.empty()) return false;
  JsonDocument doc(body);
  if (!doc.ok() || !cJSON_IsObject(doc.root())) return false;
  if (const cJSON* errs = json_array(doc.root(), "errors")) {
    const cJSON* first = cJSON_GetArrayItem(errs, 0);
    if (first && cJSON_IsObject(first)) {
      out.present = true;
      if (auto rc = json_string(first, "reasonCode")) out.reason_code.assign(*rc);
      auto msg = json_string(first, "systemMessage");
      if (!msg || msg->empty()) msg = json_string(first, "userMessage");
      if (msg) out.message.assign(*msg);
      return true;
    }
  }
  auto rc = json_int(doc.root(), "returnCode");
  auto st = json_string(doc.root(), "status");
  if (rc || st) {
    out.present = true;
    if (rc) out.return_code = static_cast<int>(*rc);
    if (st) out.reason_code.assign(*st);
    return true;
  }
  return false;
}

namespace {
std::int64_t system_unix_s() { return static_cast<std::int64_t>(::time(nullptr)); }
char g_body_scratch[limits::kYnaBodyMax];
Url g_url_scratch;
}  // namespace

YnaRestClient::YnaRestClient(EventLoop& loop, HttpClient& http, PopSigner& pop, Csprng& rng, YnaAuth& auth)
    : loop_(loop), http_(http), pop_(pop), rng_(rng), auth_(auth), clock_(system_unix_s) {}

std::size_t YnaRestClient::in_use() const {
  std::size_t n = 0;
  for (const Slot& s : slots_) n += s.state != SlotState::kFree;
  return n;
}

std::uint32_t YnaRestClient::random32() {
  // The middle of the jitter range when the generator fails (logged): the
  // retry still happens, only without jitter.
  std::uint32_t r = 0;
  return rng_.uint32(r) ? r : 0x80000000u;
}

YnaRestClient::Slot* YnaRestClient::begin(Endpoint ep, const char* method, AuthKind auth, RetryRules rules) {
  for (Slot& s : slots_) {
    if (s.state != SlotState::kFree) continue;
    s.endpoint = ep;
    s.method = method;
    s.auth = auth;
    s.gen = ++gen_;
    s.url.clear();
    s.body.clear();
    s.reason.clear();
    s.policy.reset(rules);
    if (!rng_.uuid_v4(std::span<char, Csprng::kUuidLen>(s.txid, Csprng::kUuidLen))) {
      DT_LOGE("yna", "%s: no random x-transaction-id", endpoint_name(ep));
      return nullptr;
    }
    s.txid[Csprng::kUuidLen] = '\0';
    return &s;
  }
  DT_LOGW("yna", "%s: every request slot is busy", endpoint_name(ep));
  return nullptr;
}

bool YnaRestClient::set_url(Slot& s, std::string_view base, std::string_view path, std::string_view query) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  bool ok = s.url.assign(base) && s.url.append(path);
  if (!query.empty()) ok = ok && s.url.push_back('?') && s.url.append(query);
  if (!ok) DT_LOGE("yna", "%s: URL too long", endpoint_name(s.endpoint));
  return ok;
}

bool YnaRestClient::submit(Slot& s, YnaCallback done) {
  s.done = std::move(done);
  s.state = SlotState::kSending;
  if (send_try(s)) return true;
  s.done = nullptr;
  s.state = SlotState::kFree;
  return false;
}

bool YnaRestClient::send_try(Slot& s) {
  authz_.clear();
  if (s.auth == AuthKind::kBasic) {
    FixedString<512> cred;
    cred.assign(ep_.client_id.view());
    cred.push_back(':');
    cred.append(ep_.client_secret.view());
    char b64[base64_encoded_size(512) + 1];
    auto n = base64_encode(cred.view(), b64);
    if (!n) return false;
    authz_.assign("Basic ");
    authz_.append({b64, *n});
  } else {
    authz_.assign("Bearer ");
    if (!authz_.append(auth_.access_token())) return false;
  }
  if (parse_url(s.url.view(), g_url_scratch) != UrlError::kOk) {
    DT_LOGE("yna", "%s: bad URL (x-transaction-id %s)", endpoint_name(s.endpoint), s.txid);
    return false;
  }
  std::string_view body = s.body.view();
  PopRequest pr{s.method, g_url_scratch.target.view(), authz_.view(), body.empty() ? "" : "application/json", body};
  PopError pe = pop_.sign_request(pr, clock_(), rng_, pop_token_);
  if (pe != PopError::kOk) {
    DT_LOGE("yna", "%s: PoP token: %s (x-transaction-id %s)", endpoint_name(s.endpoint), to_string(pe), s.txid);
    return false;
  }
  FixedVector<HttpHeader, 6> h;
  h.push_back({"Authorization", authz_.view()});
  h.push_back({"X-Authorization", pop_token_.view()});
  h.push_back({"x-transaction-id", std::string_view(s.txid, Csprng::kUuidLen)});
  h.push_back({"Accept", "application/json"});
  if (!body.empty()) h.push_back({"Content-Type", "application/json"});
  if (!s.reason.empty()) h.push_back({"reason", s.reason.view()});
  HttpRequest req;
  req.method = s.method;
  req.url = s.url.view();
  req.headers = h.span();
  req.body = body;
  req.timeout_ms = timeout_ms_;
  std::size_t i = index(s);
  std::uint32_t gen = s.gen;
  DT_LOGI("yna", "%s %s try %d (x-transaction-id %s)", s.method, endpoint_name(s.endpoint), s.policy.tries(), s.txid);
  if (http_.send(req, [this, i, gen](const HttpResult& r) { on_http(i, gen, r); })) return true;
  if (http_.in_flight() >= limits::kHttpClientSlots) {
    // Every connection is busy: wait for one without spending a try.
    arm_retry(s, loop_.now() + 100);
    return true;
  }
  DT_LOGE("yna", "%s: request could not be built (x-transaction-id %s)", endpoint_name(s.endpoint), s.txid);
  return false;
}

void YnaRestClient::arm_retry(Slot& s, TimeMs at) {
  s.state = SlotState::kWaitRetry;
  std::size_t i = index(s);
  std::uint32_t gen = s.gen;
  loop_.cancel_timer(s.timer);
  s.timer = loop_.add_timer_at(at, [this, i, gen] {
    Slot& t = slots_[i];
    if (t.gen != gen || t.state != SlotState::kWaitRetry) return;
    t.timer = {};
    t.state = SlotState::kSending;
    if (!send_try(t)) {
      YnaResult res;
      res.kind = YnaResult::Kind::kNotSent;
      finish(t, res);
    }
  });
}

void YnaRestClient::on_http(std::size_t i, std::uint32_t gen, const HttpResult& r) {
  Slot& s = slots_[i];
  if (s.gen != gen || s.state != SlotState::kSending) return;
  bool conn_fail = !r.ok();
  RetryDecision d = s.policy.on_result(loop_.now(), r.status, conn_fail, random32());
  if (conn_fail) {
    DT_LOGW("yna", "%s %s: %s/%s (x-transaction-id %s)", s.method, endpoint_name(s.endpoint), to_string(r.error),
            to_string(r.stream), s.txid);
  } else if (r.status >= 300) {
    DT_LOGW("yna", "%s %s: HTTP %d (x-transaction-id %s)", s.method, endpoint_name(s.endpoint), r.status, s.txid);
  }
  switch (d.step) {
    case RetryStep::kRetry:
      DT_LOGI("yna", "%s: retry in %lld ms (x-transaction-id %s)", endpoint_name(s.endpoint),
              static_cast<long long>(d.at - loop_.now()), s.txid);
      arm_retry(s, d.at);
      return;
    case RetryStep::kRefresh:
      DT_LOGI("yna", "%s: 401, refreshing the access token (x-transaction-id %s)", endpoint_name(s.endpoint), s.txid);
      s.state = SlotState::kWaitRefresh;
      auth_.refresh_needed();
      return;
    case RetryStep::kUnlinked:
    case RetryStep::kDone:
      break;
  }
  YnaResult res;
  res.status = r.status;
  res.body = r.body;
  res.retry_after_s = r.retry_after_s();
  res.transport = r.error;
  res.stream = r.stream;
  res.reason = r.reason;
  if (conn_fail) {
    res.kind = YnaResult::Kind::kTransport;
  } else if (r.status >= 200 && r.status < 300) {
    res.kind = YnaResult::Kind::kOk;
  } else {
    res.kind = YnaResult::Kind::kHttpError;
    if (parse_yna_error(r.body, error_)) {
      res.error = &error_;
      DT_LOGW("yna", "%s: %s %s (x-transaction-id %s)", endpoint_name(s.endpoint), error_.reason_code.c_str(),
              error_.message.c_str(), s.txid);
    }
  }
  finish(s, res);
}

void YnaRestClient::finish(Slot& s, YnaResult& res) {
  // Free the slot first: the callback may start new requests.
  char txid[Csprng::kUuidLen + 1];
  std::memcpy(txid, s.txid, sizeof txid);
  res.txid = std::string_view(txid, Csprng::kUuidLen);
  res.endpoint = s.endpoint;
  res.tries = s.policy.tries();
  YnaCallback cb = std::move(s.done);
  s.done = nullptr;
  loop_.cancel_timer(s.timer);
  s.state = SlotState::kFree;
  ++s.gen;
  if (cb) cb(res);
}

void YnaRestClient::on_refresh_result(bool ok) {
  for (Slot& s : slots_) {
    if (s.state != SlotState::kWaitRefresh) continue;
    RetryDecision d = s.policy.on_refreshed(loop_.now(), ok);
    if (d.step == RetryStep::kRetry) {
      s.state = SlotState::kSending;
      if (send_try(s)) continue;
      YnaResult res;
      res.kind = YnaResult::Kind::kNotSent;
      finish(s, res);
    } else {
      YnaResult res;
      res.kind = YnaResult::Kind::kUnlinked;
      res.status = 401;
      finish(s, res);
    }
  }
}

void YnaRestClient::cancel_all() {
  for (Slot& s : slots_) {
    loop_.cancel_timer(s.timer);
    s.done = nullptr;
    s.state = SlotState::kFree;
    ++s.gen;
  }
  // Requests already on the wire complete into a stale generation and are dropped.
}

// --- the endpoints ------------------------------------------------------------

bool YnaRestClient::token_from_code(std::string_view code, std::string_view redirect_uri, YnaCallback done) {
  Slot* s = begin(Endpoint::kToken, "POST", AuthKind::kBasic, RetryRules{false, false});
  if (!s) return false;
  FixedString<limits::kUrlMax> q;
  bool ok = q.assign("grant_type=authorization_code&redirect_uri=") && percent_encode_append(redirect_uri, q) &&
            q.append("&code=") && percent_encode_append(code, q);
  if (!ok || !set_url(*s, ep_.auth_url.view(), "/oauth/token", q.view())) {
    s->state = SlotState::kFree;
    return false;
  }
  return submit(*s, std::move(done));
}

bool YnaRestClient::token_refresh(std::string_view refresh_token, YnaCallback done) {
  Slot* s = begin(Endpoint::kToken, "POST", AuthKind::kBasic, RetryRules{false, false});
  if (!s) return false;
  FixedString<limits::kUrlMax> q;
  bool ok = q.assign("grant_type=refresh_token&refresh_token=") && percent_encode_append(refresh_token, q);
  if (!ok || !set_url(*s, ep_.auth_url.view(), "/oauth/token", q.view())) {
    s->state = SlotState::kFree;
    return false;
  }
  return submit(*s, std::move(done));
}

bool YnaRestClient::account_status(YnaCallback done) {
  Slot* s = begin(Endpoint::kStatus, "GET", AuthKind::kBearer, RetryRules{true, true});
  if (!s || !set_url(*s, ep_.api_url.view(), "/account/status")) {
    if (s) s->state = SlotState::kFree;
    return false;
  }
  return submit(*s, std::move(done));
}

bool YnaRestClient::account_unlink(YnaCallback done) {
  Slot* s = begin(Endpoint::kUnlink, "DELETE", AuthKind::kBearer, RetryRules{false, true});
  if (!s || !set_url(*s, ep_.api_url.view(), "/account/unlink")) {
    if (s) s->state = SlotState::kFree;
    return false;
  }
  return submit(*s, std::move(done));
}

bool YnaRestClient::start_call(std::string_view to, std::string_view from, std::string_view sdp,
                               std::string_view client_correlator, YnaCallback done) {
  Slot* s = begin(Endpoint::kStart, "POST", AuthKind::kBearer, RetryRules{true, true});
  if (!s) return false;
  JsonWriter w(g_body_scratch);
  w.begin_object().string("to", to).string("from", from).string("sdp", sdp);
  if (!client_correlator.empty()) w.string("clientCorrelator", client_correlator);
  w.end_object();
  if (!w.ok() || !s->body.assign(w.view()) || !set_url(*s, ep_.call_url.view(), "/start")) {
    DT_LOGE("yna", "start: request too large");
    s->state = SlotState::kFree;
    return false;
  }
  return submit(*s, std::move(done));
}

bool YnaRestClient::call_post(Endpoint ep, std::string_view call_id, std::string_view sdp, YnaCallback done) {
  if (ep < Endpoint::kInProgress || ep > Endpoint::kRenegotiate || call_id.empty()) return false;
  Slot* s = begin(ep, "POST", AuthKind::kBearer, RetryRules{true, true});
  if (!s) return false;
  FixedString<limits::kUrlMax> path;
  bool ok = path.assign("/") && path.append(endpoint_name(ep)) && path.push_back('/') &&
            percent_encode_append(call_id, path);
  if (!sdp.empty()) {
    JsonWriter w(g_body_scratch);
    w.begin_object().string("sdp", sdp).end_object();
    ok = ok && w.ok() && s->body.assign(w.view());
  }
  if (!ok || !set_url(*s, ep_.call_url.view(), path.view())) {
    s->state = SlotState::kFree;
    return false;
  }
  return submit(*s, std::move(done));
}

bool YnaRestClient::end_call(std::string_view call_id, std::string_view reason, YnaCallback done) {
  if (call_id.empty()) return false;
  Slot* s = begin(Endpoint::kEnd, "DELETE", AuthKind::kBearer, RetryRules{true, true});
  if (!s) return false;
  FixedString<limits::kUrlMax> path;
  bool ok = path.assign("/end/") && percent_encode_append(call_id, path) && s->reason.assign(reason);
  if (!ok || !set_url(*s, ep_.call_url.view(), path.view())) {
    s->state = SlotState::kFree;
    return false;
  }
  return submit(*s, std::move(done));
}

}  // namespace dialtone::protocol::yna
