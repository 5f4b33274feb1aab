// SipCall, our requests: the INVITE of a call we place and its responses
// (progress, answer, forks, challenges, failures), CANCEL, re-INVITEs and
// glare, BYE and the UPDATE of a session refresh.
#include "protocol/sip/sip_call.hpp"

#include <cstdio>

#include "firmware/core/ascii.hpp"
#include "firmware/core/log.hpp"
#include "protocol/sip/sip_call_headers.hpp"
#include "protocol/sip/sip_call_parts.hpp"

namespace dialtone::protocol::sip {

using namespace call_parts;
using Kind = SipCallEvent::Kind;

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
    // Outside a dialog only the line's own route (its outbound proxy) applies.
    std::string_view first_route = first_route_.view();
    RequestSpec spec{.method = "INVITE",
                     .request_uri = dialog_.remote_target.view(),
                     .from = dialog_.local.spec(),
                     .to = dialog_.remote.spec(),
                     .call_id = dialog_.call_id.view(),
                     .cseq = ic_.cseq,
                     .via = via(branch.view()),
                     .routes = first_route.empty() ? std::span<const std::string_view>{}
                                                   : std::span<const std::string_view>(&first_route, 1),
                     .contact = contact_.view(),
                     .max_forwards = 70,
                     .user_agent = {},
                     .content_type = kSdpType,
                     .body = sdp};
    e = ic_.msg.build_request(spec);
    hop = first_route.empty() ? dialog_.remote_target.view() : route_uri_of(first_route);
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
  std::span<char> wire = wire_buffer();
  if (e == SipError::kOk) e = m.serialize(wire, len);
  m.clear();
  if (e != SipError::kOk || len > into.capacity()) {
    log_build("ACK", e == SipError::kOk ? SipError::kTooLarge : e);
    return false;
  }
  into.assign(std::string_view(wire.data(), len));
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
  std::string_view hop = first_route_.empty() ? dialog_.remote_target.view() : route_uri_of(first_route_.view());
  bool ok = e == SipError::kOk && start(now, m, hop, cancel_tx_, "CANCEL");
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

void SipCall::invite_failed(TimeMs now, TxFailure why) {
  ic_.active = false;
  ic_.msg.clear();
  const bool timeout = why == TxFailure::kTimeout;
  const SipCallEnd end = timeout ? SipCallEnd::kTimeout : SipCallEnd::kFailed;
  if (ic_.reinvite) {
    // RFC 3261 12.2.1.2: a request in the dialog timing out ends the dialog.
    ended(end, timeout ? 408 : 0, timeout ? "re-INVITE timed out" : to_string(why));
    send_bye(now);
    return;
  }
  ended(end, timeout ? 408 : 0, timeout ? "no response to INVITE" : to_string(why));
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

}  // namespace dialtone::protocol::sip
