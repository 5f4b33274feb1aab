// RFC 3261 section 17 transactions as a sans-I/O engine: the four state
// machines (INVITE and non-INVITE, client and server) with their timers,
// driven by `now` and the messages the caller hands in. It sends through
// its TransactionUser and reads no clock; the loop calls tick() at
// next_wakeup().
//
// Why not oSIP's own transaction layer (osip2/osip_transaction): its state
// machines read the wall clock themselves (osip_gettimeofday in ict.c,
// nict.c, ist_fsm.c, ... and in osip_timers_*_execute), so they can be
// neither driven from the loop's monotonic clock nor tested on virtual
// time; they also queue events in allocated FIFOs. These machines are small
// enough to own.
//
// Timers (T1 500 ms, T2 4 s, T4 5 s; limits.hpp):
//   INVITE client:     A = T1, doubling (unreliable only); B = 64*T1 in
//                      Calling; D = 32 s after a failure (0 reliable);
//                      M = 64*T1 absorbing 2xx forks/retransmissions (RFC 6026)
//   non-INVITE client: E = T1, doubling up to T2, T2 once Proceeding
//                      (unreliable only); F = 64*T1; K = T4 (0 reliable)
//   INVITE server:     G = T1 doubling up to T2 for a failure response
//                      (unreliable only) until its ACK; H = 64*T1 without
//                      it; I = T4 after it (0 reliable). A 2xx is
//                      retransmitted the same way until the dialog reports
//                      its ACK (ack_received), failing after 64*T1 (RFC 6026
//                      Accepted, Timer L)
//   non-INVITE server: J = 64*T1 after the final response (0 reliable)
// Over TCP and TLS nothing is retransmitted. A retransmitted request is
// answered with the response last sent for it (or absorbed when there is
// none yet).
//
// Matching (RFC 3261 17.1.3, 17.2.3): a response by its top Via branch and
// CSeq method; a request by branch and sent-by, ACK matching the INVITE. A
// request without the z9hG4bK cookie (RFC 2543) is matched by Call-ID,
// CSeq number, From tag and sent-by instead.
//
// Callbacks happen synchronously inside the inputs; a callee may start,
// answer or abandon transactions from inside them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/pool_gauge.hpp"
#include "protocol/sip/sip_message.hpp"

namespace dialtone::protocol::sip {


using TxId = std::uint32_t;  // 0: none
enum class TxKind : std::uint8_t { kInviteClient, kNonInviteClient, kInviteServer, kNonInviteServer };
enum class TxState : std::uint8_t {
  kNone,        // no such transaction (ended, or never was)
  kCalling,     // INVITE client: sent, nothing back
  kTrying,      // non-INVITE: sent / received, nothing back or sent yet
  kProceeding,  // a provisional response seen / sent
  kCompleted,   // a final response seen / sent (failure for INVITE)
  kConfirmed,   // INVITE server: the ACK of our failure arrived
  kAccepted,    // INVITE: a 2xx seen / sent (RFC 6026)
};
enum class TxFailure : std::uint8_t {
  kTimeout,    // Timer B or F: no final response
  kNoAck,      // Timer H, or 64*T1 after our 2xx without ack_received()
  kTransport,  // transport_error(): the connection broke or the send failed
};
const char* to_string(TxFailure f);

// Over UDP timers retransmit; over TCP and TLS they do not.
enum class TxTransport : std::uint8_t { kUnreliable, kReliable };

struct TxTimers {
  TimeMs t1 = limits::kSipT1Ms;
  TimeMs t2 = limits::kSipT2Ms;
  TimeMs t4 = limits::kSipT4Ms;
};

// The engine a transaction works for.
class TransactionUser {
 public:
  virtual ~TransactionUser() = default;
  // Bytes to put on the wire towards the transaction's peer: the first
  // send and every retransmission (and the ACK of a failure).
  virtual void tx_send(TxId id, std::uint32_t peer, std::string_view bytes) = 0;
  // Client: a response to act on: each provisional, the final one, and for
  // INVITE every 2xx (retransmissions and forks: each needs its ACK).
  virtual void tx_response(TxId id, const SipMessage& response) = 0;
  virtual void tx_failed(TxId id, TxFailure why) = 0;
};

// What on_request() made of a request.
enum class RequestMatch : std::uint8_t {
  kNew,             // a new server transaction: hand the request to its TU
  kRetransmission,  // of a request in progress: answered again (or absorbed)
  kAckAbsorbed,     // the ACK of a failure we sent: the transaction's own
  kStrayAck,        // an ACK no transaction owns: a 2xx's, for the dialog
  kNoRoom,          // every slot in use: answer 503 without a transaction
  kUnusable,        // not a request, or its identifiers do not fit a key: answer 400 without one
};

class TransactionLayer {
 public:
  explicit TransactionLayer(TxTimers timers = {});
  TransactionLayer(const TransactionLayer&) = delete;
  TransactionLayer& operator=(const TransactionLayer&) = delete;

