// What a call needs from the world, as three narrow ports, so the call
// controller knows neither YNA nor WebRTC: the network carries signalling,
// the media session makes SDP and moves audio, the phone makes sounds.
#pragma once
#include <string_view>

#include "firmware/call/call_machine.hpp"
#include "firmware/handset/handset.hpp"

namespace dialtone::call {

class CallNetwork {
 public:
  virtual ~CallNetwork() = default;
  // Results come back to CallController::on_event (kStartOk/kStartFailed,
  // kPostOk/kPostFailed, kEndFailed).
  virtual void start(std::string_view to, std::string_view sdp, std::string_view correlator) = 0;
  virtual void post(Endpoint e, std::string_view call_id, std::string_view sdp) = 0;
  virtual void end(std::string_view call_id, std::string_view reason) = 0;
};

class CallMedia {
 public:
  virtual ~CallMedia() = default;
  // Asynchronous: the session reports kLocalSdp when the SDP is gathered.
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
  virtual void call_tone(handset::Tone t) = 0;
  virtual void call_ringer(bool on) = 0;
  virtual void call_changed(const CallMachine& call) = 0;  // emit the `call` event
};

}  // namespace dialtone::call
