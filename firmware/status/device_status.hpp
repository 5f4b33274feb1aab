// The device's state in one place: each line's state, number and reason, the
// calls (read from the call layer), the handset, recent errors and how full
// the fixed pools run. The control socket's `status` and the local web page
// both render this, so they can never disagree.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/call/call_layer.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/json.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/handset/handset.hpp"
#include "firmware/status/dial_plan_status.hpp"
#include "firmware/status/jambonz_status.hpp"
#include "firmware/status/kazoo_status.hpp"
#include "firmware/status/line_state.hpp"

namespace dialtone::status {

struct LineStatus {
  FixedString<8> kind;  // "yna" | "sip"
  LineState state = LineState::kUnlinked;
  FixedString<limits::kPeerMax> address;  // the YNA msisdn or the SIP address of record
  FixedString<limits::kCallReasonMax> reason;  // why it cannot carry calls; empty when it can
};

class DeviceStatus {
 public:
  static constexpr std::size_t kErrorsKept = 8;

  // Lines, in the order the device uses them; the first is `line` in status.
  std::size_t add_line(std::string_view kind);
  // True when something the `line` event shows changed.
  bool set_line(std::size_t i, LineState s, std::string_view address, std::string_view reason);
  std::span<const LineStatus> lines() const { return lines_.span(); }
  const LineStatus* line(std::string_view kind) const;

  void set_calls(const call::CallLayer* calls) { calls_ = calls; }
  const call::CallLayer* calls() const { return calls_; }
  void set_handset(const handset::Handset* h) { handset_ = h; }
  void set_playing(handset::Tone t) { playing_ = t; }
  // The account services, when configured (null otherwise).
  void set_kazoo(const KazooStatus* k) { kazoo_ = k; }
  const KazooStatus* kazoo() const { return kazoo_; }
  void set_jambonz(const JambonzStatus* j) { jambonz_ = j; }
  const JambonzStatus* jambonz() const { return jambonz_; }
  void set_dial_plan(const DialPlanStatus* d) { dial_plan_ = d; }
  const DialPlanStatus* dial_plan() const { return dial_plan_; }

  // Something went wrong that the owner should see (web page, `status`).
  void add_error(std::string_view msg);
  // Up to out.size() recent errors, newest first.
  std::size_t errors(std::span<std::string_view> out) const;

  // The body of the `status` reply (after "ok"): line, lines, calls,
  // handset, dial_plan, e911 (with Kazoo), last_error, errors, pools.
  void write(JsonWriter& w) const;
  // `"e911":{status, address[, warning][, error]}` fields, inside an open object.
  static void write_e911(JsonWriter& w, const KazooStatus& k);
  static void write_address(JsonWriter& w, std::string_view key, const E911Address& a);
  // One call as the `call` event and `status` write it.
  static void write_call(JsonWriter& w, const call::CallMachine& c, std::string_view line);

 private:
  FixedVector<LineStatus, limits::kLinesMax> lines_;
  const call::CallLayer* calls_ = nullptr;
  const handset::Handset* handset_ = nullptr;
  handset::Tone playing_ = handset::Tone::kNone;
  const KazooStatus* kazoo_ = nullptr;
  const JambonzStatus* jambonz_ = nullptr;
  const DialPlanStatus* dial_plan_ = nullptr;
  FixedString<192> errors_[kErrorsKept];
  std::size_t errors_next_ = 0, errors_count_ = 0;
};

}  // namespace dialtone::status
