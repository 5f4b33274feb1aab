// The device's jambonz account (services.md section 2) over HTTPS: call
// history and alerts, fetched at start and every limits::kServiceRefreshMs
// for the web page, and on demand for the control socket; click-to-call
// (createCall, ringing the device's SIP user first). One request runs
// at a time (a few more wait); each answer updates the JambonzStatus model
// and goes to its callback.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/config/config.hpp"
#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/services/platform_client.hpp"
#include "firmware/status/jambonz_status.hpp"
#include "protocol/jambonz/jambonz_api.hpp"

namespace dialtone::services {

struct JambonzResult {
  bool ok = false;
  std::string_view error;  // !ok: what failed, in words
  const protocol::jambonz::RecentCallsPage* calls = nullptr;
  const protocol::jambonz::AlertsPage* alerts = nullptr;
  std::string_view sid;  // click_to_call: the call jambonz created
};

class JambonzService {
 public:
  using Done = InplaceFunction<void(const JambonzResult&), 32>;

  JambonzService(EventLoop& loop, const config::JambonzConfig& cfg, status::JambonzStatus& model);
  ~JambonzService();
  JambonzService(const JambonzService&) = delete;
  JambonzService& operator=(const JambonzService&) = delete;

  bool start();
  void stop();

  // False when the query is out of range or too much already waits.
  bool recent_calls(const protocol::jambonz::PageQuery& q, Done done);
  bool alerts(Done done);
  // POST /Accounts/{sid}/Calls: rings `sip_user` ("user@realm"), then the
  // click-to-call application dials `destination` (E.164). False when
  // click_to_call_app is not configured, an argument is empty, or as above.
  bool click_to_call(std::string_view destination, std::string_view from, std::string_view sip_user, Done done);

 private:
  enum class Kind : std::uint8_t { kCalls, kAlerts, kClickToCall };
  struct Op {
    Kind kind = Kind::kCalls;
    protocol::jambonz::PageQuery query;
    FixedString<limits::kDialDigitsMax> destination;  // kClickToCall
    FixedString<limits::kPeerMax> from, sip_user;
    Done done;
  };

  bool enqueue(Op&& op);
  void run_next();
  void on_answer(const protocol::HttpResult& r);
  void finish(const JambonzResult& res);
  void kick();

  EventLoop& loop_;
  const config::JambonzConfig& cfg_;
  status::JambonzStatus& model_;
  PlatformClient client_;
  FixedString<limits::kUrlMax> path_;
  FixedString<300> authz_;
  FixedVector<Op, limits::kServiceOpsQueued> ops_;  // ops_[0] runs
  bool busy_ = false;
  TimerId refresh_;
  TimerId kick_;
};

}  // namespace dialtone::services
