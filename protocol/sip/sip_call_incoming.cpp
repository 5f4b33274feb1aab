// SipCall, the far end's requests: a new INVITE and our answers to it, its
// ACK and CANCEL, BYE, re-INVITE and UPDATE offers, INFO and OPTIONS.
#include "protocol/sip/sip_call.hpp"

#include <cstdio>

#include "firmware/core/ascii.hpp"
#include "firmware/core/log.hpp"
#include "protocol/sip/dtmf_relay.hpp"
#include "protocol/sip/sip_call_headers.hpp"
#include "protocol/sip/sip_call_parts.hpp"

namespace dialtone::protocol::sip {

using namespace call_parts;
using Kind = SipCallEvent::Kind;

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
    char retry[24];
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

}  // namespace dialtone::protocol::sip
