#include "protocol/sip/sip_call_router.hpp"

#include "firmware/core/log.hpp"

namespace dialtone::protocol::sip {
namespace {

char g_wire[limits::kSipMessageMax];

}  // namespace

void SipCallRouter::set_now(TimeMs now) {
  for (SipCall* c : calls_) c->set_now(now);
}

SipCall* SipCallRouter::matching(const SipMessage& m) const {
  for (SipCall* c : calls_)
    if (c->matches(m)) return c;
  return nullptr;
}

SipCall* SipCallRouter::find(std::string_view call_id) const {
  for (SipCall* c : calls_)
    if (c->phase() != SipCall::Phase::kIdle && c->call_id() == call_id) return c;
  return nullptr;
}

void SipCallRouter::tx_send(TxId, std::uint32_t peer, std::string_view bytes) { wire_.send(peer, bytes); }

SipCallRouter::Outcome SipCallRouter::answer(TimeMs now, const SipMessage& m, TxTransport transport,
                                             std::uint32_t peer, int status) {
  SipToken tag;
  SipMessage r;
  if (make_tag(rng_, tag) != SipError::kOk || r.build_response(m, status, tag.view()) != SipError::kOk)
    return Outcome::kAbsorbed;
  if (status == 200 && m.method() == "OPTIONS") {
    r.add_header("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE");
    r.add_header("Accept", "application/sdp");
    r.add_header("Supported", "timer");
  }
  TxId id = 0;
  switch (tx_.on_request(now, m, transport, peer, *this, id)) {
    case RequestMatch::kNew:
      tx_.respond(now, id, r);
      return Outcome::kAnswered;
    case RequestMatch::kNoRoom:
    case RequestMatch::kUnusable: {
      // No transaction to keep the answer in: it goes out once.
      std::size_t len = 0;
      if (r.serialize(std::span<char>(g_wire, sizeof g_wire), len) == SipError::kOk)
        wire_.send(peer, std::string_view(g_wire, len));
      return Outcome::kAnswered;
    }
    default:
      return Outcome::kAbsorbed;
  }
}

SipCallRouter::Routed SipCallRouter::receive(TimeMs now, const SipMessage& m, TxTransport transport,
                                             std::uint32_t peer, const SipParty& me) {
  set_now(now);
  if (m.is_response()) {
    if (tx_.on_response(now, m)) return {Outcome::kAbsorbed, nullptr};
    // No transaction took it: a 2xx again after its INVITE's transaction
    // ended, for the dialog to ACK again.
    if (SipCall* c = matching(m)) {
      c->receive(now, m, 0);
      return {Outcome::kCall, c};
    }
    return {Outcome::kNotCalls, nullptr};
  }
  const std::string_view method = m.method();
  auto to = m.to();
  const bool in_dialog = to && !to->tag.empty();
  SipCall* call = matching(m);
  if (call == nullptr && method == "INVITE" && !in_dialog) {
    // A new call: the engine free longest (what is left of its last call,
    // a late retransmission, matters least there), else busy.
    SipCall* free = nullptr;
    for (SipCall* c : calls_)
      if (c->reusable() && (free == nullptr || c->ended_at() < free->ended_at())) free = c;
    if (SipCall* c = free) {
      TxId id = 0;
      RequestMatch match = tx_.on_request(now, m, transport, peer, *c, id);
      if (match == RequestMatch::kRetransmission) return {Outcome::kAbsorbed, nullptr};
      if (match != RequestMatch::kNew) return {answer(now, m, transport, peer, 503), nullptr};
      if (c->take(now, me, m, id)) return {Outcome::kNewCall, c};
      return {Outcome::kRefused, c};
    }
    DT_LOGI("sip", "INVITE refused: every call engine is in use");
    return {answer(now, m, transport, peer, 486) == Outcome::kAnswered ? Outcome::kRefused : Outcome::kAbsorbed,
            nullptr};
  }
  if (call == nullptr) {
    if (method == "ACK") return {Outcome::kAbsorbed, nullptr};  // of a dialog long gone, or a failure's
    if (method == "OPTIONS" && !in_dialog) return {answer(now, m, transport, peer, 200), nullptr};
    if (in_dialog || method == "CANCEL" || method == "BYE" || method == "INVITE")
      return {answer(now, m, transport, peer, 481), nullptr};
    return {Outcome::kNotCalls, nullptr};
  }
  TxId id = 0;
  switch (tx_.on_request(now, m, transport, peer, *call, id)) {
    case RequestMatch::kNew:
      call->receive(now, m, id);
      return {Outcome::kCall, call};
    case RequestMatch::kStrayAck:
      call->receive(now, m, 0);  // the ACK of a 2xx: the dialog's
      return {Outcome::kCall, call};
    case RequestMatch::kNoRoom:
      return {answer(now, m, transport, peer, 503), call};
    case RequestMatch::kUnusable:
      return {answer(now, m, transport, peer, 400), call};
    case RequestMatch::kRetransmission:
    case RequestMatch::kAckAbsorbed:
      break;
  }
  return {Outcome::kAbsorbed, call};
}

void SipCallRouter::tick(TimeMs now) {
  set_now(now);
  tx_.tick(now);
  for (SipCall* c : calls_)
    if (c->next_wakeup() <= now) c->tick(now);
}

TimeMs SipCallRouter::next_wakeup() const {
  TimeMs t = tx_.next_wakeup();
  for (const SipCall* c : calls_)
    if (c->next_wakeup() < t) t = c->next_wakeup();
  return t;
}

}  // namespace dialtone::protocol::sip
