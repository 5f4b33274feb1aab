// What the call layer needs from the world, as three narrow ports, so it
// knows neither YNA nor SIP nor WebRTC: a line carries signalling, a media
// session makes SDP and moves audio, the phone shows what happens.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/call/call_machine.hpp"

namespace dialtone::call {

// A line adapter (YNA today, SIP next): translates the call layer's signals
// into its protocol, and its protocol's messages into call events, which it
// hands to CallLayer::from_line (by the line's call id, or by the device's
// id until the line has given the call one).
class CallLine {
 public:
  virtual ~CallLine() = default;
  virtual std::string_view name() const = 0;  // "yna", "sip": the `line` of call events
  // Empty when the line can carry a call now; else why not, in words.
  virtual std::string_view unavailable_reason() const = 0;
  // `to` is E.164 with a leading '+', or a number exactly as dialled
  // (emergency and service numbers, anything the dial plan does not know);
  // each line writes it in its own form.
  virtual void place(const CallMachine& call, std::string_view to, std::string_view offer) = 0;
  virtual void alert(const CallMachine& call) = 0;
  virtual void send_answer(const CallMachine& call, std::string_view answer) = 0;
  virtual void send_offer(const CallMachine& call, OfferPurpose why, std::string_view offer) = 0;
  virtual void send_offer_answer(const CallMachine& call, RemotePurpose why, std::string_view answer) = 0;
  virtual void end(const CallMachine& call, EndReason why) = 0;
  // An incoming call no call slot can take (busy, or call waiting is off).
  virtual void refuse(std::string_view call_id, EndReason why) = 0;
};

// One media session per call slot. Asynchronous: the session reports
// kLocalSdp (and kMediaUp / kMediaFailed) through CallLayer::from_media.
class CallMedia {
 public:
  virtual ~CallMedia() = default;
  virtual bool create_offer(MediaDirection d, bool ice_restart) = 0;
  virtual bool create_answer(std::string_view remote_offer, MediaDirection d) = 0;
  virtual bool apply_answer(std::string_view remote_answer) = 0;
  virtual std::string_view local_sdp() const = 0;
  virtual void set_flow(bool send, bool play) = 0;
  virtual bool send_dtmf(char digit) = 0;
  virtual void close() = 0;
};

class CallUi {
 public:
  virtual ~CallUi() = default;
  // A call's `call` event changed (state, reason, id): emit it.
  virtual void call_changed(const CallMachine& call, std::string_view line) = 0;
  // After every batch of inputs: the tone, the ringer or who is in a call
  // may have changed.
  virtual void calls_settled() = 0;
};

}  // namespace dialtone::call
