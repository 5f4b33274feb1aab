// SipCall, session timers (RFC 4028): the interval and refresher from the
// far end's 2xx or request, refreshes at half the interval, the expiry.
#include "protocol/sip/sip_call.hpp"

#include "firmware/core/ascii.hpp"
#include "protocol/sip/sip_call_parts.hpp"

namespace dialtone::protocol::sip {

using namespace call_parts;
using Kind = SipCallEvent::Kind;

// ---- session timers (RFC 4028) ----------------------------------------------------

void SipCall::session_from_response(TimeMs now, const In& r) {
  auto se = r.m->session_expires();
  if (!se) {
    // No Session-Expires in the 2xx: no session timer (we never require one).
    se_.active = false;
    arm_session(now);
    return;
  }
  se_.active = true;
  se_.interval_s = se->seconds < limits::kSipMinSeS ? limits::kSipMinSeS : se->seconds;
  // We were the UAC of this transaction: refresher=uac (or none named) is us.
  se_.we_refresh = !ascii_iequals(se->refresher, "uas");
  arm_session(now);
}

void SipCall::session_from_request(TimeMs now) {
  if (is_.se_s == 0) {
    se_.active = false;  // no Session-Expires: the far end wants no timer (any more)
    arm_session(now);
    return;
  }
  se_.active = true;
  se_.interval_s = is_.se_s;
  // We are the UAS. The far end named the refresher, or we choose: the UAC
  // when it supports timers (it asked for them), else us (a proxy asked).
  Refresher who = is_.se_refresher;
  if (who == Refresher::kNone) who = is_.uac_supports_timer ? Refresher::kUac : Refresher::kUas;
  se_.we_refresh = who == Refresher::kUas;
  arm_session(now);
}

void SipCall::arm_session(TimeMs now) {
  se_.refresh_at = se_.expire_at = kNever;
  if (!se_.active) return;
  const TimeMs interval = static_cast<TimeMs>(se_.interval_s) * 1000;
  if (se_.we_refresh) {
    se_.refresh_at = now + interval / 2;
    se_.expire_at = now + interval;
  } else {
    // RFC 4028 10: BYE when no refresh came by the interval minus the
    // smaller of 32 s and a third of it.
    const TimeMs margin = interval / 3 < 32000 ? interval / 3 : 32000;
    se_.expire_at = now + interval - margin;
  }
}

void SipCall::refresh_session(TimeMs now) {
  se_.refresh_at = kNever;
  if (phase_ != Phase::kConfirmed || !se_.active || !se_.we_refresh) return;
  if (ic_.active || is_.active || !is_.acked || nic_.kind != NonInviteClient::Kind::kNone || glare_at_ != kNever) {
    se_.refresh_at = now + 4 * timing_.t1_ms;  // an exchange is open: it refreshes, or we try again soon
    return;
  }
  if (se_.peer_allows_update && send_update(now)) return;
  send_invite(now, local_sdp_.view(), true, {}, {});
}

}  // namespace dialtone::protocol::sip
