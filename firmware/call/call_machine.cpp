#include "firmware/call/call_machine.hpp"

namespace dialtone::call {
namespace {

using K = Event::Kind;
using S = State;

// A set of states, so one row can cover "any state before the answer".
constexpr std::uint32_t bit(S s) { return 1u << static_cast<unsigned>(s); }
template <typename... T>
constexpr std::uint32_t in(T... s) { return (bit(s) | ...); }

constexpr std::uint32_t kOutgoingSetup = in(S::kDialing, S::kProceeding, S::kRinging, S::kEarly);
constexpr std::uint32_t kAlertingHere = in(S::kRinging, S::kWaiting);
constexpr std::uint32_t kEstablished = in(S::kConnected, S::kHeld, S::kRemoteHeld);
constexpr std::uint32_t kActive = kOutgoingSetup | kAlertingHere | in(S::kAnswering) | kEstablished;

}  // namespace

struct CallMachine::Row {
  std::uint32_t states;
  Event::Kind on;
  Handler run;
};

// Every transition of a call. Read a row as "in these states, on this event,
// do that"; the handler names the state it moves to. Rows are tried in order
// and the first match runs; an event with no row is ignored.
const CallMachine::Row CallMachine::kTransitions[] = {
    // -- placing a call ---------------------------------------------------
    {in(S::kIdle), K::kDial, &CallMachine::dial},                         // -> dialing, gather our offer
    {kOutgoingSetup, K::kAccepted, &CallMachine::accepted},               // remember the line's call id
    {kOutgoingSetup, K::kRejected, &CallMachine::rejected},               // -> ended, reorder
    {in(S::kDialing, S::kProceeding, S::kRinging), K::kTrying, &CallMachine::progress},   // -> proceeding | early
    {in(S::kDialing, S::kProceeding, S::kRinging), K::kAlerting, &CallMachine::progress}, // -> ringing | early
    {kOutgoingSetup, K::kAnswered, &CallMachine::answered},               // -> connected
    // -- taking a call ----------------------------------------------------
    {in(S::kIdle), K::kIncoming, &CallMachine::incoming},                 // -> ringing | waiting
    {kAlertingHere, K::kAnswer, &CallMachine::answer},                    // -> answering
    {kAlertingHere, K::kDecline, &CallMachine::decline},                  // -> ended, Declined
    {in(S::kAnswering), K::kConfirmed, &CallMachine::confirmed},          // -> connected
    // -- in the call ------------------------------------------------------
    {in(S::kConnected), K::kHold, &CallMachine::hold},                    // our hold offer
    {in(S::kHeld), K::kResume, &CallMachine::resume},                     // our resume offer
    {kEstablished, K::kAnswered, &CallMachine::reoffered},                // renegotiation, either way
    {in(S::kConnected, S::kHeld), K::kRemoteHold, &CallMachine::remote_hold},       // -> held | remote_held
    {in(S::kHeld, S::kRemoteHeld), K::kRemoteResume, &CallMachine::remote_resume},  // -> connected
    {kActive, K::kSignalFailed, &CallMachine::signal_failed},
    // -- media --------------------------------------------------------------
    {kActive, K::kLocalSdp, &CallMachine::local_sdp},
    {kActive, K::kMediaFailed, &CallMachine::media_failed},               // ICE restart, or -> ended
    {kActive, K::kMediaUp, &CallMachine::ignore},
    // -- the end ------------------------------------------------------------
    {kActive, K::kHangUp, &CallMachine::hang_up},                         // -> ended, Terminated
    {kActive, K::kRemoteEnded, &CallMachine::remote_ended},               // -> ended, tone by cause
};

const char* event_name(Event::Kind k) {
  switch (k) {
    case K::kDial: return "dial";
    case K::kAnswer: return "answer";
    case K::kDecline: return "decline";
    case K::kHangUp: return "hang_up";
    case K::kHold: return "hold";
    case K::kResume: return "resume";
    case K::kIncoming: return "incoming";
    case K::kAccepted: return "accepted";
    case K::kRejected: return "rejected";
    case K::kTrying: return "trying";
    case K::kAlerting: return "alerting";
    case K::kAnswered: return "answered";
    case K::kRemoteHold: return "remote_hold";
    case K::kRemoteResume: return "remote_resume";
    case K::kConfirmed: return "confirmed";
    case K::kSignalFailed: return "signal_failed";
    case K::kRemoteEnded: return "remote_ended";
    case K::kLocalSdp: return "local_sdp";
    case K::kMediaUp: return "media_up";
    case K::kMediaFailed: return "media_failed";
  }
  return "?";
}

void CallMachine::reset(std::uint32_t id) {
  *this = CallMachine{};
  id_ = id;
}

bool CallMachine::step(const Event& e, Actions& out) {
  for (const Row& r : kTransitions) {
    if (r.on == e.kind && (r.states & bit(state_))) {
      (this->*r.run)(e, out);
      return true;
    }
  }
  return false;
}

void CallMachine::to(State s, Actions& out) {
  if (s == state_) return;
  state_ = s;
  out.push_back(Action{.kind = Action::Kind::kNotify});
}

void CallMachine::end(std::string_view reason, handset::Tone tone, bool tell_line, EndReason why, Actions& out) {
  if (tell_line) out.push_back(Action{.kind = Action::Kind::kEnd, .end_reason = why});
  out.push_back(Action{.kind = Action::Kind::kCloseMedia});
  reason_.assign(reason);
  tone_ = tone;
  oa_.reset();
  to(State::kEnded, out);
}

MediaDirection CallMachine::own_direction() const {
  if (state_ == State::kHeld) return MediaDirection::kSendOnly;
  if (state_ == State::kRemoteHeld) return MediaDirection::kRecvOnly;
  return MediaDirection::kSendRecv;
}

void CallMachine::make_offer(OfferPurpose p, MediaDirection d, Actions& out) {
  if (!oa_.begin_offer(p)) return;  // an exchange is under way: the person may try again
  out.push_back(Action{.kind = Action::Kind::kCreateOffer, .offer = p, .direction = d,
                       .ice_restart = p == OfferPurpose::kRestart});
}

void CallMachine::make_answer(RemotePurpose p, MediaDirection d, std::string_view offer, Actions& out) {
  if (!oa_.begin_answer(p)) return;  // glare: ours goes first, the far end retries
  out.push_back(Action{.kind = Action::Kind::kCreateAnswer, .remote = p, .direction = d, .sdp = offer});
}

// ---- the person ---------------------------------------------------------

void CallMachine::dial(const Event& e, Actions& out) {
  dir_ = Direction::kOut;
  peer_.assign(e.number);
  emergency_ = e.emergency;
  to(State::kDialing, out);
  if (!e.reason.empty()) {
    // Dialled although the line cannot carry it (an emergency number is
    // never refused at the keypad): the call event says why, reorder plays.
    end(e.reason, handset::Tone::kReorder, false, EndReason::kTerminated, out);
    return;
  }
  make_offer(OfferPurpose::kCall, MediaDirection::kSendRecv, out);
}

void CallMachine::answer(const Event&, Actions& out) {
  to(State::kAnswering, out);
  if (oa_.answer_ready()) {
    out.push_back(Action{.kind = Action::Kind::kSendAnswer});
    oa_.answer_sent();
  } else if (delayed_offer_ready()) {
    out.push_back(Action{.kind = Action::Kind::kSendAnswer});  // carries our offer
  }
}

bool CallMachine::delayed_offer_ready() const {
  return dir_ == Direction::kIn && oa_.awaits_answer() && oa_.offer_purpose() == OfferPurpose::kCall;
}

void CallMachine::decline(const Event&, Actions& out) {
  end("declined", handset::Tone::kNone, true, EndReason::kDeclined, out);
}

void CallMachine::hang_up(const Event&, Actions& out) {
  // A call that was never answered here (ringing, waiting) is declined. The
  // line is told even before it gave the call an id: it ends the call when
  // the id arrives.
  const bool unanswered = dir_ == Direction::kIn && (state_ == State::kRinging || state_ == State::kWaiting);
  end("local_hangup", handset::Tone::kNone, true, unanswered ? EndReason::kDeclined : EndReason::kTerminated, out);
}

void CallMachine::hold(const Event&, Actions& out) {
  make_offer(OfferPurpose::kHold, MediaDirection::kSendOnly, out);
}

void CallMachine::resume(const Event&, Actions& out) {
  make_offer(OfferPurpose::kResume, MediaDirection::kSendRecv, out);
}

// ---- the line -------------------------------------------------------------

void CallMachine::incoming(const Event& e, Actions& out) {
  dir_ = Direction::kIn;
  call_id_.assign(e.call_id);
  peer_.assign(e.number);
  peer_name_.assign(e.peer_name);
  verification_.assign(e.verification);
  to(e.waiting ? State::kWaiting : State::kRinging, out);
  out.push_back(Action{.kind = Action::Kind::kAlert});
  // Prepare the answer while it rings, so answering is instant. A call that
  // came without an offer (a SIP INVITE without SDP, RFC 3261 13.2.1) gets
  // ours instead: it goes out when the person answers, and the far end's
  // answer comes with the confirmation.
  if (e.sdp.empty()) make_offer(OfferPurpose::kCall, MediaDirection::kSendRecv, out);
  else make_answer(RemotePurpose::kCall, MediaDirection::kSendRecv, e.sdp, out);
}

void CallMachine::accepted(const Event& e, Actions&) {
  if (call_id_.empty()) call_id_.assign(e.call_id);
}

void CallMachine::rejected(const Event& e, Actions& out) {
  if (!e.reason.empty()) end(e.reason, handset::Tone::kReorder, false, EndReason::kTerminated, out);
  else end(e.code == 0 ? "network_unreachable" : "start_failed", handset::Tone::kReorder, false,
           EndReason::kTerminated, out);
}

void CallMachine::progress(const Event& e, Actions& out) {
  if (e.early_media && !e.sdp.empty() && oa_.awaits_answer()) {
    // The network's early media replaces local ringback for the rest of the call.
    out.push_back(Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
    oa_.answer_applied();
    tone_ = handset::Tone::kNone;
    to(State::kEarly, out);
    return;
  }
  if (e.kind == K::kAlerting) {
    tone_ = handset::Tone::kRingback;
    to(State::kRinging, out);
  } else if (state_ == State::kDialing) {
    to(State::kProceeding, out);
  }
}

void CallMachine::answered(const Event& e, Actions& out) {
  if (oa_.awaits_answer()) {
    if (e.sdp.empty()) return;  // answered with no answer at all: wait for one
    out.push_back(Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
    oa_.answer_applied();
  } else if (!oa_.stable()) {
    return;  // our offer is still being gathered: the line cannot have answered it
  }
  tone_ = handset::Tone::kNone;
  to(State::kConnected, out);
}

void CallMachine::reoffered(const Event& e, Actions& out) {
  if (e.sdp.empty()) return;
  if (oa_.awaits_answer() && oa_.offer_purpose() == OfferPurpose::kRestart) {
    out.push_back(Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
    oa_.answer_applied();
    return;
  }
  if (oa_.stable()) make_answer(RemotePurpose::kUpdate, own_direction(), e.sdp, out);
}

void CallMachine::remote_hold(const Event& e, Actions& out) {
  if (e.sdp.empty()) return;
  if (oa_.awaits_answer() && oa_.offer_purpose() == OfferPurpose::kHold) {
    out.push_back(Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
    oa_.answer_applied();
    to(State::kHeld, out);
    return;
  }
  if (oa_.stable()) make_answer(RemotePurpose::kHold, MediaDirection::kRecvOnly, e.sdp, out);
}

void CallMachine::remote_resume(const Event& e, Actions& out) {
  if (e.sdp.empty()) return;
  if (oa_.awaits_answer() && oa_.offer_purpose() == OfferPurpose::kResume) {
    out.push_back(Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
    oa_.answer_applied();
    to(State::kConnected, out);
    return;
  }
  if (oa_.stable() && state_ == State::kRemoteHeld)
    make_answer(RemotePurpose::kResume, MediaDirection::kSendRecv, e.sdp, out);
}

void CallMachine::confirmed(const Event& e, Actions& out) {
  if (delayed_offer_ready()) {
    // Our offer went with the answer to the call: its confirmation brings
    // the far end's answer. Without one the call cannot have audio.
    if (e.sdp.empty()) {
      end("no_answer_sdp", handset::Tone::kReorder, true, EndReason::kTerminated, out);
      return;
    }
    out.push_back(Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
    oa_.answer_applied();
  }
  to(State::kConnected, out);
}

void CallMachine::signal_failed(const Event& e, Actions& out) {
  switch (e.signal) {
    case Signal::kAnswer:
      if (state_ == State::kAnswering) end("answer_failed", handset::Tone::kReorder, true, EndReason::kTerminated, out);
      return;
    case Signal::kOffer:
      oa_.offer_refused();  // the far end never saw it: the call stays as it was
      return;
    case Signal::kAlerting:
    case Signal::kOfferAnswer:
      return;  // advisory, or the far end re-offers: the call goes on
  }
}

void CallMachine::remote_ended(const Event& e, Actions& out) {
  const bool unanswered_here = dir_ == Direction::kIn && (state_ == State::kRinging || state_ == State::kWaiting);
  handset::Tone tone = handset::Tone::kReorder;
  const char* word = "remote_hangup";
  switch (e.cause) {
    case EndCause::kBusy: tone = handset::Tone::kBusy; word = "busy"; break;
    case EndCause::kDeclined: tone = handset::Tone::kBusy; word = "declined"; break;
    case EndCause::kNoAnswer: word = "no_answer"; break;
    case EndCause::kNotReachable: word = "not_reachable"; break;
    case EndCause::kFailed: word = "failed"; break;
    case EndCause::kCancelled: word = "cancelled"; break;
    case EndCause::kTerminated: break;
  }
  if (unanswered_here) tone = handset::Tone::kNone;  // the caller gave up: the phone just stops ringing
  // The network's own words, when it gave any, say more than our keyword.
  FixedString<limits::kCallReasonMax> reason(word);
  if (!e.reason.empty()) {
    reason.append(": ");
    reason.append(e.reason);
  }
  end(reason.view(), tone, false, EndReason::kTerminated, out);
}

// ---- media ----------------------------------------------------------------

void CallMachine::local_sdp(const Event&, Actions& out) {
  switch (oa_.local_sdp_ready()) {
    case OfferAnswer::Made::kNothing:
      return;
    case OfferAnswer::Made::kOffer:
      if (dir_ == Direction::kIn && oa_.offer_purpose() == OfferPurpose::kCall) {
        // A delayed offer: it goes out with the answer, once the person answers.
        if (state_ == State::kAnswering) out.push_back(Action{.kind = Action::Kind::kSendAnswer});
        return;
      }
      if (oa_.offer_purpose() == OfferPurpose::kCall) out.push_back(Action{.kind = Action::Kind::kPlace});
      else out.push_back(Action{.kind = Action::Kind::kSendOffer, .offer = oa_.offer_purpose()});
      return;
    case OfferAnswer::Made::kAnswer:
      break;
  }
  const RemotePurpose p = oa_.answer_purpose();
  if (p == RemotePurpose::kCall) {
    if (state_ != State::kAnswering) return;  // held until the person answers
    out.push_back(Action{.kind = Action::Kind::kSendAnswer});
    oa_.answer_sent();
    return;
  }
  out.push_back(Action{.kind = Action::Kind::kSendOfferAnswer, .remote = p});
  oa_.answer_sent();
  if (p == RemotePurpose::kHold) to(State::kRemoteHeld, out);
  else if (p == RemotePurpose::kResume) to(State::kConnected, out);
}

void CallMachine::media_failed(const Event& e, Actions& out) {
  const bool established = state_ == State::kConnected || state_ == State::kHeld || state_ == State::kRemoteHeld;
  if (established && oa_.stable()) {
    // The path failed mid-call: an ICE restart through renegotiation.
    make_offer(OfferPurpose::kRestart, own_direction(), out);
    return;
  }
  if (!established || oa_.offering(OfferPurpose::kRestart)) {
    // Before the call is up, or the restart itself failed: end cleanly
    // rather than leave a call with no audio.
    (void)e;  // the session's own words go to the log and the error list, not the call's reason
    end("media_failed", handset::Tone::kReorder, true, EndReason::kTerminated, out);
  }
}

}  // namespace dialtone::call
