// Registration status (yna-wire.md section 4) as a sans-I/O engine:
// GET /account/status -> 200 RegistrationStatusResponse (channelUrl, first
// line with regStatus true = our number) or 202 + Retry-After (default 2 s).
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "protocol/yna/tokens.hpp"

namespace dialtone::protocol::yna {

struct RegistrationInfo {
  FixedString<limits::kUrlMax> channel_url;
  FixedString<limits::kYnaMsisdnMax> msisdn;
};

enum class StatusError : std::uint8_t {
  kOk,
  kNotJson,
  kNotObject,
  kNoChannelUrl,      // missing, empty or not a string
  kBadChannelUrl,     // not ws:// or wss://, or too long
  kNoLines,           // lines missing or not an array
  kNoRegisteredLine,  // no line with regStatus true (and a msisdn)
};
const char* to_string(StatusError e);

StatusError parse_registration_status(std::string_view body, RegistrationInfo& out);

class Registration {
 public:
  static constexpr TimeMs kDefaultRetryAfterMs = 2000;
  static constexpr TimeMs kErrorRetryMs = 10000;  // 200 without a usable line, or a refused status

  enum class Outcome : std::uint8_t { kRegistered, kWaiting, kFailed };

  // Asks for a status request now.
  void start(TimeMs now) {
    state_ = State::kDue;
    due_at_ = now;
  }
  void stop() { state_ = State::kIdle; }
  // The owner sends the request when this is true, then calls request_sent().
  bool request_due(TimeMs now) const { return state_ == State::kDue && now >= due_at_; }
  void request_sent() { state_ = State::kInFlight; }
  bool in_flight() const { return state_ == State::kInFlight; }

  // The final answer of a status request (after the REST retries): an HTTP
  // status, or 0 for a connection failure. kWaiting: asks again at next_wakeup().
  Outcome on_response(TimeMs now, int status, std::optional<std::int64_t> retry_after_s, std::string_view body);
  // When nothing usable came back, ask again after `delay`.
  void retry_after(TimeMs now, TimeMs delay) {
    state_ = State::kDue;
    due_at_ = now + delay;
  }

  TimeMs next_wakeup() const { return state_ == State::kDue ? due_at_ : kNever; }
  bool registered() const { return state_ == State::kDone; }
  const RegistrationInfo& info() const { return info_; }
  StatusError last_error() const { return error_; }

 private:
  enum class State : std::uint8_t { kIdle, kDue, kInFlight, kDone };
  State state_ = State::kIdle;
  TimeMs due_at_ = kNever;
  StatusError error_ = StatusError::kOk;
  RegistrationInfo info_;
};

}  // namespace dialtone::protocol::yna