  // Starts a client transaction for `request` (INVITE: the INVITE machine;
  // any other method but ACK: the non-INVITE one), sends it through
  // tu.tx_send and arms its timers. `peer` is the caller's name for where
  // it goes (a connection or destination), handed back with every send.
  // kBadArgument for an ACK or a response; kTooLarge if it does not fit a
  // message; kPoolExhausted; kNoRoom when every slot is in use.
  SipError start_client(TimeMs now, const SipMessage& request, TxTransport transport, std::uint32_t peer,
                        TransactionUser& tu, TxId& id);

  // A response from the network. True when a client transaction took it
  // (and told its TU what it must know); false when none did (a stray, or a
  // 2xx retransmission after the transaction ended: the dialog's).
  bool on_response(TimeMs now, const SipMessage& response);

  // A request from the network (see RequestMatch). For kNew a server
  // transaction now exists (`id`) and belongs to `tu`; the caller hands the
  // request to that TU.
  RequestMatch on_request(TimeMs now, const SipMessage& request, TxTransport transport, std::uint32_t peer,
                          TransactionUser& tu, TxId& id);

  // Server: sends the TU's response for transaction `id` and keeps it for
  // retransmission. kBadArgument after a final response, or for an id that
  // is not a live server transaction.
  SipError respond(TimeMs now, TxId id, const SipMessage& response);

  // INVITE server in Accepted: the dialog matched the ACK of our 2xx; stop
  // retransmitting it (the transaction keeps absorbing INVITE
  // retransmissions until 64*T1 after the 2xx).
  void ack_received(TxId id);

  // The transport failed for this transaction: its TU hears kTransport and
  // the transaction ends.
  void transport_error(TxId id);

  // Ends a transaction at once, without callbacks (its TU is going away).
  void abandon(TxId id);

  void tick(TimeMs now);
  TimeMs next_wakeup() const;  // kNever when no timer runs

  TxState state(TxId id) const;
  std::size_t active() const;
  // The INVITE server transaction a CANCEL is for (same branch and sent-by).
  std::optional<TxId> find_invite_for_cancel(const SipMessage& cancel) const;
  // Whether a start_client / on_request found no free slot last time.
  bool last_full() const { return last_full_; }

 private:
  using Key = FixedString<limits::kSipTokenMax + limits::kSipCallIdMax + 2 * limits::kSipTokenMax + 16>;
  struct Tx {
    TxId id = 0;
    TxKind kind = TxKind::kNonInviteClient;
    TxState state = TxState::kNone;
    bool reliable = false;
    bool ack_seen = false;
    std::uint32_t peer = 0;
    TransactionUser* tu = nullptr;
    SipToken method;  // the request's (INVITE for an INVITE server transaction)
    Key key;
    TimeMs retransmit_at = kNever;
    TimeMs interval = 0;
    TimeMs timeout_at = kNever;
    TimeMs end_at = kNever;
    std::size_t len = 0;  // bytes: what a retransmission sends
    char bytes[limits::kSipMessageMax];
  };

  Tx* slot(TxId id);
  const Tx* slot(TxId id) const;
  Tx* take_slot();
  void end(Tx& t);
  void send(Tx& t);
  // Ends `t` now when its termination timer is zero, after callbacks that
  // may have ended it already.
  void end_if_due(TxId id, TimeMs now);
  Tx* find(std::string_view key, std::string_view method, bool server);
  const Tx* find(std::string_view key, std::string_view method, bool server) const;
  void client_response(TimeMs now, Tx& t, const SipMessage& response);

  TxTimers timers_;
  Tx txs_[limits::kSipTransactionsMax];
  std::uint32_t next_serial_ = 1;
  bool last_full_ = false;
  PoolGauge gauge_{"sip_transactions", limits::kSipTransactionsMax};
};

}  // namespace dialtone::protocol::sip
