#include "protocol/yna/channel_engine.hpp"

#include "firmware/core/log.hpp"
#include "protocol/websocket/ws_frame.hpp"

namespace dialtone::protocol::yna {

const char* to_string(ChannelEngine::State s) {
  switch (s) {
    case ChannelEngine::State::kStopped: return "stopped";
    case ChannelEngine::State::kConnecting: return "connecting";
    case ChannelEngine::State::kOpen: return "open";
    case ChannelEngine::State::kBackoff: return "backoff";
    case ChannelEngine::State::kFetchingStatus: return "fetching-status";
  }
  return "?";
}

void ChannelEngine::start(TimeMs now) {
  reconnects_ = 0;
  backoffs_ = 0;
  was_open_ = false;
  connect(now);
}

void ChannelEngine::stop() {
  state_ = State::kStopped;
  wake_at_ = next_ping_ = pong_deadline_ = kNever;
  was_open_ = false;
  reconnects_ = 0;
  backoffs_ = 0;
  set_offline(false);
}

void ChannelEngine::connect(TimeMs) {
  state_ = State::kConnecting;
  wake_at_ = next_ping_ = pong_deadline_ = kNever;
  ++stats_.connects;
  fx_.channel_connect();
}

void ChannelEngine::set_offline(bool v) {
  if (offline_ == v) return;
  offline_ = v;
  fx_.channel_changed();
}

void ChannelEngine::on_open(TimeMs now) {
  if (state_ != State::kConnecting) return;
  state_ = State::kOpen;
  ++stats_.opens;
  was_open_ = true;
  reconnects_ = 0;
  backoffs_ = 0;
  next_ping_ = now + timing_.ping_interval_ms;
  pong_deadline_ = kNever;
  DT_LOGI("yna", "channel open");
  offline_ = false;
  fx_.channel_changed();
}

void ChannelEngine::backoff(TimeMs now) {
  // 1, 2, 4 ... 60 s from the second attempt on, each x0.8-1.2.
  int n = backoffs_++;
  TimeMs base = n >= 6 ? kBackoffMaxMs : TimeMs{1000} << n;
  if (base > kBackoffMaxMs) base = kBackoffMaxMs;
  std::uint64_t permille = 800 + (static_cast<std::uint64_t>(random_) * 400 >> 32);
  TimeMs delay = static_cast<TimeMs>(static_cast<std::uint64_t>(base) * permille / 1000);
  state_ = State::kBackoff;
  wake_at_ = now + delay;
  DT_LOGI("yna", "channel: reconnect in %lld ms (attempt %d)", static_cast<long long>(delay), reconnects_ + 1);
}

// The connection is gone. `at_once`: a working connection was lost, and the
// contract wants the first reconnect to start immediately.
void ChannelEngine::lost(TimeMs now, bool at_once) {
  bool was_up = state_ == State::kOpen;
  next_ping_ = pong_deadline_ = kNever;
  if (at_once && reconnects_ == 0) {
    ++reconnects_;
    connect(now);
  } else {
    ++reconnects_;
    backoff(now);
  }
  if (was_up) fx_.channel_changed();
}

void ChannelEngine::on_closed(TimeMs now, std::uint16_t code) {
  if (state_ == State::kStopped) return;
  DT_LOGI("yna", "channel closed with code %u", code);
  // 1001/1012 (network going away / restarting) and our own 1009 are
  // expected: reconnect at once. Anything else also reconnects, backing off.
  bool at_once = code == ws_close::kGoingAway || code == ws_close::kServiceRestart || code == ws_close::kTooBig ||
                 code == ws_close::kNormal;
  lost(now, at_once && state_ == State::kOpen);
}

void ChannelEngine::on_failed(TimeMs now, ChannelFailure kind, int http_status) {
  if (state_ == State::kStopped) return;
  if (kind == ChannelFailure::kUpgradeRefused &&
      (http_status == 401 || http_status == 403 || http_status == 404 || http_status == 410)) {
    DT_LOGI("yna", "channel upgrade refused with %d: asking /account/status for a new channelUrl", http_status);
    state_ = State::kFetchingStatus;
    wake_at_ = next_ping_ = pong_deadline_ = kNever;
    ++stats_.status_fetches;
    fx_.channel_fetch_status();
    return;
  }
  if (kind == ChannelFailure::kConnectionLost && state_ == State::kOpen) {
    DT_LOGW("yna", "channel connection lost");
    lost(now, true);
    return;
  }
  // It never opened: the network cannot be reached (or refuses us).
  DT_LOGW("yna", "channel connection attempt failed (%s%d)",
          kind == ChannelFailure::kConnect ? "connect" : "upgrade/handshake ", http_status);
  set_offline(true);
  ++reconnects_;
  backoff(now);
}

void ChannelEngine::on_new_url(TimeMs now) {
  if (state_ != State::kFetchingStatus) return;
  connect(now);
}

void ChannelEngine::on_status_failed(TimeMs now) {
  if (state_ != State::kFetchingStatus) return;
  ++reconnects_;
  set_offline(true);
  backoff(now);
  // The backoff ends in another status fetch, not a connect: the URL is stale.
  state_ = State::kFetchingStatus;
  refetch_pending_ = true;
}

void ChannelEngine::on_pong(TimeMs) { pong_deadline_ = kNever; }

void ChannelEngine::tick(TimeMs now) {
  switch (state_) {
    case State::kOpen:
      if (now >= pong_deadline_) {
        DT_LOGW("yna", "channel: no pong within %lld ms, reconnecting", static_cast<long long>(timing_.pong_timeout_ms));
        ++stats_.pong_timeouts;
        fx_.channel_drop();
        lost(now, true);
        return;
      }
      if (now >= next_ping_) {
        fx_.channel_send_ping();
        if (pong_deadline_ == kNever) pong_deadline_ = now + timing_.pong_timeout_ms;
        next_ping_ = now + timing_.ping_interval_ms;
      }
      break;
    case State::kBackoff:
      if (now >= wake_at_) connect(now);
      break;
    case State::kFetchingStatus:
      if (refetch_pending_ && now >= wake_at_) {
        refetch_pending_ = false;
        wake_at_ = kNever;
        ++stats_.status_fetches;
        fx_.channel_fetch_status();
      }
      break;
    default:
      break;
  }
}

TimeMs ChannelEngine::next_wakeup() const {
  switch (state_) {
    case State::kOpen: return pong_deadline_ < next_ping_ ? pong_deadline_ : next_ping_;
    case State::kBackoff: return wake_at_;
    case State::kFetchingStatus: return refetch_pending_ ? wake_at_ : kNever;
    default: return kNever;
  }
}

bool ChannelEngine::seen(std::int64_t id) const {
  for (std::size_t i = 0; i < seen_count_; ++i)
    if (seen_[i] == id) return true;
  return false;
}

void ChannelEngine::remember(std::int64_t id) {
  seen_[seen_next_] = id;
  seen_next_ = (seen_next_ + 1) % limits::kNotificationIdsRemembered;
  if (seen_count_ < limits::kNotificationIdsRemembered) ++seen_count_;
}

void ChannelEngine::on_text(TimeMs, std::string_view text) {
  if (state_ != State::kOpen) return;
  NotificationError e = parse_notification_frame(text, [this](const Notification& n) { handle(n); });
  if (e != NotificationError::kOk) {
    ++stats_.bad_frames;
    DT_LOGW("yna", "channel: frame of %zu bytes ignored: %s", text.size(), to_string(e));
  }
}

void ChannelEngine::handle(const Notification& n) {
  if (!n.has_id) {
    ++stats_.bad_notifications;
    DT_LOGW("yna", "channel: notification cannot be acknowledged: %s", to_string(n.error));
    return;
  }
  char ack[96];
  std::size_t len = write_notification_ack(n.notification_id, ack, sizeof ack);
  fx_.channel_send_text({ack, len});
  ++stats_.acks;
  if (seen(n.notification_id)) {
    ++stats_.duplicates;
    DT_LOGI("yna", "channel: notification %lld again (acknowledged, not acted on)",
            static_cast<long long>(n.notification_id));
    return;
  }
  remember(n.notification_id);
  if (n.error != NotificationError::kOk) {
    ++stats_.bad_notifications;
    DT_LOGW("yna", "channel: notification %lld (%.*s) ignored: %s", static_cast<long long>(n.notification_id),
            static_cast<int>(n.type_name.size()), n.type_name.data(), to_string(n.error));
    return;
  }
  switch (n.type) {
    case NotificationType::kInvitation:
      ++stats_.delivered;
      DT_LOGI("yna", "channel: invitation %lld for call %.*s", static_cast<long long>(n.notification_id),
              static_cast<int>(n.call_id.size()), n.call_id.data());
      if (observer_) observer_->on_invitation(n);
      break;
    case NotificationType::kStatus:
      ++stats_.delivered;
      DT_LOGI("yna", "channel: status %.*s (%lld) for call %.*s", static_cast<int>(n.status.size()), n.status.data(),
              static_cast<long long>(n.notification_id), static_cast<int>(n.call_id.size()), n.call_id.data());
      if (observer_) observer_->on_status(n);
      break;
    case NotificationType::kOther:
      ++stats_.ignored;
      DT_LOGI("yna", "channel: %.*s %lld acknowledged and ignored", static_cast<int>(n.type_name.size()),
              n.type_name.data(), static_cast<long long>(n.notification_id));
      break;
  }
}

}  // namespace dialtone::protocol::yna
