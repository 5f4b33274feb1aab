// The SIP line adapter (sip-line.md section 4): the call layer's signals
// carried out by SIP call engines (protocol/sip/sip_call.hpp, one INVITE
// dialog each), and what the engines hear turned into line-neutral call
// events. It owns the engines and the router that hands them their
// messages; the line (firmware/line/sip_line) owns the transport, the
// transaction layer, registration and the one timer, and hands over every
// message that is not about registering.
//
// Which engine is which call: an engine carries a call layer call from
// place() or from kIncoming on; the engine's Call-ID is the call's id in the
// call layer. Two engines more than call slots answer what is left of ended
// calls (retransmissions, a late BYE) and refuse callers while every slot
// is busy.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/app/event_publisher.hpp"
#include "firmware/call/call_layer.hpp"
#include "firmware/call/call_ports.hpp"
#include "firmware/core/event_loop.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "firmware/line/sip_line.hpp"
#include "protocol/sip/sip_call.hpp"
#include "protocol/sip/sip_call_router.hpp"
#include "protocol/sip/sip_call_types.hpp"
#include "media/sdp/sdp_types.hpp"
#include "protocol/sip/sip_message.hpp"

namespace dialtone::line {

class SipCalls final : public call::CallLine, public SipLineCalls {
 public:
  SipCalls(EventLoop& loop, Csprng& rng, SipLine& line, call::CallLayer& calls, app::EventPublisher& events);
  SipCalls(const SipCalls&) = delete;
  SipCalls& operator=(const SipCalls&) = delete;

  // The call layer's index for this line (CallLayer::add_line).
  void set_index(std::uint8_t i) { index_ = i; }

  // call::CallLine
  std::string_view name() const override { return "sip"; }
  std::string_view unavailable_reason() const override { return line_.unavailable_reason(); }
  void place(const call::CallMachine& call, std::string_view to, std::string_view offer) override;
  void alert(const call::CallMachine& call) override;
  void send_answer(const call::CallMachine& call, std::string_view answer) override;
  void send_offer(const call::CallMachine& call, call::OfferPurpose why, std::string_view offer) override;
  void send_offer_answer(const call::CallMachine& call, call::RemotePurpose why, std::string_view answer) override;
  void end(const call::CallMachine& call, call::EndReason why) override;
  void refuse(std::string_view call_id, call::EndReason why) override;

  // SipLineCalls: what the line hands over.
  void on_sip_message(const protocol::sip::SipMessage& m, protocol::sip::TxTransport transport,
                      std::uint32_t peer) override;
  void on_sip_tick() override;
  TimeMs next_sip_wakeup() const override { return router_.next_wakeup(); }
  // Every call ends (the line went away, shutdown): BYE or CANCEL now.
  void end_all();
  // Calls in progress, for the line's decision to unregister now or later.
  bool busy() const;

 private:
  struct Engine {
    std::uint32_t device_id = 0;  // the call layer's id for the call; 0: none (or no longer)
    call::OfferPurpose offer = call::OfferPurpose::kCall;  // of our re-INVITE in flight
  };

  int by_call(const call::CallMachine& c) const;
  int by_call_id(std::string_view call_id) const;
  int spare() const;
  // After every input to the engines, the router or the transaction layer:
  // every engine's events to the call layer, and the line's timer re-armed.
  void collect();
  void to_calls(std::size_t i, const protocol::sip::SipCallEvent& ev);
  void remote_offer(std::size_t i, std::string_view sdp);
  void offer_answered(std::size_t i, std::string_view sdp);
  const call::CallMachine* call_of(const Engine& e) const;
  protocol::sip::SipCall& sip(std::size_t i) { return *sip_[i]; }
  const protocol::sip::SipCall& sip(std::size_t i) const { return *sip_[i]; }

  EventLoop& loop_;
  Csprng& rng_;
  SipLine& line_;
  call::CallLayer& calls_;
  app::EventPublisher& events_;
  std::uint8_t index_ = 0;
  // Built once: each engine keeps the messages it may need again.
  std::optional<protocol::sip::SipCall> sip_[limits::kSipCallEngines];
  protocol::sip::SipCall* sip_ptrs_[limits::kSipCallEngines] = {};
  Engine engines_[limits::kSipCallEngines];
  protocol::sip::SipCallRouter router_;
  media::sdp::SessionDescription scratch_;  // a re-offer, read for its direction
};

}  // namespace dialtone::line
