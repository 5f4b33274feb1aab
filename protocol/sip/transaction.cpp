#include "protocol/sip/transaction.hpp"

#include <cstring>
#include <span>

#include "protocol/sip/sip_text.hpp"

namespace dialtone::protocol::sip {
namespace {

constexpr std::string_view kMagicCookie = "z9hG4bK";
constexpr TimeMs kTimerDMs = 32000;  // RFC 3261 17.1.1.2: at least 32 s over unreliable transports

// Where a request came from by its top Via: "host:port".
template <std::size_t N>
bool append_sent_by(FixedString<N>& out, const Via& v) {
  return out.append(v.host) && out.push_back(':') && text::append_u32(out, v.port);
}

// The key a server transaction is found by (RFC 3261 17.2.3).
template <std::size_t N>
bool server_key(const SipMessage& m, FixedString<N>& out) {
  out.clear();
  auto via = m.top_via();
  if (!via) return false;
  if (via->branch.substr(0, kMagicCookie.size()) == kMagicCookie)
    return out.append("b|") && out.append(via->branch) && out.push_back('|') && append_sent_by(out, *via);
  // RFC 2543 peers: no unique branch. Call-ID, CSeq number, From tag and
  // sent-by tell one request from another (and an ACK shares them with its
  // INVITE).
  auto call_id = m.call_id();
  auto cseq = m.cseq();
  auto from = m.from();
  if (!call_id || !cseq || !from) return false;
  return out.append("c|") && out.append(call_id->view()) && out.push_back('|') && text::append_u32(out, cseq->number) &&
         out.push_back('|') && out.append(from->tag.view()) && out.push_back('|') && append_sent_by(out, *via);
}

}  // namespace

const char* to_string(TxFailure f) {
  switch (f) {
    case TxFailure::kTimeout: return "transaction timeout";
    case TxFailure::kNoAck: return "no ACK";
    case TxFailure::kTransport: return "transport error";
  }
  return "?";
}

TransactionLayer::TransactionLayer(TxTimers timers) : timers_(timers) {}

TransactionLayer::Tx* TransactionLayer::slot(TxId id) {
  if (id == 0) return nullptr;
  std::size_t i = id & 0xff;
  if (i >= limits::kSipTransactionsMax) return nullptr;
  Tx& t = txs_[i];
  return t.state != TxState::kNone && t.id == id ? &t : nullptr;
}

const TransactionLayer::Tx* TransactionLayer::slot(TxId id) const {
  return const_cast<TransactionLayer*>(this)->slot(id);
}

TransactionLayer::Tx* TransactionLayer::take_slot() {
  for (std::size_t i = 0; i < limits::kSipTransactionsMax; ++i) {
    Tx& t = txs_[i];
    if (t.state != TxState::kNone) continue;
    // Ids carry the slot in their low byte and a serial above it, so an id
    // outlives its slot harmlessly.
    t.id = (next_serial_++ << 8) | static_cast<TxId>(i);
    if ((next_serial_ & 0xffffff) == 0) next_serial_ = 1;
    t.ack_seen = false;
    t.retransmit_at = t.timeout_at = t.end_at = kNever;
    t.interval = 0;
    t.len = 0;
    last_full_ = false;
    gauge_.take();
    return &t;
  }
  last_full_ = true;
  return nullptr;
}

void TransactionLayer::end(Tx& t) {
  if (t.state == TxState::kNone) return;
  t.state = TxState::kNone;
  t.tu = nullptr;
  gauge_.give();
}

void TransactionLayer::send(Tx& t) {
  if (t.len > 0 && t.tu != nullptr) t.tu->tx_send(t.id, t.peer, std::string_view(t.bytes, t.len));
}

void TransactionLayer::end_if_due(TxId id, TimeMs now) {
  Tx* t = slot(id);
  if (t != nullptr && t->end_at <= now) end(*t);
}

TransactionLayer::Tx* TransactionLayer::find(std::string_view key, std::string_view method, bool server) {
  for (Tx& t : txs_) {
    if (t.state == TxState::kNone) continue;
    bool is_server = t.kind == TxKind::kInviteServer || t.kind == TxKind::kNonInviteServer;
    if (is_server == server && t.key.view() == key && t.method.view() == method) return &t;
  }
  return nullptr;
}

const TransactionLayer::Tx* TransactionLayer::find(std::string_view key, std::string_view method,
                                                   bool server) const {
  return const_cast<TransactionLayer*>(this)->find(key, method, server);
}

// --- client -----------------------------------------------------------------------

SipError TransactionLayer::start_client(TimeMs now, const SipMessage& request, TxTransport transport,
                                        std::uint32_t peer, TransactionUser& tu, TxId& id) {
  id = 0;
  if (request.empty()) return SipError::kEmpty;
  if (!request.is_request() || request.method() == "ACK") return SipError::kBadArgument;
  auto via = request.top_via();
  if (!via || via->branch.empty()) return SipError::kBadArgument;
  Tx* t = take_slot();
  if (t == nullptr) return SipError::kNoRoom;
  SipError err = request.serialize(std::span<char>(t->bytes), t->len);
  if (err != SipError::kOk || !t->method.assign(request.method()) || !t->key.assign(via->branch)) {
    t->state = TxState::kCompleted;  // so end() counts it back
    end(*t);
    return err == SipError::kOk ? SipError::kBadArgument : err;
  }
  bool invite = request.method() == "INVITE";
  t->kind = invite ? TxKind::kInviteClient : TxKind::kNonInviteClient;
  t->state = invite ? TxState::kCalling : TxState::kTrying;
  t->reliable = transport == TxTransport::kReliable;
  t->peer = peer;
  t->tu = &tu;
  if (!t->reliable) {
    t->interval = timers_.t1;  // Timer A or E
    t->retransmit_at = now + t->interval;
  }
  t->timeout_at = now + 64 * timers_.t1;  // Timer B or F
  id = t->id;
  send(*t);
  return SipError::kOk;
}

bool TransactionLayer::on_response(TimeMs now, const SipMessage& response) {
  if (!response.is_response()) return false;
  auto via = response.top_via();
  auto cseq = response.cseq();
  if (!via || !cseq || via->branch.empty()) return false;
  Tx* t = find(via->branch, cseq->method, false);
  if (t == nullptr) return false;
  client_response(now, *t, response);
  return true;
}

void TransactionLayer::client_response(TimeMs now, Tx& t, const SipMessage& response) {
  int status = response.status();
  TxId id = t.id;
  TransactionUser* tu = t.tu;
  bool provisional = status < 200;
  if (t.kind == TxKind::kInviteClient) {
    switch (t.state) {
      case TxState::kCalling:
      case TxState::kProceeding:
        if (provisional) {
          // No more retransmissions, and Timer B only applies while Calling.
          t.state = TxState::kProceeding;
          t.retransmit_at = t.timeout_at = kNever;
          tu->tx_response(id, response);
        } else if (status < 300) {
          t.state = TxState::kAccepted;
          t.retransmit_at = t.timeout_at = kNever;
          t.end_at = now + 64 * timers_.t1;  // Timer M
          tu->tx_response(id, response);
        } else {
          // The transaction ACKs a failure itself (RFC 3261 17.1.1.3), from
          // the INVITE it sent; the ACK is what it resends from now on.
          t.state = TxState::kCompleted;
          t.retransmit_at = t.timeout_at = kNever;
          t.end_at = t.reliable ? now : now + kTimerDMs;
          {
            SipMessage invite;
            SipMessage ack;
            std::size_t len = 0;
            if (invite.parse(std::string_view(t.bytes, t.len)) == SipError::kOk &&
                ack.build_ack_for_failure(invite, response) == SipError::kOk &&
                ack.serialize(std::span<char>(t.bytes), len) == SipError::kOk) {
              t.len = len;
            } else {
              t.len = 0;  // cannot ACK (pool exhausted): the server's Timer H ends its side
            }
          }
          send(t);
          tu->tx_response(id, response);
          end_if_due(id, now);
        }
        return;
      case TxState::kAccepted:
        if (status >= 200 && status < 300) tu->tx_response(id, response);  // a fork, or a retransmission
        return;
      case TxState::kCompleted:
        if (status >= 300) send(t);  // the failure again: ACK it again
        return;
      default:
        return;
    }
  }
  // non-INVITE
  switch (t.state) {
    case TxState::kTrying:
    case TxState::kProceeding:
      if (provisional) {
        t.state = TxState::kProceeding;
        if (!t.reliable) t.interval = timers_.t2;  // Timer E runs at T2 from here on
        tu->tx_response(id, response);
      } else {
        t.state = TxState::kCompleted;
        t.retransmit_at = t.timeout_at = kNever;
        t.end_at = t.reliable ? now : now + timers_.t4;  // Timer K
        tu->tx_response(id, response);
        end_if_due(id, now);
      }
      return;
    default:
      return;  // Completed: retransmissions of the final response are absorbed
  }
}

// --- server -----------------------------------------------------------------------

RequestMatch TransactionLayer::on_request(TimeMs now, const SipMessage& request, TxTransport transport,
                                          std::uint32_t peer, TransactionUser& tu, TxId& id) {
  id = 0;
  Key key;
  if (!request.is_request() || !server_key(request, key)) return RequestMatch::kUnusable;
  std::string_view method = request.method();
  if (method == "ACK") {
    Tx* t = find(key.view(), "INVITE", true);
    if (t == nullptr) return RequestMatch::kStrayAck;
    id = t->id;
    if (t->state == TxState::kCompleted) {
      t->state = TxState::kConfirmed;
      t->retransmit_at = t->timeout_at = kNever;  // Timers G and H stop
      t->end_at = t->reliable ? now : now + timers_.t4;  // Timer I
      end_if_due(id, now);
      return RequestMatch::kAckAbsorbed;
    }
    if (t->state == TxState::kConfirmed) return RequestMatch::kAckAbsorbed;
    // An ACK sharing the INVITE's key while Accepted: an RFC 2543 peer's ACK
    // of our 2xx. The dialog owns it.
    return RequestMatch::kStrayAck;
  }
  if (Tx* t = find(key.view(), method, true)) {
    id = t->id;
    bool answered = t->state == TxState::kProceeding || t->state == TxState::kCompleted ||
                    (t->state == TxState::kAccepted && !t->ack_seen);
    if (answered) send(*t);
    return RequestMatch::kRetransmission;
  }
  Tx* t = take_slot();
  if (t == nullptr) return RequestMatch::kNoRoom;
  if (!t->method.assign(method)) {
    t->state = TxState::kCompleted;
    end(*t);
    return RequestMatch::kNoRoom;
  }
  t->key = key;
  bool invite = method == "INVITE";
  t->kind = invite ? TxKind::kInviteServer : TxKind::kNonInviteServer;
  t->state = invite ? TxState::kProceeding : TxState::kTrying;
  t->reliable = transport == TxTransport::kReliable;
  t->peer = peer;
  t->tu = &tu;
  id = t->id;
  return RequestMatch::kNew;
}

SipError TransactionLayer::respond(TimeMs now, TxId id, const SipMessage& response) {
  Tx* t = slot(id);
  if (t == nullptr || (t->kind != TxKind::kInviteServer && t->kind != TxKind::kNonInviteServer))
    return SipError::kBadArgument;
  if (t->state != TxState::kTrying && t->state != TxState::kProceeding) return SipError::kBadArgument;
  if (!response.is_response()) return SipError::kBadArgument;
  std::size_t len = 0;
  if (SipError e = response.serialize(std::span<char>(t->bytes), len); e != SipError::kOk) return e;
  t->len = len;
  int status = response.status();
  if (status < 200) {
    t->state = TxState::kProceeding;
  } else if (t->kind == TxKind::kNonInviteServer) {
    t->state = TxState::kCompleted;
    t->end_at = t->reliable ? now : now + 64 * timers_.t1;  // Timer J
  } else {
    // A 2xx (Accepted) or a failure (Completed): resent at T1 doubling up to
    // T2 over UDP until acknowledged; 64*T1 without an ACK is a failure
    // (Timer H, or RFC 6026's Timer L for the 2xx).
    t->state = status < 300 ? TxState::kAccepted : TxState::kCompleted;
    if (!t->reliable) {
      t->interval = timers_.t1;
      t->retransmit_at = now + t->interval;
    }
    t->timeout_at = now + 64 * timers_.t1;
    if (t->state == TxState::kAccepted) t->end_at = t->timeout_at;
  }
  send(*t);
  end_if_due(id, now);
  return SipError::kOk;
}

void TransactionLayer::ack_received(TxId id) {
  Tx* t = slot(id);
  if (t == nullptr || t->state != TxState::kAccepted || t->ack_seen) return;
  t->ack_seen = true;
  t->retransmit_at = t->timeout_at = kNever;  // end_at (64*T1 after the 2xx) stays: absorb late INVITEs
}

std::optional<TxId> TransactionLayer::find_invite_for_cancel(const SipMessage& cancel) const {
  Key key;
  if (!server_key(cancel, key)) return std::nullopt;
  const Tx* t = find(key.view(), "INVITE", true);
  if (t == nullptr) return std::nullopt;
  return t->id;
}

// --- both ---------------------------------------------------------------------------

void TransactionLayer::transport_error(TxId id) {
  Tx* t = slot(id);
  if (t == nullptr) return;
  TransactionUser* tu = t->tu;
  end(*t);
  if (tu != nullptr) tu->tx_failed(id, TxFailure::kTransport);
}

void TransactionLayer::abandon(TxId id) {
  if (Tx* t = slot(id)) end(*t);
}

void TransactionLayer::tick(TimeMs now) {
  for (Tx& t : txs_) {
    if (t.state == TxState::kNone) continue;
    TxId id = t.id;
    if (t.timeout_at <= now) {
      // B, F, H, or no ACK for our 2xx: the TU hears of it and it ends.
      TransactionUser* tu = t.tu;
      end(t);
      if (tu != nullptr) tu->tx_failed(id, t.kind == TxKind::kInviteServer ? TxFailure::kNoAck : TxFailure::kTimeout);
      continue;
    }
    if (t.end_at <= now) {
      end(t);
      continue;
    }
    if (t.retransmit_at <= now) {
      send(t);
      if (slot(id) != &t) continue;  // its TU ended it while sending
      // A doubles without limit; E, G and the 2xx's retransmissions stop
      // doubling at T2 (E is at T2 already once Proceeding).
      TimeMs next = t.interval * 2;
      if (t.kind != TxKind::kInviteClient && next > timers_.t2) next = timers_.t2;
      if (t.kind == TxKind::kNonInviteClient && t.state == TxState::kProceeding) next = timers_.t2;
      t.interval = next;
      t.retransmit_at = now + next;
    }
  }
}

TimeMs TransactionLayer::next_wakeup() const {
  TimeMs at = kNever;
  for (const Tx& t : txs_) {
    if (t.state == TxState::kNone) continue;
    if (t.retransmit_at < at) at = t.retransmit_at;
    if (t.timeout_at < at) at = t.timeout_at;
    if (t.end_at < at) at = t.end_at;
  }
  return at;
}

TxState TransactionLayer::state(TxId id) const {
  const Tx* t = slot(id);
  return t ? t->state : TxState::kNone;
}

std::size_t TransactionLayer::active() const {
  std::size_t n = 0;
  for (const Tx& t : txs_)
    if (t.state != TxState::kNone) ++n;
  return n;
}

}  // namespace dialtone::protocol::sip
