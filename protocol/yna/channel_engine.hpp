// The notification channel of yna-wire.md section 5 as a sans-I/O engine.
// It does no I/O and reads no clock: the driver (firmware/line/yna_line)
// feeds it what the WebSocket did and the time, carries out what it asks for
// through ChannelEffects, and wakes it at next_wakeup().
//
//  - every notification with an id is acknowledged as soon as it is parsed
//    (duplicates and unknown types too), and acted on at most once per
//    notificationId (the last limits::kNotificationIdsRemembered are kept);
//  - ping every ping_interval; no pong within pong_timeout: drop and
//    reconnect at once;
//  - reconnects back off 1, 2, 4 ... 60 s (x0.8-1.2), except the first one
//    after a working connection is lost (at once);
//  - upgrade refused 401/403/404/410: ask the driver for /account/status
//    again (a new channelUrl), then connect to that;
//  - close 1001/1012 from the network, or our own 1009 for an over-size
//    frame: reconnect (at once the first time);
//  - offline(): a connection attempt failed (never opened): the network
//    cannot be reached. Cleared when a connection opens.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/limits.hpp"
#include "protocol/yna/notification.hpp"
#include "protocol/yna/tokens.hpp"

namespace dialtone::protocol::yna {

// What the engine asks of its driver. Calls happen synchronously from
// inside the engine's inputs.
class ChannelEffects {
 public:
  virtual ~ChannelEffects() = default;
  virtual void channel_connect() = 0;       // open channelUrl (fresh Bearer + PoP)
  virtual void channel_fetch_status() = 0;  // GET /account/status for a new channelUrl; then on_new_url / on_status_failed
  virtual void channel_send_text(std::string_view text) = 0;
  virtual void channel_send_ping() = 0;
  virtual void channel_drop() = 0;          // abort the connection now, no close handshake, no callback
  virtual void channel_changed() = 0;       // up() or offline() changed
};

// The typed notifications, for the call layer. Views are valid only during
// the call (see notification.hpp); the callee must not parse JSON in it.
class NotificationObserver {
 public:
  virtual ~NotificationObserver() = default;
  virtual void on_invitation(const Notification& n) = 0;  // callId, originatorAddress, verificationStatus, sdp
  virtual void on_status(const Notification& n) = 0;      // callId, status, responseCode, sdp, earlyMediaDirection
};

enum class ChannelFailure : std::uint8_t {
  kConnect,         // TCP/TLS/timeout: never opened
  kUpgradeRefused,  // the server answered http_status instead of 101
  kBadHandshake,    // a broken 101
  kConnectionLost,  // was open, ended without a close frame
};

struct ChannelTiming {
  TimeMs ping_interval_ms = 30000;
  TimeMs pong_timeout_ms = 10000;
};

struct ChannelStats {
  std::uint32_t connects = 0;
  std::uint32_t opens = 0;
  std::uint32_t acks = 0;
  std::uint32_t delivered = 0;       // handed to the observer
  std::uint32_t duplicates = 0;
  std::uint32_t ignored = 0;         // unknown types
  std::uint32_t bad_frames = 0;      // frame-level errors
  std::uint32_t bad_notifications = 0;
  std::uint32_t pong_timeouts = 0;
  std::uint32_t status_fetches = 0;
};

class ChannelEngine {
 public:
  enum class State : std::uint8_t { kStopped, kConnecting, kOpen, kBackoff, kFetchingStatus };
  static constexpr TimeMs kBackoffMaxMs = 60000;

  ChannelEngine(ChannelEffects& fx, ChannelTiming timing) : fx_(fx), timing_(timing) {}
  void set_observer(NotificationObserver* o) { observer_ = o; }
  void set_timing(ChannelTiming t) { timing_ = t; }

  // A channelUrl is known: connect now.
  void start(TimeMs now);
  // Unlink / shutdown: forget the connection (the driver closes it).
  void stop();

  void on_open(TimeMs now);
  void on_text(TimeMs now, std::string_view text);
  void on_pong(TimeMs now);
  // The close handshake ended: the peer's code, or the code we sent (1009).
  void on_closed(TimeMs now, std::uint16_t code);
  void on_failed(TimeMs now, ChannelFailure kind, int http_status);
  // After channel_fetch_status(): a new channelUrl is in place, or fetching failed.
  void on_new_url(TimeMs now);
  void on_status_failed(TimeMs now);
  // `random` feeds the backoff jitter of the reconnect this may schedule.
  void set_random(std::uint32_t r) { random_ = r; }

  void tick(TimeMs now);
  TimeMs next_wakeup() const;

  State state() const { return state_; }
  bool up() const { return state_ == State::kOpen; }
  bool offline() const { return offline_; }
  // The line may call itself registered while the channel is open, or while
  // it makes its first reconnect attempt after losing a working connection.
  bool usable() const {
    return state_ == State::kOpen ||
           (was_open_ && !offline_ && reconnects_ <= 1 &&
            (state_ == State::kConnecting || state_ == State::kFetchingStatus));
  }
  const ChannelStats& stats() const { return stats_; }
  bool seen(std::int64_t id) const;

 private:
  void connect(TimeMs now);
  void lost(TimeMs now, bool at_once);
  void backoff(TimeMs now);
  void set_offline(bool v);
  void handle(const Notification& n);
  void remember(std::int64_t id);

  ChannelEffects& fx_;
  ChannelTiming timing_;
  NotificationObserver* observer_ = nullptr;
  State state_ = State::kStopped;
  bool offline_ = false;
  bool was_open_ = false;
  int reconnects_ = 0;          // attempts since the last open
  int backoffs_ = 0;            // backoff waits since the last open (1, 2, 4 ... s)
  TimeMs wake_at_ = kNever;     // backoff end
  TimeMs next_ping_ = kNever;
  TimeMs pong_deadline_ = kNever;
  std::uint32_t random_ = 0x80000000u;
  bool refetch_pending_ = false;  // kFetchingStatus: ask again at wake_at_
  std::int64_t seen_[limits::kNotificationIdsRemembered] = {};
  std::size_t seen_count_ = 0;
  std::size_t seen_next_ = 0;
  ChannelStats stats_;
};

const char* to_string(ChannelEngine::State s);

}  // namespace dialtone::protocol::yna
