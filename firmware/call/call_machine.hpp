// One telephone call as a pure state machine over the flows of yna-wire.md
// section 6: step(event) changes the state and appends actions (REST posts,
// SDP work for the media session, tones, the ringer, call events); the caller
// carries the actions out. No I/O, no clock, no allocation, so every flow and
// every misbehaviour of the network is a unit test.
//
// SDP never lives here: events carry views of the network's SDP that stay
// valid while the caller drains the actions; the device's own SDP is held by
// the media session (actions with `local_sdp` set mean "attach it").
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/handset/handset.hpp"

namespace dialtone::call {

// SessionStatus of the calling API (yna-calling-api.md), the ones that matter.
enum class Status : std::uint8_t {
  kUnknown, kInitial, kInProgress, kRinging, kProceeding, kConnected, kTerminated, kHold, kResume,
  kSessionCancelled, kDeclined, kFailed, kWaiting, kNoAnswer, kNotReachable, kBusy, kForwarded,
};
Status parse_status(std::string_view s);

enum class Direction : std::uint8_t { kOut, kIn };

// The `state` of the control socket's call event.
enum class State : std::uint8_t {
  kIdle, kDialing, kProceeding, kRinging, kEarly, kConnected, kHeld, kRemoteHeld, kEnded,
};
const char* state_name(State s);

// What the media session is asked to produce next, and why.
enum class SdpPurpose : std::uint8_t {
  kNone, kStartOffer, kHoldOffer, kResumeOffer, kRestartOffer,   // our offers
  kInviteAnswer, kAcceptHold, kAcceptResume, kRenegotiateAnswer,  // our answers
};

enum class MediaDirection : std::uint8_t { kSendRecv, kSendOnly, kRecvOnly, kInactive };

enum class Endpoint : std::uint8_t {
  kInProgress, kRinging, kProceeding, kConnected, kHold, kAcceptHold, kResume, kAcceptResume, kRenegotiate,
};
const char* endpoint_path(Endpoint e);  // "inProgress", ...

struct Event {
  enum class Kind : std::uint8_t {
    kDial,          // number, correlator
    kLocalSdp,      // the media session finished the SDP it was asked for
    kStartOk,       // call_id
    kStartFailed,   // http_status (0: connection failure)
    kPostOk,        // endpoint
    kPostFailed,    // endpoint, http_status
    kEndFailed,     // DELETE /end failed after retries (nothing to do but log)
    kStatus,        // call_id, status, sdp, early_media_direction, response_code
    kInvitation,    // call_id, peer, verification, sdp (offer)
    kAnswer, kDecline, kHangUp, kHold, kResume,
    kMediaConnected,
    kMediaFailed,   // reason
  };
  Kind kind;
  std::string_view number{};       // kDial: digits; kInvitation: originator
  std::string_view call_id{};
  std::string_view sdp{};
  std::string_view early_media_direction{};
  std::string_view verification{};
  std::string_view reason{};
  Status status = Status::kUnknown;
  Endpoint endpoint = Endpoint::kInProgress;
  int http_status = 0;
};

struct Action {
  enum class Kind : std::uint8_t {
    kCreateOffer,   // purpose, direction, ice_restart
    kCreateAnswer,  // purpose, direction, sdp = the remote offer
    kApplyAnswer,   // sdp = the remote answer
    kPostStart,     // number (to); the local offer is attached
    kPost,          // endpoint, call_id; local_sdp: attach the local SDP
    kEnd,           // call_id, reason ("Terminated", "Declined", "Busy")
    kCloseMedia,
    kTone,          // tone
    kRinger,        // on
    kNotify,        // the call event changed: emit it
  };
  Kind kind;
  SdpPurpose purpose = SdpPurpose::kNone;
  MediaDirection direction = MediaDirection::kSendRecv;
  bool ice_restart = false;
  bool local_sdp = false;
  bool on = false;
  Endpoint endpoint = Endpoint::kInProgress;
  handset::Tone tone = handset::Tone::kNone;
  std::string_view sdp{};
  std::string_view call_id{};
  std::string_view reason{};
};

using Actions = FixedVector<Action, 8>;

class CallMachine {
 public:
  // `id` is the device's own id for this call (stable for the call's life).
  void reset(std::uint32_t id);
  void step(const Event& e, Actions& out);

  State state() const { return state_; }
  Direction direction() const { return dir_; }
  bool active() const { return state_ != State::kIdle && state_ != State::kEnded; }
  std::uint32_t id() const { return id_; }
  std::string_view call_id() const { return call_id_.view(); }
  std::string_view peer() const { return peer_.view(); }
  std::string_view reason() const { return reason_.view(); }
  std::string_view verification() const { return verification_.view(); }
  std::string_view correlator() const { return correlator_.view(); }
  SdpPurpose awaiting_sdp() const { return want_sdp_; }
  // Whether the microphone goes to the far end, and whether far-end audio
  // reaches the earpiece, in this state.
  bool sends_audio() const { return state_ == State::kConnected; }
  bool plays_audio() const {
    return state_ == State::kConnected || state_ == State::kEarly || state_ == State::kRemoteHeld;
  }

 private:
  enum class Offer : std::uint8_t { kNone, kStart, kHold, kResume, kRestart };  // our offer outstanding

  void to(State s, Actions& out);
  void end(std::string_view reason, handset::Tone tone, bool post_end, std::string_view end_reason, Actions& out);
  void on_status(const Event& e, Actions& out);
  void on_local_sdp(Actions& out);
  void ask_offer(SdpPurpose p, MediaDirection d, bool restart, Actions& out);
  void ask_answer(SdpPurpose p, MediaDirection d, std::string_view offer, Actions& out);
  void push(Actions& out, const Action& a);

  std::uint32_t id_ = 0;
  State state_ = State::kIdle;
  Direction dir_ = Direction::kOut;
  Offer offer_ = Offer::kNone;
  SdpPurpose want_sdp_ = SdpPurpose::kNone;
  bool early_media_ = false;
  bool answer_applied_ = false;   // the answer to /start has been applied (early or at Connected)
  bool answered_ = false;         // incoming: the person answered
  bool local_answer_ready_ = false;
  FixedString<64> call_id_;
  FixedString<48> peer_;
  FixedString<48> correlator_;
  FixedString<32> verification_;
  FixedString<48> reason_;
};

}  // namespace dialtone::call
