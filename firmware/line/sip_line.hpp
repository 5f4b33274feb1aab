// The SIP line (sip-line.md sections 1-3): the transport to the registrar
// or outbound proxy, registration, and the transaction layer every SIP
// exchange of the line runs in, on the one EventLoop.
//
// It knows nothing of calls: every message that is not about registering
// goes to its calls (SipLineCalls, firmware/line/sip_calls), which reach
// the wire through the line (SipCallWire) and learn who the device is from
// it. The state it reports is the `line` event's: registering, registered,
// offline with a reason in words.
//
// Start-up registers; a broken connection or an unanswered keep-alive
// registers again at once; stop() unregisters (Expires: 0) and gives the
// answer a moment (flush_for_ms) before the process goes.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/config/config.hpp"
#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "firmware/line/line_observer.hpp"
#include "firmware/line/sip_transport.hpp"
#include "firmware/status/line_state.hpp"
#include "protocol/sip/registration.hpp"
#include "protocol/sip/sip_account.hpp"
#include "protocol/sip/sip_call_auth.hpp"
#include "protocol/sip/sip_call_types.hpp"
#include "protocol/sip/sip_message.hpp"
#include "protocol/sip/transaction.hpp"

namespace dialtone::line {

// Where the line hands the messages that are its calls' business.
class SipLineCalls {
 public:
  virtual ~SipLineCalls() = default;
  virtual void on_sip_message(const protocol::sip::SipMessage& m, protocol::sip::TxTransport transport,
                              std::uint32_t peer) = 0;
  // The line's timers fired (the transaction layer's among them).
  virtual void on_sip_tick() = 0;
  virtual TimeMs next_sip_wakeup() const = 0;
};

class SipLine final : public SipTransportObserver,
                      public protocol::sip::TransactionUser,
                      public protocol::sip::SipCallWire {
 public:
  // `cfg` and `rng` outlive the line.
  SipLine(EventLoop& loop, Csprng& rng, const config::SipConfig& cfg, LineObserver& observer);
  SipLine(const SipLine&) = delete;
  SipLine& operator=(const SipLine&) = delete;

  void set_calls(SipLineCalls* calls) { calls_ = calls; }

  // Sets up the transport (TLS: the CA file) and starts registering. False
  // when the set-up failed (logged; the line is offline and says why).
  bool start();
  // Unregisters (Expires: 0) when a binding may exist; run the loop
  // flush_for_ms() longer so it goes out and is answered.
  void stop();
  static constexpr TimeMs kFlushMs = 1000;
  // stop() is done: the unregister was answered, failed, or never needed.
  bool unregistered() const { return reg_.stopped(); }

  status::LineState state() const;
  std::string_view reason() const { return reason_.view(); }
  std::string_view aor() const { return reg_.aor(); }
  // The registrar's host: numbers are dialled as sip:<number>@<realm>.
  std::string_view realm() const;
  // Why no call can be placed now; empty when registered.
  std::string_view unavailable_reason() const;
  // Who this device is in a call: AOR, display name, Contact, Via.
  protocol::sip::SipParty party() const;
  protocol::sip::SipCredentials* credentials() { return &credentials_; }
  protocol::sip::TransactionLayer& transactions() { return tx_; }
  // After the calls started or ended something with a timer: wake in time.
  void rearm();

  // protocol::sip::SipCallWire
  std::uint32_t peer_for(std::string_view next_hop) override;
  void send(std::uint32_t peer, std::string_view bytes) override;

 private:
  // SipTransportObserver
  void on_sip_transport_up() override;
  void on_sip_message(std::span<const std::uint8_t> message, bool reliable) override;
  void on_sip_transport_down(std::string_view reason) override;
  // protocol::sip::TransactionUser (the REGISTER transactions)
  void tx_send(protocol::sip::TxId id, std::uint32_t peer, std::string_view bytes) override;
  void tx_response(protocol::sip::TxId id, const protocol::sip::SipMessage& response) override;
  void tx_failed(protocol::sip::TxId id, protocol::sip::TxFailure why) override;

  // After every input to the registration engine: its REGISTER to the wire,
  // its state to the observer, the timer re-armed.
  void pump();
  void report();
  void on_timer();
  std::uint32_t random_u32();
  protocol::sip::TxTransport tx_transport() const {
    return transport_.reliable() ? protocol::sip::TxTransport::kReliable : protocol::sip::TxTransport::kUnreliable;
  }

  EventLoop& loop_;
  Csprng& rng_;
  const config::SipConfig& cfg_;
  LineObserver& observer_;
  SipLineCalls* calls_ = nullptr;
  protocol::sip::SipAccount account_;
  SipTransport transport_;
  protocol::sip::Registration reg_;
  protocol::sip::SipAccountCredentials credentials_;
  protocol::sip::TransactionLayer tx_;
  protocol::sip::TxId reg_tx_ = 0;
  std::uint32_t reg_cseq_ = 0;
  bool started_ = false;
  bool registered_once_ = false;
  FixedString<limits::kCallReasonMax> reason_;
  FixedString<limits::kHostMax + 8> contact_host_;
  protocol::sip::SipMessage scratch_;  // a received message, parsed
  protocol::sip::SipMessage request_;  // the REGISTER being built
  TimerId timer_;
  TimeMs timer_at_ = 0;
  TimerId reopen_timer_;  // before the first REGISTER could go out
};

}  // namespace dialtone::line
