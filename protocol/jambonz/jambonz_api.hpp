// jambonz's account API (docs/jambonz-api-swagger.txt, services.md section
// 2): the RecentCalls and Alerts paths and their answers, and click-to-call's
// createCall, as pure builders and parsers; no I/O. Requests carry
// `Authorization: Bearer <api_key>`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::protocol::jambonz {

// What a page of rows asks for. jambonz requires page and count; services.md
// caps count at 25; days must be 1..30 (0: left out).
struct PageQuery {
  int page = 1;
  int count = 10;
  int days = 0;
  bool valid() const {
    return page >= 1 && count >= 1 && count <= static_cast<int>(limits::kJambonzRowsMax) && days >= 0 && days <= 30;
  }
};

// "/Accounts/{sid}/RecentCalls?page=P&count=N[&days=D]" and the same for
// Alerts. False when the query is out of range or the path does not fit.
bool recent_calls_path(std::string_view account_sid, const PageQuery& q, FixedString<limits::kUrlMax>& out);
bool alerts_path(std::string_view account_sid, const PageQuery& q, FixedString<limits::kUrlMax>& out);

using Text = FixedString<limits::kServiceTextMax>;

struct RecentCall {
  FixedString<64> call_sid;
  FixedString<limits::kPeerMax> from, to;
  FixedString<16> direction;  // inbound | outbound
  bool answered = false;
  std::int64_t duration = 0;      // seconds
  std::int64_t attempted_at = 0;  // Unix milliseconds
  std::int64_t answered_at = 0;
  std::int64_t terminated_at = 0;
  FixedString<64> termination_reason;
  int sip_status = 0;
};

struct RecentCallsPage {
  std::int64_t total = 0;
  std::int64_t batch = 0;
  std::int64_t page = 0;
  FixedVector<RecentCall, limits::kJambonzRowsMax> calls;  // as sent (more than 25: dropped)
};

// The Alerts path's rows (time, alert_type, message, detail), which differ
// from the swagger's Alert schema.
struct Alert {
  FixedString<40> time;  // date-time as jambonz writes it
  FixedString<40> alert_type;
  Text message;
  Text detail;
};

struct AlertsPage {
  std::int64_t total = 0;
  std::int64_t page = 0;
  FixedVector<Alert, limits::kJambonzRowsMax> alerts;
};

enum class ParseError { kOk, kNotJson, kNoData, kBadRow };
const char* to_string(ParseError e);
// A row without the fields the swagger marks required (call_sid, from, to,
// direction / time, alert_type, message) makes the answer kBadRow.
ParseError parse_recent_calls(std::string_view body, RecentCallsPage& out);
ParseError parse_alerts(std::string_view body, AlertsPage& out);

// Click-to-call (createCall): POST /Accounts/{sid}/Calls with
// {"application_sid", "from", "to":{"type":"user","name":"user@realm"},
//  "tag":{"destination":"+1..."}}. jambonz rings the SIP user first; the
// application dials `destination` once the handset answers.
struct ClickToCall {
  std::string_view application_sid;
  std::string_view from;         // kazoo.number, or the SIP username
  std::string_view sip_user;     // "username@realm"
  std::string_view destination;  // E.164
};
// "/Accounts/{sid}/Calls"; false when it does not fit or the sid is empty.
bool calls_path(std::string_view account_sid, FixedString<limits::kUrlMax>& out);
// The request body; its length, 0 when a field is empty or it does not fit.
std::size_t build_click_to_call(const ClickToCall& c, std::span<char> out);

using CallSid = FixedString<64>;
// createCall's 201 answer {"sid": "..."}: false when there is no sid string.
bool parse_call_created(std::string_view body, CallSid& sid);
// An error answer's text ({"msg": "..."} as jambonz writes it, or
// {"message": ...}) for the owner: "HTTP 400: <msg>", or "HTTP 400".
void describe_error(int http_status, std::string_view body, Text& out);

}  // namespace dialtone::protocol::jambonz
