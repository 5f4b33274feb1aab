// SipCall: bookkeeping, matching, the transaction layer's callbacks, ending
// and timers. The flows are in sip_call_outgoing.cpp (our INVITEs and other
// requests), sip_call_incoming.cpp (the far end's requests) and
// sip_call_session.cpp (RFC 4028 session timers).
#include "protocol/sip/sip_call.hpp"

#include <cstdio>

#include "firmware/core/ascii.hpp"
#include "firmware/core/log.hpp"
#include "protocol/sip/sip_call_headers.hpp"
#include "protocol/sip/sip_call_parts.hpp"

namespace dialtone::protocol::sip {

using namespace call_parts;
using Kind = SipCallEvent::Kind;


const char* to_string(SipCallEnd e) {
  switch (e) {
    case SipCallEnd::kRemoteHangUp: return "remote hang-up";
    case SipCallEnd::kCancelled: return "cancelled";
    case SipCallEnd::kBusy: return "busy";
    case SipCallEnd::kDeclined: return "declined";
    case SipCallEnd::kRejected: return "rejected";
    case SipCallEnd::kTimeout: return "timeout";
    case SipCallEnd::kDialogGone: return "dialog gone";
    case SipCallEnd::kFailed: return "failed";
  }
  return "?";
}

const char* to_string(SipCallEvent::Kind k) {
  switch (k) {
    case Kind::kIncoming: return "incoming";
    case Kind::kTrying: return "trying";
    case Kind::kRinging: return "ringing";
    case Kind::kEarlyMedia: return "early_media";
    case Kind::kAnswered: return "answered";
    case Kind::kConfirmed: return "confirmed";
    case Kind::kRemoteOffer: return "remote_offer";
    case Kind::kOfferAnswered: return "offer_answered";
    case Kind::kOfferFailed: return "offer_failed";
    case Kind::kDtmf: return "dtmf";
    case Kind::kEnded: return "ended";
  }
  return "?";
}

// ---- bookkeeping ------------------------------------------------------------

void SipCall::InviteClient::reset() {
  tx = 0;
  active = reinvite = refresh = auth_tried = false;
  cseq = 0;
  request_uri.clear();
  msg.clear();
}

void SipCall::InviteServer::reset() {
  tx = 0;
  active = offer_in_2xx = update = uac_supports_timer = false;
  acked = true;
  cseq = 0;
  se_s = 0;
  se_refresher = Refresher::kNone;
  request.clear();
}

SipCall::~SipCall() { forget_transactions(); }

// The layer holds a pointer to this engine in every transaction it opened:
// those end here, before the engine serves another call (or goes away).
void SipCall::forget_transactions() {
  for (TxId id : {ic_.tx, nic_.tx, is_.tx, cancel_tx_}) tx_.abandon(id);
}

void SipCall::begin(const SipParty& me) {
  forget_transactions();
  events_.clear();
  phase_ = Phase::kIdle;
  outgoing_ = false;
  silent_ = false;
  dialog_.clear();
  contact_.assign(me.contact);
  transport_.assign(me.transport.empty() ? std::string_view("UDP") : me.transport);
  via_host_.assign(me.via_host);
  via_port_ = me.via_port;
  first_route_.assign(me.route);
  user_agent_.assign(me.user_agent);
  reliable_ = me.reliable;
  peer_.clear();
  peer_name_.clear();
  ic_.reset();
  nic_ = NonInviteClient{};
  is_.reset();
  cancel_tx_ = 0;
  ack_.clear();
  ack_peer_ = ack_cseq_ = dialog_cseq_ = 0;
  cancel_wanted_ = cancel_sent_ = bye_wanted_ = false;
  cancel_give_up_at_ = kNever;
  fork_tag_.clear();
  fork_ack_.clear();
  fork_peer_ = 0;
  early_media_ = ringing_ = trying_ = false;
  local_sdp_.clear();
  offer_sdp_.clear();
  glare_at_ = kNever;
  glare_refresh_ = false;
  se_ = SessionTimer{};
  ended_reason_.clear();
}

bool SipCall::read(const SipMessage& m, TxId id, In& in) {
  auto cseq = m.cseq();
  auto from = m.from();
  auto to = m.to();
  if (!cseq || !from || !to) return false;
  in.m = &m;
  in.id = id;
  in.request = m.is_request();
  in.method = m.method();
  in.status = m.status();
  in.reason = m.reason();
  in.cseq = cseq->number;
  in.cseq_method = cseq->method;
  in.from_tag = from->tag;
  in.to_tag = to->tag;
  in.sdp = {};
  in.other_body = false;
  if (!m.body().empty()) {
    if (m.content_type().view() == kSdpType) in.sdp = m.body();
    else in.other_body = true;
  }
  return true;
}

TimeMs SipCall::backoff_ms(TimeMs lo, TimeMs hi) {
  std::uint32_t r = 0;
  // A failed draw takes the end of the range: still a valid wait, just not random.
  if (!rng_.uint32(r)) return hi;
  return lo + static_cast<TimeMs>(r % static_cast<std::uint32_t>(hi - lo + 1));
}

ViaSpec SipCall::via(std::string_view branch) const {
  return ViaSpec{.transport = transport_.view(), .host = via_host_.view(), .port = via_port_, .branch = branch};
}

bool SipCall::start(TimeMs now, const SipMessage& request, std::string_view next_hop, TxId& id, const char* what) {
  SipError e = tx_.start_client(now, request, transport(), wire_.peer_for(next_hop), *this, id);
  if (e != SipError::kOk) {
    DT_LOGW("sip", "%s for call %.*s not sent: %s", what, static_cast<int>(call_id().size()), call_id().data(),
            to_string(e));
    id = 0;
    return false;
  }
  return true;
}

void SipCall::emit(const SipCallEvent& e) {
  if (silent_) return;  // the call layer is done with this call: it hears no more of it
  if (!events_.push_back(e)) DT_LOGW("sip", "call event %s dropped: the queue is full", to_string(e.kind));
}

FixedVector<SipCallEvent, 8> SipCall::take_events() {
  FixedVector<SipCallEvent, 8> out = events_;
  events_.clear();
  return out;
}

void SipCall::ended(SipCallEnd why, int status, std::string_view reason) {
  ended_reason_.assign(reason);
  emit(SipCallEvent{.kind = Kind::kEnded, .reason = ended_reason_.view(), .end = why, .status = status});
  silent_ = true;
}

void SipCall::finish() {
  phase_ = Phase::kEnded;
  ended_at_ = now_;
  silent_ = true;
  glare_at_ = cancel_give_up_at_ = kNever;
  se_.refresh_at = se_.expire_at = kNever;
  ic_.msg.clear();
  is_.request.clear();
}

// ---- the network ------------------------------------------------------------------

bool SipCall::matches(const SipMessage& m) const {
  if (phase_ == Phase::kIdle) return false;
  auto id = m.call_id();
  if (!id || id->view() != dialog_.call_id.view()) return false;
  auto from = m.from();
  auto to = m.to();
  if (!from || !to) return false;
  // Our requests carry our tag in From, and so do the responses to them.
  if (m.is_response()) return from->tag.view() == dialog_.local.tag.view();
  if (!to->tag.empty()) {
    if (to->tag.view() != dialog_.local.tag.view()) return false;
    return dialog_.remote.tag.empty() || from->tag.view() == dialog_.remote.tag.view();
  }
  // No To tag: the INVITE, its retransmissions and its CANCEL; only the far
  // end of an incoming call sends those. Any other request without one is
  // outside every dialog (an OPTIONS that reuses the Call-ID), for the router.
  const std::string_view method = m.method();
  return !outgoing_ && (method == "INVITE" || method == "CANCEL") && from->tag.view() == dialog_.remote.tag.view();
}

void SipCall::receive(TimeMs now, const SipMessage& m, TxId id) {
  set_now(now);
  static In in;
  if (!read(m, id, in)) return;
  if (in.request) {
    request(now, in);
    return;
  }
  // A response no transaction took: an answer again after its INVITE's
  // transaction ended (our ACK was lost), or a fork answering late.
  if (in.cseq_method == "INVITE" && in.status >= 200 && in.status < 300) answer_again(in);
}

void SipCall::tx_send(TxId, std::uint32_t peer, std::string_view bytes) { wire_.send(peer, bytes); }

void SipCall::tx_response(TxId id, const SipMessage& response) {
  static In in;
  if (id == 0 || !read(response, id, in)) return;
  const TimeMs now = now_;
  if (id == ic_.tx) {
    if (ic_.reinvite) reinvite_response(now, in);
    else initial_invite_response(now, in);
  } else if (id == nic_.tx) {
    non_invite_response(now, in);
  } else if (in.cseq_method == "INVITE" && in.status >= 200 && in.status < 300) {
    answer_again(in);  // an earlier INVITE's transaction, still absorbing its 2xx (Timer M)
  }
}

void SipCall::tx_failed(TxId id, TxFailure why) {
  const TimeMs now = now_;
  if (id == 0) return;
  if (id == ic_.tx) {
    ic_.tx = 0;
    if (ic_.active) invite_failed(now, why);
  } else if (id == nic_.tx) {
    const NonInviteClient::Kind kind = nic_.kind;
    nic_ = NonInviteClient{};
    if (kind == NonInviteClient::Kind::kBye) {
      finish();  // no answer to our BYE: the dialog is over all the same
    } else if (kind == NonInviteClient::Kind::kUpdate && phase_ == Phase::kConfirmed) {
      ended(SipCallEnd::kTimeout, 408, "session refresh timed out");
      send_bye(now);
    }
  } else if (id == is_.tx) {
    is_.tx = 0;
    if (why == TxFailure::kNoAck && !is_.acked && !is_.update && (phase_ == Phase::kAnswered ||
                                                                   phase_ == Phase::kConfirmed)) {
      // No ACK for our 2xx in 64*T1: the dialog is confirmed and the session
      // ends with BYE (RFC 3261 13.3.1.4).
      is_.acked = true;
      if (!bye_wanted_) ended(SipCallEnd::kTimeout, 0, "no ACK for our 200");
      send_bye(now);
    }
  } else if (id == cancel_tx_) {
    cancel_tx_ = 0;
  }
}

bool SipCall::add_common(SipMessage& m, bool allow, bool session, bool response) {
  bool ok = true;
  if (allow)
    ok = m.add_header("Allow", kAllow) == SipError::kOk && m.add_header("Supported", "timer") == SipError::kOk;
  if (session && se_.active) {
    // A response names the refresher in the roles of the request it
    // answers; in our own request we are the UAC.
    const bool uac_refreshes = response ? !se_.we_refresh : se_.we_refresh;
    char value[48];
    std::snprintf(value, sizeof value, "%u;refresher=%s", static_cast<unsigned>(se_.interval_s),
                  uac_refreshes ? "uac" : "uas");
    ok = ok && m.add_header("Session-Expires", value) == SipError::kOk;
    // RFC 4028 9: Require: timer when the UAC refreshes or said it supports timers.
    if (response && (uac_refreshes || is_.uac_supports_timer))
      ok = ok && m.add_header("Require", "timer") == SipError::kOk;
  }
  if (!user_agent_.empty())
    ok = ok && m.add_header(response ? "Server" : "User-Agent", user_agent_.view()) == SipError::kOk;
  return ok;
}

// ---- ending -----------------------------------------------------------------------

void SipCall::hang_up(TimeMs now, SipHangUp how) {
  set_now(now);
  silent_ = true;
  switch (phase_) {
    case Phase::kCalling:
      // No CANCEL before a provisional response (RFC 3261 9.1): it goes when
      // one comes; no answer at all ends the INVITE by Timer B.
      phase_ = Phase::kCancelling;
      cancel_wanted_ = true;
      return;
    case Phase::kEarly:
      phase_ = Phase::kCancelling;
      if (!send_cancel(now)) finish();
      return;
    case Phase::kOffered:
      respond_invite(now, how == SipHangUp::kDecline          ? 603
                          : how == SipHangUp::kBusy          ? 486
                          : how == SipHangUp::kNotAcceptable ? 488
                                                             : 480);
      finish();
      return;
    case Phase::kAnswered:
      bye_wanted_ = true;  // BYE only once our 2xx is ACKed, or given up (RFC 3261 15)
      return;
    case Phase::kConfirmed:
      if (is_.active) respond_invite(now, 487);
      send_bye(now);
      return;
    case Phase::kIdle:
    case Phase::kCancelling:
    case Phase::kEnding:
    case Phase::kEnded:
      return;
  }
}

// ---- time -------------------------------------------------------------------------

TimeMs SipCall::next_wakeup() const {
  TimeMs t = kNever;
  for (TimeMs x : {cancel_give_up_at_, glare_at_, se_.refresh_at, se_.expire_at})
    if (x < t) t = x;
  return t;
}

void SipCall::tick(TimeMs now) {
  set_now(now);
  if (cancel_give_up_at_ <= now) {
    cancel_give_up_at_ = kNever;
    if (phase_ == Phase::kCancelling) {
      tx_.abandon(ic_.tx);  // no final response after the CANCEL: given up (9.1)
      finish();
    }
  }
  if (glare_at_ <= now) glare_retry(now);
  if (se_.refresh_at <= now) refresh_session(now);
  if (se_.expire_at <= now) {
    se_.expire_at = kNever;
    if (phase_ == Phase::kConfirmed) {
      ended(SipCallEnd::kTimeout, 0, "session expired");
      send_bye(now);
    }
  }
}

}  // namespace dialtone::protocol::sip
