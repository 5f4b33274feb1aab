// Hands the SIP messages of a line's calls to their engines (SipCall)
// through the line's transaction layer, and answers the requests that
// belong to no call: a new INVITE goes to a reusable engine (486 when none
// is left), a request for an unknown dialog gets 481, an OPTIONS outside a
// dialog 200. The line feeds it every received message and hands on only
// what it returns as kNotCalls (a NOTIFY, a MESSAGE, ...).
//
// The engines' own timers and the layer's run from tick(); the router sets
// the engines' clock before every call into the layer, whose callbacks
// carry no time.
#pragma once
#include <cstdint>
#include <span>

#include "firmware/core/clock.hpp"
#include "firmware/core/random.hpp"
#include "protocol/sip/sip_call.hpp"
#include "protocol/sip/sip_call_types.hpp"
#include "protocol/sip/sip_message.hpp"
#include "protocol/sip/transaction.hpp"

namespace dialtone::protocol::sip {

class SipCallRouter final : public TransactionUser {
 public:
  enum class Outcome : std::uint8_t {
    kCall,         // handed to `call` (a request of its dialog, or a response for it)
    kNewCall,      // a new INVITE `call` took: its kIncoming event waits there
    kRefused,      // a new INVITE that was answered with an error (no engine left, or refused by one)
    kAnswered,     // a request for no call, answered here (481, 200 to OPTIONS, 400, 503)
    kAbsorbed,     // a retransmission, an absorbed ACK, or a response a transaction took
    kNotCalls,     // none of the calls' business: the line's
  };
  struct Routed {
    Outcome outcome = Outcome::kNotCalls;
    SipCall* call = nullptr;
  };

  SipCallRouter(TransactionLayer& transactions, SipCallWire& wire, Csprng& rng, std::span<SipCall*> calls)
      : tx_(transactions), wire_(wire), rng_(rng), calls_(calls) {}

  // One received message; `peer` is the line's handle for where it came
  // from, `me` who the line is now (for a new call).
  Routed receive(TimeMs now, const SipMessage& m, TxTransport transport, std::uint32_t peer, const SipParty& me);

  // The layer's timers and the engines'.
  void tick(TimeMs now);
  TimeMs next_wakeup() const;

  // The engine of a call by its Call-ID (nullptr: none).
  SipCall* find(std::string_view call_id) const;

  // TransactionUser: the answers the router sends itself.
  void tx_send(TxId id, std::uint32_t peer, std::string_view bytes) override;
  void tx_response(TxId, const SipMessage&) override {}
  void tx_failed(TxId, TxFailure) override {}

 private:
  void set_now(TimeMs now);
  SipCall* matching(const SipMessage& m) const;
  // Answers `m` with `status` in a server transaction of the router's own.
  Outcome answer(TimeMs now, const SipMessage& m, TxTransport transport, std::uint32_t peer, int status);

  TransactionLayer& tx_;
  SipCallWire& wire_;
  Csprng& rng_;
  std::span<SipCall*> calls_;
};

}  // namespace dialtone::protocol::sip
