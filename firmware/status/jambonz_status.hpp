// What the device last fetched from jambonz (services.md section 2): one page
// of call history and the recent alerts. JambonzService writes it; the web
// page shows it.
#pragma once
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "protocol/jambonz/jambonz_api.hpp"

namespace dialtone::status {

struct JambonzStatus {
  protocol::jambonz::PageQuery calls_query;     // what `calls` answers; page 0: nothing fetched yet
  protocol::jambonz::RecentCallsPage calls;
  bool calls_loading = false;
  FixedString<limits::kServiceTextMax> calls_error;

  protocol::jambonz::AlertsPage alerts;
  bool alerts_loaded = false;
  FixedString<limits::kServiceTextMax> alerts_error;

  // The last click-to-call: the destination, and jambonz's answer.
  bool calling = false;                  // the request is on its way
  FixedString<limits::kDialDigitsMax> call_to;
  protocol::jambonz::CallSid call_sid;   // jambonz created the call (it rings this phone first)
  FixedString<limits::kServiceTextMax> call_error;

  JambonzStatus() { calls_query.page = 0; }
};

}  // namespace dialtone::status
