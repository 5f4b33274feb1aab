// One telephone call as a pure machine: step(event) changes the state and
// appends actions (line signals, SDP work for the media session, the call
// event) that the call layer carries out after the step has returned. No
// I/O, no clock, no allocation: every flow, and every misbehaviour of a
// line, is a unit test.
//
// The transitions are one table (call_machine.cpp, kTransitions): a row per
// (states, event) with the handler that acts. An event no row accepts in
// the current state changes nothing (the late Ringing after Connected, a
// second answer, a hold while a hold is under way).
//
// Tones and the ringer are not actions: they follow from the state (tone(),
// rings()), and the call layer, which knows the other call, decides what the
// handset plays.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/call/call_types.hpp"
#include "firmware/call/offer_answer.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/handset/handset.hpp"

namespace dialtone::call {

struct Event {
  enum class Kind : std::uint8_t {
    // The person (handset, control socket, web page).
    kDial,          // number (as the line should send it), emergency
    kAnswer, kDecline, kHangUp, kHold, kResume,
    // The line.
    kIncoming,      // call_id, number (caller), peer_name, verification, sdp (offer), waiting
    kAccepted,      // call_id: the line took our call
    kRejected,      // reason, code (0: the network could not be reached)
    kTrying,        // progress without ringing; sdp + early_media: an early answer
    kAlerting,      // the far end rings; sdp + early_media as kTrying
    kAnswered,      // the far end answered, or (once connected) re-offered; sdp optional
    kRemoteHold,    // sdp: the far end's hold offer, or its answer to ours
    kRemoteResume,  // sdp: the far end's resume offer, or its answer to ours
    kConfirmed,     // the line confirmed our answer to an incoming call; sdp: the far end's
                    // answer when the call came without an offer and ours went with the answer
    kSignalFailed,  // signal: one of ours the line could not deliver
    kRemoteEnded,   // cause, reason (the network's words, may be empty)
    // The media session.
    kLocalSdp,      // the SDP it was asked for is ready
    kMediaUp,
    kMediaFailed,   // reason
  };
  Kind kind;
  std::string_view number{};
  std::string_view call_id{};
  std::string_view peer_name{};
  std::string_view verification{};
  std::string_view sdp{};
  std::string_view reason{};
  EndCause cause = EndCause::kTerminated;
  Signal signal = Signal::kOffer;
  int code = 0;
  bool early_media = false;
  bool waiting = false;
  bool emergency = false;
};
const char* event_name(Event::Kind k);

struct Action {
  enum class Kind : std::uint8_t {
    kCreateOffer,      // offer, direction, ice_restart
    kCreateAnswer,     // remote, direction, sdp = the far end's offer
    kApplyAnswer,      // sdp = the far end's answer
    kPlace,            // send our offer to the number (the line replies kAccepted / kRejected)
    kAlert,            // tell the caller this phone rings
    kSendAnswer,       // our answer to the incoming call: the person answered
    kSendOffer,        // offer: a re-offer within the call
    kSendOfferAnswer,  // remote: our answer to the far end's re-offer
    kEnd,              // end_reason
    kCloseMedia,
    kNotify,           // the call event changed: emit it
  };
  Kind kind;
  OfferPurpose offer = OfferPurpose::kCall;
  RemotePurpose remote = RemotePurpose::kCall;
  MediaDirection direction = MediaDirection::kSendRecv;
  EndReason end_reason = EndReason::kTerminated;
  bool ice_restart = false;
  std::string_view sdp{};
};

using Actions = FixedVector<Action, 8>;

class CallMachine {
 public:
  // `id` is the device's own id for this call, stable for the call's life.
  void reset(std::uint32_t id);
  // False when no transition accepts the event in this state (nothing changed).
  bool step(const Event& e, Actions& out);

  std::uint32_t id() const { return id_; }
  State state() const { return state_; }
  Direction direction() const { return dir_; }
  bool active() const { return state_ != State::kIdle && state_ != State::kEnded; }
  bool emergency() const { return emergency_; }
  std::string_view call_id() const { return call_id_.view(); }
  std::string_view peer() const { return peer_.view(); }
  std::string_view peer_name() const { return peer_name_.view(); }
  std::string_view verification() const { return verification_.view(); }
  std::string_view reason() const { return reason_.view(); }
  const OfferAnswer& exchange() const { return oa_; }

  // What this call asks of the handset and the audio path in its state.
  handset::Tone tone() const { return tone_; }
  bool rings() const { return state_ == State::kRinging && dir_ == Direction::kIn; }
  bool sends_audio() const { return state_ == State::kConnected; }
  bool plays_audio() const {
    return state_ == State::kConnected || state_ == State::kEarly || state_ == State::kRemoteHeld;
  }

 private:
  using Handler = void (CallMachine::*)(const Event&, Actions&);

  // Person
  void dial(const Event& e, Actions& out);
  void answer(const Event& e, Actions& out);
  void decline(const Event& e, Actions& out);
  void hang_up(const Event& e, Actions& out);
  void hold(const Event& e, Actions& out);
  void resume(const Event& e, Actions& out);
  // Line
  void incoming(const Event& e, Actions& out);
  void accepted(const Event& e, Actions& out);
  void rejected(const Event& e, Actions& out);
  void progress(const Event& e, Actions& out);
  void answered(const Event& e, Actions& out);
  void reoffered(const Event& e, Actions& out);
  void remote_hold(const Event& e, Actions& out);
  void remote_resume(const Event& e, Actions& out);
  void confirmed(const Event& e, Actions& out);
  // An incoming call without an offer: ours is made, waiting for the answer.
  bool delayed_offer_ready() const;
  void signal_failed(const Event& e, Actions& out);
  void remote_ended(const Event& e, Actions& out);
  // Media
  void local_sdp(const Event& e, Actions& out);
  void media_failed(const Event& e, Actions& out);
  void ignore(const Event&, Actions&) {}

  void to(State s, Actions& out);
  void end(std::string_view reason, handset::Tone tone, bool tell_line, EndReason why, Actions& out);
  void make_offer(OfferPurpose p, MediaDirection d, Actions& out);
  void make_answer(RemotePurpose p, MediaDirection d, std::string_view offer, Actions& out);
  MediaDirection own_direction() const;

  struct Row;
  static const Row kTransitions[];

  std::uint32_t id_ = 0;
  State state_ = State::kIdle;
  Direction dir_ = Direction::kOut;
  OfferAnswer oa_;
  handset::Tone tone_ = handset::Tone::kNone;
  bool emergency_ = false;
  FixedString<limits::kCallIdMax> call_id_;
  FixedString<limits::kPeerMax> peer_;
  FixedString<limits::kPeerNameMax> peer_name_;
  FixedString<32> verification_;
  FixedString<limits::kCallReasonMax> reason_;
};

}  // namespace dialtone::call
