// When to send a keep-alive and when one has gone unanswered (RFC 5626
// section 4.4), on the caller's clock. Pure: the transport asks what is due
// at `now` and sleeps until next_wake().
//
// Over TCP and TLS each ping (CRLFCRLF) must be answered by a pong (CRLF)
// within the pong timeout, or the flow is dead (RFC 5626 4.4.1 waits 10 s);
// over UDP the CRLF only keeps the NAT binding open and nothing answers, so
// no pong is awaited. No new ping goes out while one is unanswered.
#pragma once
#include <cstdint>

#include "firmware/core/clock.hpp"

namespace dialtone::protocol::sip {

class KeepAlive {
 public:
  enum class Due : std::uint8_t {
    kNothing,
    kPing,      // send one now
    kTimedOut,  // the awaited pong did not come; the keep-alive has stopped
  };

  // The first ping goes `interval_ms` from now. pong_timeout_ms 0: none is
  // awaited (UDP). A pong already awaited stays awaited.
  void start(TimeMs now, TimeMs interval_ms, TimeMs pong_timeout_ms);
  void stop() { *this = KeepAlive{}; }
  bool running() const { return next_ping_ != kNever || pong_deadline_ != kNever; }
  bool scheduled() const { return next_ping_ != kNever; }
  bool awaiting_pong() const { return pong_deadline_ != kNever; }

  // One ping now, outside any schedule (a driver that keeps its own, such as
  // the registration engine's take_keepalive()): true when it may go out,
  // false while an earlier one is still unanswered. pong_timeout_ms 0:
  // nothing is awaited. A schedule from start() keeps running alongside.
  bool ping_now(TimeMs now, TimeMs pong_timeout_ms);

  Due poll(TimeMs now);
  // A pong arrived: the wait ends; the next ping stays on its schedule.
  void on_pong();
  // While a pong is awaited only its deadline matters: no ping is due before.
  TimeMs next_wake() const { return pong_deadline_ != kNever ? pong_deadline_ : next_ping_; }

 private:
  TimeMs interval_ = 0;
  TimeMs pong_timeout_ = 0;
  TimeMs next_ping_ = kNever;
  TimeMs pong_deadline_ = kNever;
};

}  // namespace dialtone::protocol::sip
