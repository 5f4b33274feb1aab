#include "protocol/sip/keepalive.hpp"

namespace dialtone::protocol::sip {

void KeepAlive::start(TimeMs now, TimeMs interval_ms, TimeMs pong_timeout_ms) {
  interval_ = interval_ms > 0 ? interval_ms : 1;
  pong_timeout_ = pong_timeout_ms;
  next_ping_ = now + interval_;
  pong_deadline_ = kNever;
}

KeepAlive::Due KeepAlive::poll(TimeMs now) {
  if (pong_deadline_ != kNever && now >= pong_deadline_) {
    stop();
    return Due::kTimedOut;
  }
  if (next_ping_ == kNever || now < next_ping_ || pong_deadline_ != kNever) return Due::kNothing;
  // The next one counts from now: a loop that woke late does not send a burst.
  next_ping_ = now + interval_;
  if (pong_timeout_ > 0) pong_deadline_ = now + pong_timeout_;
  return Due::kPing;
}

void KeepAlive::on_pong() { pong_deadline_ = kNever; }

}  // namespace dialtone::protocol::sip
