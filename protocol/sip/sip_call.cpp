#include "protocol/sip/sip_call.hpp"

#include <cstdio>

#include "firmware/core/ascii.hpp"
#include "firmware/core/log.hpp"
#include "protocol/sip/dtmf_relay.hpp"
#include "protocol/sip/sip_call_headers.hpp"

namespace dialtone::protocol::sip {
namespace {

using Kind = SipCallEvent::Kind;
constexpr std::string_view kSdpType = "application/sdp";
constexpr std::string_view kAllow = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE";

// One message is built at a time, handed on (serialized) and dropped, so its
// oSIP memory goes back to the pool at once. Everything runs on the loop's
// thread.
SipMessage& scratch_message() {
  static SipMessage m;
  return m;
}

char g_wire[limits::kSipMessageMax];

void log_build(const char* what, SipError e) { DT_LOGW("sip", "%s could not be built: %s", what, to_string(e)); }

}  // namespace

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
  dialog_ = SipDialog{};
  contact_.assign(me.contact);
  transport_.assign(me.transport.empty() ? std::string_view("UDP") : me.transport);
  via_host_.assign(me.via_host);
  via_port_ = me.via_port;
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
  // end of an incoming call sends those.
  return !outgoing_ && from->tag.view() == dialog_.remote.tag.view();
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
    if (ic_.active) invite_failed(now);
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

// ---- outgoing calls -----------------------------------------------------------

bool SipCall::place(TimeMs now, const SipParty& me, std::string_view target_uri, std::string_view offer) {
  set_now(now);
  if (!reusable()) return false;
  begin(me);
  outgoing_ = true;
  dialog_.caller = true;
  if (make_call_id(rng_, {}, dialog_.call_id) != SipError::kOk ||
      make_tag(rng_, dialog_.local.tag) != SipError::kOk) {
    DT_LOGW("sip", "call not placed: no random identifiers");
    return false;
  }
  if (!dialog_.local.display.assign(me.display_name) || !dialog_.local.uri.assign(me.aor) ||
      !dialog_.remote.uri.assign(target_uri) || !dialog_.remote_target.assign(target_uri) ||
      !offer_sdp_.assign(offer)) {
    DT_LOGW("sip", "call not placed: the target, identity or offer is too long");
    return false;
  }
  if (!send_invite(now, offer, false, {}, {})) {
    finish();
    return false;
  }
  phase_ = Phase::kCalling;
  return true;
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

bool SipCall::send_invite(TimeMs now, std::string_view sdp, bool refresh, std::string_view auth_name,
                          std::string_view auth_value) {
  const bool reinvite = dialog_.confirmed;
  const bool auth_tried = ic_.auth_tried && !auth_name.empty();
  ic_.reset();
  ic_.reinvite = reinvite;
  ic_.refresh = refresh;
  ic_.auth_tried = auth_tried;
  ic_.cseq = ++dialog_.local_cseq;
  SipToken branch;
  SipError e = make_branch(rng_, branch);
  FixedVector<std::string_view, limits::kSipRouteSetMax> routes;
  std::string_view hop;
  if (e == SipError::kOk && reinvite) {
    e = ic_.msg.build_in_dialog(dialog_.spec(routes), "INVITE", ic_.cseq, via(branch.view()), contact_.view());
    if (e == SipError::kOk) e = ic_.msg.set_body(kSdpType, sdp);
    hop = dialog_.next_hop();
  } else if (e == SipError::kOk) {
    RequestSpec spec{.method = "INVITE",
                     .request_uri = dialog_.remote_target.view(),
                     .from = dialog_.local.spec(),
                     .to = dialog_.remote.spec(),
                     .call_id = dialog_.call_id.view(),
                     .cseq = ic_.cseq,
                     .via = via(branch.view()),
                     .routes = {},
                     .contact = contact_.view(),
                     .max_forwards = 70,
                     .user_agent = {},
                     .content_type = kSdpType,
                     .body = sdp};
    e = ic_.msg.build_request(spec);
    hop = dialog_.remote_target.view();
  }
  if (e == SipError::kOk && !add_common(ic_.msg, true, true, false)) e = SipError::kBadArgument;
  if (e == SipError::kOk && !auth_name.empty()) e = ic_.msg.add_header(auth_name, auth_value);
  if (e != SipError::kOk) {
    log_build("INVITE", e);
    ic_.reset();
    return false;
  }
  if (auto uri = ic_.msg.request_uri()) ic_.request_uri = *uri;
  if (!start(now, ic_.msg, hop, ic_.tx, "INVITE")) {
    ic_.reset();
    return false;
  }
  ic_.active = true;
  return true;
}

void SipCall::initial_invite_response(TimeMs now, const In& r) {
  const int s = r.status;
  if (s < 200) {
    if (!ic_.active) return;  // a provisional after the final response: nothing to learn
    if (phase_ == Phase::kCancelling) {
      if (cancel_wanted_ && !cancel_sent_ && !send_cancel(now)) finish();
      return;
    }
    phase_ = Phase::kEarly;
    if (!r.sdp.empty() && !early_media_) {
      early_media_ = true;
      emit(SipCallEvent{.kind = Kind::kEarlyMedia, .sdp = r.sdp, .status = s});
    } else if (s == 180 && !early_media_ && !ringing_) {
      ringing_ = true;
      emit(SipCallEvent{.kind = Kind::kRinging, .status = s});
    } else if (!trying_ && !ringing_ && !early_media_) {
      trying_ = true;
      emit(SipCallEvent{.kind = Kind::kTrying, .status = s});
    }
    return;
  }
  if (s < 300) {
    if (!ic_.active) {
      answer_again(r);  // the answer again (our ACK was lost), or another fork answering too
      return;
    }
    ic_.active = false;
    ic_.msg.clear();
    cancel_give_up_at_ = kNever;
    DialogError de = dialog_from_response(*r.m, dialog_);
    dialog_.confirmed = true;
    if (auto allows = allows_method(*r.m, "UPDATE")) se_.peer_allows_update = *allows;
    ack_2xx(r, dialog_, ack_, ack_peer_);
    ack_cseq_ = dialog_cseq_ = r.cseq;
    phase_ = Phase::kConfirmed;
    if (silent_) {
      // The answer crossed our CANCEL: the call exists now, and ends.
      send_bye(now);
      return;
    }
    if (de != DialogError::kOk) {
      DT_LOGW("sip", "call %.*s answered, but its dialog cannot be kept: %s", static_cast<int>(call_id().size()),
              call_id().data(), to_string(de));
      ended(SipCallEnd::kFailed, 0, to_string(de));
      send_bye(now);
      return;
    }
    local_sdp_.assign(offer_sdp_.view());
    session_from_response(now, r);
    emit(SipCallEvent{.kind = Kind::kAnswered, .sdp = r.sdp, .status = s});
    return;
  }
  // A final error: the transaction ACKed it (RFC 3261 17.1.1.3).
  if (!ic_.active) return;
  ic_.active = false;
  cancel_give_up_at_ = kNever;
  if (phase_ == Phase::kCancelling) {
    finish();  // 487 Request Terminated (or whatever came first): the call layer ended it already
    return;
  }
  if ((s == 401 || s == 407) && retry_with_credentials(now, r)) return;
  SipCallEnd why = SipCallEnd::kRejected;
  if (s == 486 || s == 600) why = SipCallEnd::kBusy;
  else if (s == 603) why = SipCallEnd::kDeclined;
  ended(why, s, r.reason);
  finish();
}

bool SipCall::ack_2xx(const In& r, const SipDialog& d, SipShortText& into, std::uint32_t& peer) {
  // A 2xx's ACK is a transaction of its own (RFC 3261 13.2.2.4): a new
  // branch, the INVITE's CSeq number, routed like any request of the dialog;
  // the dialog, not a transaction, sends it again when the 2xx comes again.
  SipToken branch;
  into.clear();
  if (make_branch(rng_, branch) != SipError::kOk) return false;
  FixedVector<std::string_view, limits::kSipRouteSetMax> routes;
  SipMessage& m = scratch_message();
  SipError e = m.build_in_dialog(d.spec(routes), "ACK", r.cseq, via(branch.view()));
  std::size_t len = 0;
  if (e == SipError::kOk) e = m.serialize(std::span<char>(g_wire, sizeof g_wire), len);
  m.clear();
  if (e != SipError::kOk || len > into.capacity()) {
    log_build("ACK", e == SipError::kOk ? SipError::kTooLarge : e);
    return false;
  }
  into.assign(std::string_view(g_wire, len));
  peer = wire_.peer_for(d.next_hop());
  wire_.send(peer, into.view());
  return true;
}

void SipCall::answer_again(const In& r) {
  if (!dialog_.confirmed) return;
  if (r.to_tag.view() == dialog_.remote.tag.view()) {
    if (r.cseq == ack_cseq_ && !ack_.empty()) wire_.send(ack_peer_, ack_.view());
  } else if (r.cseq == dialog_cseq_) {
    fork_answered(now_, r);  // another fork's answer to the INVITE that made the call
  }
}

void SipCall::fork_answered(TimeMs now, const In& r) {
  if (r.to_tag.view() == fork_tag_.view()) {
    wire_.send(fork_peer_, fork_ack_.view());  // that fork's 2xx again
    return;
  }
  // Another fork answered too (RFC 3261 13.2.2.4): its dialog is ACKed and
  // ended at once. The latest such fork is the one remembered.
  static SipDialog fork;
  fork = dialog_;
  DialogError de = dialog_from_response(*r.m, fork);
  if (de != DialogError::kOk) {
    DT_LOGW("sip", "a second fork's 2xx cannot be ACKed: %s", to_string(de));
    return;
  }
  fork_tag_ = r.to_tag;
  if (!ack_2xx(r, fork, fork_ack_, fork_peer_)) return;
  fork.local_cseq = r.cseq;
  TxId bye = 0;
  send_in_dialog(now, fork, "BYE", false, false, bye);  // its answer concerns nobody
}

bool SipCall::send_cancel(TimeMs now) {
  // RFC 3261 9.1: the INVITE's Request-URI, Call-ID, From, To, CSeq number,
  // Route and top Via (its branch); CANCEL in CSeq.
  SipMessage& m = scratch_message();
  SipError e = m.build_cancel(ic_.msg);
  bool ok = e == SipError::kOk && start(now, m, dialog_.remote_target.view(), cancel_tx_, "CANCEL");
  m.clear();
  if (e != SipError::kOk) log_build("CANCEL", e);
  if (!ok) return false;
  cancel_sent_ = true;
  cancel_wanted_ = false;
  // Should no final response to the INVITE come in 64*T1, it is given up
  // for cancelled (9.1).
  cancel_give_up_at_ = now + 64 * timing_.t1_ms;
  return true;
}

bool SipCall::retry_with_credentials(TimeMs now, const In& r) {
  if (ic_.auth_tried || credentials_ == nullptr) return false;
  static DigestValue value;
  value.clear();
  if (!credentials_->authorize(*r.m, "INVITE", ic_.request_uri.view(), value)) return false;
  // Same Call-ID, tags and target; a new CSeq and branch (RFC 3261 22.2).
  const bool refresh = ic_.refresh;
  ic_.auth_tried = true;
  return send_invite(now, refresh ? local_sdp_.view() : offer_sdp_.view(), refresh,
                     r.status == 407 ? "Proxy-Authorization" : "Authorization", value.view());
}

void SipCall::invite_failed(TimeMs now) {
  ic_.active = false;
  ic_.msg.clear();
  if (ic_.reinvite) {
    // RFC 3261 12.2.1.2: a request in the dialog timing out ends the dialog.
    ended(SipCallEnd::kTimeout, 408, "re-INVITE timed out");
    send_bye(now);
    return;
  }
  ended(SipCallEnd::kTimeout, 408, "no response to INVITE");
  finish();
}

// ---- our other requests in the dialog -----------------------------------------

bool SipCall::send_in_dialog(TimeMs now, const SipDialog& d, std::string_view method, bool contact, bool allow,
                             TxId& id) {
  SipToken branch;
  SipError e = make_branch(rng_, branch);
  FixedVector<std::string_view, limits::kSipRouteSetMax> routes;
  SipMessage& m = scratch_message();
  if (e == SipError::kOk)
    e = m.build_in_dialog(d.spec(routes), method, d.local_cseq + 1, via(branch.view()),
                          contact ? contact_.view() : std::string_view{});
  if (e == SipError::kOk && !add_common(m, allow, allow, false)) e = SipError::kBadArgument;
  bool ok = e == SipError::kOk && start(now, m, d.next_hop(), id, "request");
  m.clear();
  if (e != SipError::kOk) log_build("a request in the dialog", e);
  return ok;
}

bool SipCall::send_bye(TimeMs now) {
  phase_ = Phase::kEnding;
  silent_ = true;
  glare_at_ = cancel_give_up_at_ = kNever;
  se_.refresh_at = se_.expire_at = kNever;
  tx_.abandon(nic_.tx);
  nic_ = NonInviteClient{.kind = NonInviteClient::Kind::kBye};
  if (!send_in_dialog(now, dialog_, "BYE", false, false, nic_.tx)) {
    nic_ = NonInviteClient{};
    finish();
    return false;
  }
  ++dialog_.local_cseq;
  return true;
}

bool SipCall::send_update(TimeMs now) {
  nic_ = NonInviteClient{.kind = NonInviteClient::Kind::kUpdate};
  if (!send_in_dialog(now, dialog_, "UPDATE", true, true, nic_.tx)) {
    nic_ = NonInviteClient{};
    return false;
  }
  ++dialog_.local_cseq;
  return true;
}

void SipCall::non_invite_response(TimeMs now, const In& r) {
  if (r.status < 200) return;
  const NonInviteClient::Kind kind = nic_.kind;
  nic_ = NonInviteClient{};
  if (kind == NonInviteClient::Kind::kBye) {
    finish();  // whatever the answer, the dialog is over
    return;
  }
  // The answer to a session refresh by UPDATE.
  const int s = r.status;
  if (s < 300) {
    refresh_target(*r.m, dialog_);
    session_from_response(now, r);
    return;
  }
  if (s == 422) {
    auto min = min_se(*r.m);
    if (min && *min > se_.interval_s) {
      se_.interval_s = *min;
      send_update(now);
    }
    return;
  }
  if (s == 405 || s == 501) {
    // UPDATE refused after all: refresh with a re-INVITE instead.
    se_.peer_allows_update = false;
    refresh_session(now);
    return;
  }
  if (s == 481 || s == 408) {
    ended(SipCallEnd::kDialogGone, s, r.reason);
    if (s == 408) send_bye(now);
    else finish();
  }
  // Other refusals: the session's expiry ends the call if no refresh succeeds.
}

// ---- the far end's requests -------------------------------------------------------

bool SipCall::keep_request(const In& q, bool update) {
  is_.reset();
  if (is_.request.copy_from(*q.m) != SipError::kOk) {
    DT_LOGW("sip", "a request of call %.*s could not be kept to answer later", static_cast<int>(call_id().size()),
            call_id().data());
    is_.reset();
    return false;
  }
  is_.tx = q.id;
  is_.cseq = q.cseq;
  is_.update = update;
  is_.active = true;
  is_.acked = false;
  is_.uac_supports_timer = q.m->supports_option("timer");
  if (auto se = q.m->session_expires()) {
    is_.se_s = se->seconds;
    is_.se_refresher = ascii_iequals(se->refresher, "uac")   ? Refresher::kUac
                       : ascii_iequals(se->refresher, "uas") ? Refresher::kUas
                                                             : Refresher::kNone;
  }
  return true;
}

bool SipCall::respond_invite(TimeMs now, int status, std::string_view extra_name, std::string_view extra_value,
                             std::string_view body) {
  const bool success = status >= 200 && status < 300;
  SipMessage& m = scratch_message();
  SipError e = m.build_response(is_.request, status, dialog_.local.tag.view());
  if (e == SipError::kOk && status > 100 && status < 300) e = m.add_contact(contact_.view());
  if (e == SipError::kOk && !extra_name.empty()) e = m.add_header(extra_name, extra_value);
  if (e == SipError::kOk && !add_common(m, success, success, true)) e = SipError::kBadArgument;
  if (e == SipError::kOk && !body.empty()) e = m.set_body(kSdpType, body);
  if (e == SipError::kOk) e = tx_.respond(now, is_.tx, m);
  m.clear();
  if (e != SipError::kOk) {
    log_build("a response to INVITE", e);
    return false;
  }
  if (status >= 200) {
    is_.active = false;
    is_.request.clear();  // answered: its memory goes back to the pool
    is_.acked = is_.update || !success;  // the transaction absorbs the ACK of an error
  }
  return true;
}

void SipCall::respond(TimeMs now, const In& q, int status, std::string_view extra_name,
                      std::string_view extra_value) {
  SipMessage& m = scratch_message();
  SipError e = m.build_response(*q.m, status, dialog_.local.tag.view());
  if (e == SipError::kOk && !extra_name.empty()) e = m.add_header(extra_name, extra_value);
  if (e == SipError::kOk && !add_common(m, false, false, true)) e = SipError::kBadArgument;
  if (e == SipError::kOk) e = tx_.respond(now, q.id, m);
  m.clear();
  if (e != SipError::kOk) log_build("a response", e);
}

void SipCall::request(TimeMs now, const In& q) {
  const std::string_view m = q.method;
  if (m == "ACK") {
    on_ack(now, q);
    return;
  }
  if (q.id == 0) return;  // every other request comes with its transaction
  if (m == "CANCEL") {
    on_cancel(now, q);
    return;
  }
  if (phase_ == Phase::kEnded || (phase_ == Phase::kEnding && m != "BYE")) {
    respond(now, q, 481);
    return;
  }
  if (dialog_.remote_cseq_known && q.cseq <= dialog_.remote_cseq) {
    respond(now, q, 500, "Retry-After", "0");  // out of order (RFC 3261 12.2.2)
    return;
  }
  dialog_.remote_cseq = q.cseq;
  dialog_.remote_cseq_known = true;
  if (m == "BYE") on_bye(now, q);
  else if (m == "INVITE") on_reinvite(now, q, false);
  else if (m == "UPDATE") on_reinvite(now, q, true);
  else if (m == "INFO") on_info(now, q);
  else if (m == "OPTIONS") respond(now, q, 200, "Allow", kAllow);
  else respond(now, q, 501);
}

bool SipCall::take(TimeMs now, const SipParty& me, const SipMessage& invite, TxId id) {
  set_now(now);
  static In q;
  if (!reusable() || !read(invite, id, q) || q.method != "INVITE") {
    tx_.abandon(id);
    return false;
  }
  begin(me);
  outgoing_ = false;
  SipToken tag;
  if (make_tag(rng_, tag) != SipError::kOk || !keep_request(q, false)) {
    DT_LOGW("sip", "INVITE dropped: it cannot be kept to answer");
    tx_.abandon(id);
    return false;
  }
  dialog_.local.tag = tag;
  if (auto cid = invite.call_id()) dialog_.call_id = *cid;
  dialog_.remote.tag = q.from_tag;
  DialogError de = dialog_from_request(invite, tag.view(), dialog_);
  if (de != DialogError::kOk) {
    DT_LOGW("sip", "INVITE refused: %s", to_string(de));
    respond_invite(now, de == DialogError::kNoContact ? 400 : 500);
    finish();
    return false;
  }
  if (q.other_body) {
    respond_invite(now, 415, "Accept", kSdpType);
    finish();
    return false;
  }
  if (is_.se_s != 0 && is_.se_s < limits::kSipMinSeS) {
    char v[16];
    std::snprintf(v, sizeof v, "%u", static_cast<unsigned>(limits::kSipMinSeS));
    respond_invite(now, 422, "Min-SE", v);
    finish();
    return false;
  }
  if (auto allows = allows_method(invite, "UPDATE")) se_.peer_allows_update = *allows;
  is_.offer_in_2xx = q.sdp.empty();
  respond_invite(now, 100);
  phase_ = Phase::kOffered;
  // Caller ID: P-Asserted-Identity when present, else From (sip-line.md 4);
  // a PAI without a display name borrows From's.
  auto from = invite.from();
  auto pai = invite.p_asserted_identity();
  const NameAddr* who = pai ? &*pai : from ? &*from : nullptr;
  if (who != nullptr) {
    peer_.assign(who->user.view());
    peer_name_.assign(who->display.view());
    if (peer_name_.empty() && from) peer_name_.assign(from->display.view());
  }
  emit(SipCallEvent{.kind = Kind::kIncoming, .sdp = q.sdp, .peer = peer_.view(), .peer_name = peer_name_.view()});
  return true;
}

bool SipCall::ring(TimeMs now) {
  set_now(now);
  if (phase_ != Phase::kOffered || !is_.active) return false;
  return respond_invite(now, 180);
}

bool SipCall::answer(TimeMs now, std::string_view sdp) {
  set_now(now);
  if (phase_ != Phase::kOffered || !is_.active) return false;
  session_from_request(now);
  if (!respond_invite(now, 200, {}, {}, sdp)) return false;
  local_sdp_.assign(sdp);
  dialog_.confirmed = true;
  phase_ = Phase::kAnswered;
  return true;
}

void SipCall::on_ack(TimeMs now, const In& q) {
  if (q.cseq != is_.cseq || is_.acked) return;
  is_.acked = true;
  tx_.ack_received(is_.tx);  // our 2xx goes out no more
  if (phase_ == Phase::kAnswered) {
    phase_ = Phase::kConfirmed;
    if (bye_wanted_) {
      send_bye(now);
      return;
    }
    arm_session(now);
    emit(SipCallEvent{.kind = Kind::kConfirmed, .sdp = q.sdp});
    return;
  }
  if (is_.offer_in_2xx && !q.sdp.empty()) emit(SipCallEvent{.kind = Kind::kOfferAnswered, .sdp = q.sdp});
}

void SipCall::on_cancel(TimeMs now, const In& q) {
  // The router found the INVITE's transaction by the CANCEL's branch (RFC 3261 9.2).
  const bool ours = tx_.find_invite_for_cancel(*q.m) == std::optional<TxId>(is_.tx) && is_.tx != 0 && !is_.update;
  respond(now, q, ours ? 200 : 481);
  if (!ours || !is_.active) return;  // answered already: the CANCEL changes nothing
  respond_invite(now, 487);
  if (phase_ == Phase::kOffered) {
    ended(SipCallEnd::kCancelled, 0, "cancelled by the caller");
    finish();
  }
}

void SipCall::on_bye(TimeMs now, const In& q) {
  respond(now, q, 200);
  if (phase_ == Phase::kEnding) {
    finish();  // both hung up at once
    return;
  }
  if (phase_ == Phase::kCalling || phase_ == Phase::kEarly || phase_ == Phase::kCancelling) return;  // early dialog
  if (is_.active) respond_invite(now, 487);  // their INVITE or re-INVITE still open (15.1.2)
  if (!is_.acked) {
    tx_.ack_received(is_.tx);  // a BYE instead of the ACK: stop sending our 2xx
    is_.acked = true;
  }
  ended(phase_ == Phase::kOffered ? SipCallEnd::kCancelled : SipCallEnd::kRemoteHangUp, 0, {});
  finish();
}

void SipCall::on_reinvite(TimeMs now, const In& q, bool update) {
  if (phase_ != Phase::kConfirmed) {
    // Before the call is up: our 2xx not yet ACKed, or an early dialog.
    if (update) respond(now, q, 491);
    else respond(now, q, 500, "Retry-After", "1");
    return;
  }
  if (ic_.active) {
    respond(now, q, 491);  // glare: theirs meets ours (RFC 3261 14.2)
    return;
  }
  if (is_.active || !is_.acked) {
    // Their previous offer is still open: 500 with a random Retry-After of 0-10 s (14.2).
    char retry[16];
    std::snprintf(retry, sizeof retry, "%lld", static_cast<long long>(backoff_ms(0, 10000) / 1000));
    respond(now, q, 500, "Retry-After", retry);
    return;
  }
  if (q.other_body) {
    respond(now, q, 415, "Accept", kSdpType);
    return;
  }
  if (auto se = q.m->session_expires(); se && se->seconds < limits::kSipMinSeS) {
    char v[16];
    std::snprintf(v, sizeof v, "%u", static_cast<unsigned>(limits::kSipMinSeS));
    respond(now, q, 422, "Min-SE", v);
    return;
  }
  if (!keep_request(q, update)) {
    respond(now, q, 500, "Retry-After", "1");
    return;
  }
  refresh_target(*q.m, dialog_);
  if (auto allows = allows_method(*q.m, "UPDATE")) se_.peer_allows_update = *allows;
  if (q.sdp.empty()) {
    // No offer: a session refresh. An UPDATE is answered at once; a
    // re-INVITE gets our last SDP as the offer, the answer comes in the ACK.
    session_from_request(now);
    is_.offer_in_2xx = !update;
    respond_invite(now, 200, {}, {}, update ? std::string_view{} : local_sdp_.view());
    return;
  }
  if (!update) respond_invite(now, 100);
  emit(SipCallEvent{.kind = Kind::kRemoteOffer, .sdp = q.sdp});
}

bool SipCall::answer_offer(TimeMs now, std::string_view sdp) {
  set_now(now);
  if (phase_ != Phase::kConfirmed || !is_.active) return false;
  session_from_request(now);
  if (!respond_invite(now, 200, {}, {}, sdp)) return false;
  local_sdp_.assign(sdp);
  return true;
}

void SipCall::on_info(TimeMs now, const In& q) {
  const SipMessage& m = *q.m;
  if (m.body().empty()) {
    respond(now, q, 200);
    return;
  }
  if (m.content_type().view() != "application/dtmf-relay") {
    respond(now, q, 415, "Accept", "application/dtmf-relay");
    return;
  }
  DtmfRelay d;
  if (parse_dtmf_relay(m.body(), d) != DtmfRelayError::kOk) {
    respond(now, q, 400);
    return;
  }
  respond(now, q, 200);
  emit(SipCallEvent{.kind = Kind::kDtmf, .digit = d.digit, .duration_ms = d.duration_ms});
}

// ---- mid-call offers ------------------------------------------------------------

bool SipCall::reoffer(TimeMs now, std::string_view sdp) {
  set_now(now);
  if (phase_ != Phase::kConfirmed) return false;
  if (ic_.active || is_.active || !is_.acked || glare_at_ != kNever) return false;
  if (!offer_sdp_.assign(sdp)) return false;
  return send_invite(now, sdp, false, {}, {});
}

void SipCall::reinvite_response(TimeMs now, const In& r) {
  const int s = r.status;
  if (s < 200) return;
  if (s < 300 && !ic_.active) {
    answer_again(r);
    return;
  }
  if (!ic_.active) return;
  ic_.active = false;
  ic_.msg.clear();
  if (s < 300) {
    ack_2xx(r, dialog_, ack_, ack_peer_);
    ack_cseq_ = r.cseq;
    refresh_target(*r.m, dialog_);
    if (auto allows = allows_method(*r.m, "UPDATE")) se_.peer_allows_update = *allows;
    if (!ic_.refresh) local_sdp_.assign(offer_sdp_.view());
    session_from_response(now, r);
    // A refresh offered the session unchanged: its answer changes nothing.
    if (!ic_.refresh) emit(SipCallEvent{.kind = Kind::kOfferAnswered, .sdp = r.sdp, .status = s});
    return;
  }
  if ((s == 401 || s == 407) && retry_with_credentials(now, r)) return;
  if (s == 491) {
    // Glare: the same offer again after RFC 3261 14.1's random wait.
    glare_refresh_ = ic_.refresh;
    glare_at_ = now + (dialog_.caller ? backoff_ms(2100, 4000) : backoff_ms(0, 2000));
    return;
  }
  if (s == 481 || s == 408) {
    ended(SipCallEnd::kDialogGone, s, r.reason);
    if (s == 408) send_bye(now);
    else finish();
    return;
  }
  if (ic_.refresh) {
    auto min = min_se(*r.m);
    if (s == 422 && min && *min > se_.interval_s) {
      se_.interval_s = *min;
      send_invite(now, local_sdp_.view(), true, {}, {});
    }
    return;  // otherwise the expiry ends the call if nothing refreshes it
  }
  emit(SipCallEvent{.kind = Kind::kOfferFailed, .reason = r.reason, .status = s});
}

void SipCall::glare_retry(TimeMs now) {
  glare_at_ = kNever;
  if (phase_ != Phase::kConfirmed) return;
  if (is_.active || !is_.acked || ic_.active) {
    glare_at_ = now + timing_.t1_ms;  // their exchange is still open: after it
    return;
  }
  if (!send_invite(now, glare_refresh_ ? local_sdp_.view() : offer_sdp_.view(), glare_refresh_, {}, {}) &&
      !glare_refresh_)
    emit(SipCallEvent{.kind = Kind::kOfferFailed, .reason = "re-INVITE could not be sent"});
}

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
      respond_invite(now, how == SipHangUp::kDecline ? 603 : how == SipHangUp::kBusy ? 486 : 480);
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
