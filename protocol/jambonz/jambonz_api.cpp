#include "protocol/jambonz/jambonz_api.hpp"

#include <cstdio>

#include "firmware/core/json.hpp"
#include "protocol/common/url.hpp"

namespace dialtone::protocol::jambonz {
namespace {

bool page_path(std::string_view account_sid, std::string_view what, const PageQuery& q,
               FixedString<limits::kUrlMax>& out) {
  out.clear();
  if (account_sid.empty() || !q.valid()) return false;
  char query[64];
  int n = q.days ? std::snprintf(query, sizeof query, "?page=%d&count=%d&days=%d", q.page, q.count, q.days)
                 : std::snprintf(query, sizeof query, "?page=%d&count=%d", q.page, q.count);
  return out.append("/Accounts/") && percent_encode_append(account_sid, out) && out.push_back('/') &&
         out.append(what) && out.append({query, static_cast<std::size_t>(n)});
}

// jambonz writes numbers as JSON numbers; a missing or non-integral one is 0.
std::int64_t int_or_zero(const cJSON* obj, const char* key) { return json_int(obj, key).value_or(0); }

template <std::size_t N>
bool take(const cJSON* obj, const char* key, FixedString<N>& out, bool required) {
  auto v = json_string(obj, key);
  if (!v) return !required;
  out.assign(*v);  // longer values are cut: they are shown, not interpreted
  return true;
}

}  // namespace

bool recent_calls_path(std::string_view account_sid, const PageQuery& q, FixedString<limits::kUrlMax>& out) {
  return page_path(account_sid, "RecentCalls", q, out);
}

bool alerts_path(std::string_view account_sid, const PageQuery& q, FixedString<limits::kUrlMax>& out) {
  return page_path(account_sid, "Alerts", q, out);
}

const char* to_string(ParseError e) {
  switch (e) {
    case ParseError::kOk: return "ok";
    case ParseError::kNotJson: return "the answer is not JSON";
    case ParseError::kNoData: return "the answer has no data array";
    case ParseError::kBadRow: return "a row lacks a required field";
  }
  return "?";
}

ParseError parse_recent_calls(std::string_view body, RecentCallsPage& out) {
  out = RecentCallsPage{};
  JsonDocument doc(body);
  if (!doc.ok() || !cJSON_IsObject(doc.root())) return ParseError::kNotJson;
  const cJSON* data = json_array(doc.root(), "data");
  if (!data) return ParseError::kNoData;
  out.total = int_or_zero(doc.root(), "total");
  out.batch = int_or_zero(doc.root(), "batch");
  out.page = int_or_zero(doc.root(), "page");
  const cJSON* row = nullptr;
  cJSON_ArrayForEach(row, data) {
    if (out.calls.full()) break;
    if (!cJSON_IsObject(row)) return ParseError::kBadRow;
    RecentCall c;
    if (!take(row, "call_sid", c.call_sid, true) || !take(row, "from", c.from, true) ||
        !take(row, "to", c.to, true) || !take(row, "direction", c.direction, true))
      return ParseError::kBadRow;
    take(row, "termination_reason", c.termination_reason, false);
    c.answered = json_bool(row, "answered").value_or(false);
    c.duration = int_or_zero(row, "duration");
    c.attempted_at = int_or_zero(row, "attempted_at");
    c.answered_at = int_or_zero(row, "answered_at");
    c.terminated_at = int_or_zero(row, "terminated_at");
    c.sip_status = static_cast<int>(int_or_zero(row, "sip_status"));
    out.calls.push_back(c);
  }
  return ParseError::kOk;
}

ParseError parse_alerts(std::string_view body, AlertsPage& out) {
  out = AlertsPage{};
  JsonDocument doc(body);
  if (!doc.ok() || !cJSON_IsObject(doc.root())) return ParseError::kNotJson;
  const cJSON* data = json_array(doc.root(), "data");
  if (!data) return ParseError::kNoData;
  out.total = int_or_zero(doc.root(), "total");
  out.page = int_or_zero(doc.root(), "page");
  const cJSON* row = nullptr;
  cJSON_ArrayForEach(row, data) {
    if (out.alerts.full()) break;
    if (!cJSON_IsObject(row)) return ParseError::kBadRow;
    Alert a;
    if (!take(row, "time", a.time, true) || !take(row, "alert_type", a.alert_type, true) ||
        !take(row, "message", a.message, true))
      return ParseError::kBadRow;
    take(row, "detail", a.detail, false);
    out.alerts.push_back(a);
  }
  return ParseError::kOk;
}

bool calls_path(std::string_view account_sid, FixedString<limits::kUrlMax>& out) {
  out.clear();
  return !account_sid.empty() && out.append("/Accounts/") && percent_encode_append(account_sid, out) &&
         out.append("/Calls");
}

std::size_t build_click_to_call(const ClickToCall& c, std::span<char> out) {
  if (c.application_sid.empty() || c.from.empty() || c.sip_user.empty() || c.destination.empty()) return 0;
  JsonWriter w(out);
  w.begin_object()
      .string("application_sid", c.application_sid)
      .string("from", c.from)
      .begin_object("to")
      .string("type", "user")
      .string("name", c.sip_user)
      .end_object()
      .begin_object("tag")
      .string("destination", c.destination)
      .end_object()
      .end_object();
  return w.ok() ? w.size() : 0;
}

bool parse_call_created(std::string_view body, CallSid& sid) {
  sid.clear();
  JsonDocument doc(body);
  auto s = json_string(doc.root(), "sid");
  return s && !s->empty() && sid.assign(*s);
}

void describe_error(int http_status, std::string_view body, Text& out) {
  char text[limits::kServiceTextMax + 1];
  JsonDocument doc(body);
  auto msg = json_string(doc.root(), "msg");
  if (!msg) msg = json_string(doc.root(), "message");
  if (msg && !msg->empty())
    std::snprintf(text, sizeof text, "HTTP %d: %.*s", http_status, static_cast<int>(msg->size()), msg->data());
  else std::snprintf(text, sizeof text, "HTTP %d", http_status);
  out.assign(text);
}

}  // namespace dialtone::protocol::jambonz
