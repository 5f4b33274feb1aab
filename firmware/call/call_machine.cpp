#include "firmware/call/call_machine.hpp"

#include "firmware/core/ascii.hpp"

namespace dialtone::call {
namespace {

bool is_media_direction(std::string_view d) {
  return ascii_iequals(d, "SendRecv") || ascii_iequals(d, "SendOnly") || ascii_iequals(d, "RecvOnly") ||
         ascii_iequals(d, "Inactive");
}

}  // namespace

Status parse_status(std::string_view s) {
  struct Row { const char* name; Status st; };
  static constexpr Row kRows[] = {
      {"Initial", Status::kInitial}, {"InProgress", Status::kInProgress}, {"Ringing", Status::kRinging},
      {"Proceeding", Status::kProceeding}, {"Connected", Status::kConnected}, {"Terminated", Status::kTerminated},
      {"Hold", Status::kHold}, {"Resume", Status::kResume}, {"SessionCancelled", Status::kSessionCancelled},
      {"Declined", Status::kDeclined}, {"Failed", Status::kFailed}, {"Waiting", Status::kWaiting},
      {"NoAnswer", Status::kNoAnswer}, {"NotReachable", Status::kNotReachable}, {"Busy", Status::kBusy},
      {"Forwarded", Status::kForwarded},
  };
  for (const Row& r : kRows)
    if (s == r.name) return r.st;
  return Status::kUnknown;
}

const char* state_name(State s) {
  switch (s) {
    case State::kIdle: return "idle";
    case State::kDialing: return "dialing";
    case State::kProceeding: return "proceeding";
    case State::kRinging: return "ringing";
    case State::kEarly: return "early";
    case State::kConnected: return "connected";
    case State::kHeld: return "held";
    case State::kRemoteHeld: return "remote_held";
    case State::kEnded: return "ended";
  }
  return "?";
}

const char* endpoint_path(Endpoint e) {
  switch (e) {
    case Endpoint::kInProgress: return "inProgress";
    case Endpoint::kRinging: return "ringing";
    case Endpoint::kProceeding: return "proceeding";
    case Endpoint::kConnected: return "connected";
    case Endpoint::kHold: return "hold";
    case Endpoint::kAcceptHold: return "acceptHold";
    case Endpoint::kResume: return "resume";
    case Endpoint::kAcceptResume: return "acceptResume";
    case Endpoint::kRenegotiate: return "renegotiate";
  }
  return "?";
}

void CallMachine::reset(std::uint32_t id) {
  *this = CallMachine{};
  id_ = id;
}

void CallMachine::push(Actions& out, const Action& a) {
  // Eight actions cover the longest transition; a full list is a bug, and
  // dropping the notification is the least harmful way to survive it.
  out.push_back(a);
}

void CallMachine::to(State s, Actions& out) {
  if (s == state_) return;
  state_ = s;
  push(out, Action{.kind = Action::Kind::kNotify});
}

void CallMachine::end(std::string_view reason, handset::Tone tone, bool post_end, std::string_view end_reason,
                      Actions& out) {
  if (!active()) return;
  if (post_end && !call_id_.empty())
    push(out, Action{.kind = Action::Kind::kEnd, .call_id = call_id_.view(), .reason = end_reason});
  if (dir_ == Direction::kIn && !answered_) push(out, Action{.kind = Action::Kind::kRinger, .on = false});
  push(out, Action{.kind = Action::Kind::kCloseMedia});
  push(out, Action{.kind = Action::Kind::kTone, .tone = tone});
  reason_.assign(reason);
  offer_ = Offer::kNone;
  want_sdp_ = SdpPurpose::kNone;
  to(State::kEnded, out);
}

void CallMachine::ask_offer(SdpPurpose p, MediaDirection d, bool restart, Actions& out) {
  want_sdp_ = p;
  push(out, Action{.kind = Action::Kind::kCreateOffer, .purpose = p, .direction = d, .ice_restart = restart});
}

void CallMachine::ask_answer(SdpPurpose p, MediaDirection d, std::string_view offer, Actions& out) {
  want_sdp_ = p;
  push(out, Action{.kind = Action::Kind::kCreateAnswer, .purpose = p, .direction = d, .sdp = offer});
}

void CallMachine::step(const Event& e, Actions& out) {
  using K = Event::Kind;
  switch (e.kind) {
    case K::kDial:
      if (state_ != State::kIdle) return;
      dir_ = Direction::kOut;
      peer_.assign(e.number);
      correlator_.assign(e.reason);  // the caller supplies a fresh clientCorrelator here
      to(State::kDialing, out);
      ask_offer(SdpPurpose::kStartOffer, MediaDirection::kSendRecv, false, out);
      return;

    case K::kLocalSdp:
      on_local_sdp(out);
      return;

    case K::kStartOk:
      if (state_ == State::kDialing || state_ == State::kProceeding || state_ == State::kRinging)
        call_id_.assign(e.call_id);
      return;

    case K::kStartFailed:
      if (offer_ != Offer::kStart) return;
      end(e.http_status == 0 ? "network_unreachable" : "start_failed", handset::Tone::kReorder, false, {}, out);
      return;

    case K::kPostOk:
      if (e.endpoint == Endpoint::kConnected && dir_ == Direction::kIn && answered_ && state_ == State::kRinging) {
        // The 200 of /connected is the confirmation: no Connected status follows.
        to(State::kConnected, out);
      }
      return;

    case K::kPostFailed:
      switch (e.endpoint) {
        case Endpoint::kConnected:
          if (dir_ == Direction::kIn && state_ == State::kRinging)
            end("answer_failed", handset::Tone::kReorder, true, "Terminated", out);
          return;
        case Endpoint::kHold:
        case Endpoint::kResume:
        case Endpoint::kRenegotiate:
          offer_ = Offer::kNone;  // the network did not take our offer: stay as we are
          return;
        case Endpoint::kInProgress:
        case Endpoint::kRinging:
        case Endpoint::kProceeding:
        case Endpoint::kAcceptHold:
        case Endpoint::kAcceptResume:
          return;  // progress posts are advisory; the call goes on
      }
      return;

    case K::kEndFailed:
      return;

    case K::kStatus:
      on_status(e, out);
      return;

    case K::kInvitation:
      if (state_ != State::kIdle) return;  // the phone answers Busy for a second call
      dir_ = Direction::kIn;
      call_id_.assign(e.call_id);
      peer_.assign(e.number);
      verification_.assign(e.verification);
      to(State::kRinging, out);
      push(out, Action{.kind = Action::Kind::kPost, .endpoint = Endpoint::kInProgress, .call_id = call_id_.view()});
      push(out, Action{.kind = Action::Kind::kPost, .endpoint = Endpoint::kRinging, .call_id = call_id_.view()});
      push(out, Action{.kind = Action::Kind::kRinger, .on = true});
      // Prepare the answer while it rings, so answering is instant.
      ask_answer(SdpPurpose::kInviteAnswer, MediaDirection::kSendRecv, e.sdp, out);
      return;

    case K::kAnswer:
      if (dir_ != Direction::kIn || state_ != State::kRinging || answered_) return;
      answered_ = true;
      push(out, Action{.kind = Action::Kind::kRinger, .on = false});
      if (local_answer_ready_)
        push(out, Action{.kind = Action::Kind::kPost, .local_sdp = true, .endpoint = Endpoint::kConnected,
                         .call_id = call_id_.view()});
      return;

    case K::kDecline:
      if (dir_ == Direction::kIn && state_ == State::kRinging && !answered_)
        end("declined", handset::Tone::kNone, true, "Declined", out);
      return;

    case K::kHangUp:
      end("local_hangup", handset::Tone::kNone, true, "Terminated", out);
      return;

    case K::kHold:
      if (state_ != State::kConnected || offer_ != Offer::kNone || want_sdp_ != SdpPurpose::kNone) return;
      offer_ = Offer::kHold;
      ask_offer(SdpPurpose::kHoldOffer, MediaDirection::kSendOnly, false, out);
      return;

    case K::kResume:
      if (state_ != State::kHeld || offer_ != Offer::kNone || want_sdp_ != SdpPurpose::kNone) return;
      offer_ = Offer::kResume;
      ask_offer(SdpPurpose::kResumeOffer, MediaDirection::kSendRecv, false, out);
      return;

    case K::kMediaConnected:
      return;

    case K::kMediaFailed:
      // The path failed mid-call: ICE restart through renegotiation.
      if ((state_ == State::kConnected || state_ == State::kHeld || state_ == State::kRemoteHeld) &&
          offer_ == Offer::kNone && want_sdp_ == SdpPurpose::kNone) {
        offer_ = Offer::kRestart;
        ask_offer(SdpPurpose::kRestartOffer,
                  state_ == State::kHeld ? MediaDirection::kSendOnly
                  : state_ == State::kRemoteHeld ? MediaDirection::kRecvOnly : MediaDirection::kSendRecv,
                  true, out);
      } else if (state_ == State::kDialing || state_ == State::kProceeding || state_ == State::kRinging ||
                 state_ == State::kEarly || offer_ == Offer::kRestart) {
        // Before the call is up, or when the restart itself failed: give up
        // cleanly rather than leave a call with no audio.
        end("media_failed", handset::Tone::kReorder, true, "Terminated", out);
      }
      return;
  }
}

void CallMachine::on_local_sdp(Actions& out) {
  SdpPurpose p = want_sdp_;
  want_sdp_ = SdpPurpose::kNone;
  if (!active()) return;
  switch (p) {
    case SdpPurpose::kNone:
      return;
    case SdpPurpose::kStartOffer:
      offer_ = Offer::kStart;
      push(out, Action{.kind = Action::Kind::kPostStart, .local_sdp = true});
      return;
    case SdpPurpose::kHoldOffer:
      push(out, Action{.kind = Action::Kind::kPost, .local_sdp = true, .endpoint = Endpoint::kHold, .call_id = call_id_.view()});
      return;
    case SdpPurpose::kResumeOffer:
      push(out, Action{.kind = Action::Kind::kPost, .local_sdp = true, .endpoint = Endpoint::kResume, .call_id = call_id_.view()});
      return;
    case SdpPurpose::kRestartOffer:
    case SdpPurpose::kRenegotiateAnswer:
      push(out, Action{.kind = Action::Kind::kPost, .local_sdp = true, .endpoint = Endpoint::kRenegotiate,
                       .call_id = call_id_.view()});
      return;
    case SdpPurpose::kInviteAnswer:
      local_answer_ready_ = true;
      if (answered_)
        push(out, Action{.kind = Action::Kind::kPost, .local_sdp = true, .endpoint = Endpoint::kConnected,
                         .call_id = call_id_.view()});
      return;
    case SdpPurpose::kAcceptHold:
      push(out, Action{.kind = Action::Kind::kPost, .local_sdp = true, .endpoint = Endpoint::kAcceptHold,
                       .call_id = call_id_.view()});
      to(State::kRemoteHeld, out);
      return;
    case SdpPurpose::kAcceptResume:
      push(out, Action{.kind = Action::Kind::kPost, .local_sdp = true, .endpoint = Endpoint::kAcceptResume,
                       .call_id = call_id_.view()});
      to(State::kConnected, out);
      return;
  }
}

void CallMachine::on_status(const Event& e, Actions& out) {
  if (!active() || e.call_id != call_id_.view()) return;  // unknown call: ignored (logged by the caller)
  const bool has_sdp = !e.sdp.empty();
  switch (e.status) {
    case Status::kInProgress:
    case Status::kProceeding:
    case Status::kRinging: {
      if (dir_ != Direction::kOut || (state_ != State::kDialing && state_ != State::kProceeding &&
                                      state_ != State::kRinging && state_ != State::kEarly))
        return;  // a late Ringing after Connected: ignored
      if (has_sdp && is_media_direction(e.early_media_direction) && offer_ == Offer::kStart && !answer_applied_) {
        push(out, Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
        answer_applied_ = true;
        early_media_ = true;
      }
      if (early_media_) {
        push(out, Action{.kind = Action::Kind::kTone, .tone = handset::Tone::kNone});
        to(State::kEarly, out);
      } else if (e.status == Status::kRinging) {
        push(out, Action{.kind = Action::Kind::kTone, .tone = handset::Tone::kRingback});
        to(State::kRinging, out);
      } else if (state_ == State::kDialing) {
        to(State::kProceeding, out);
      }
      return;
    }
    case Status::kConnected:
      if (offer_ == Offer::kStart) {
        if (has_sdp && !answer_applied_) push(out, Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
        else if (!answer_applied_) return;  // Connected with no answer at all: wait for one
        answer_applied_ = true;
        offer_ = Offer::kNone;
        push(out, Action{.kind = Action::Kind::kTone, .tone = handset::Tone::kNone});
        to(State::kConnected, out);
        return;
      }
      if (offer_ == Offer::kRestart && has_sdp) {  // the answer to our renegotiation
        offer_ = Offer::kNone;
        push(out, Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
        return;
      }
      if (offer_ == Offer::kNone && has_sdp &&
          (state_ == State::kConnected || state_ == State::kHeld || state_ == State::kRemoteHeld))
        ask_answer(SdpPurpose::kRenegotiateAnswer,
                   state_ == State::kHeld ? MediaDirection::kSendOnly : MediaDirection::kSendRecv, e.sdp, out);
      return;
    case Status::kHold:
      if (!has_sdp) return;
      if (offer_ == Offer::kHold) {
        offer_ = Offer::kNone;
        push(out, Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
        to(State::kHeld, out);
      } else if (offer_ == Offer::kNone && (state_ == State::kConnected || state_ == State::kHeld)) {
        ask_answer(SdpPurpose::kAcceptHold, MediaDirection::kRecvOnly, e.sdp, out);
      }
      return;
    case Status::kResume:
      if (!has_sdp) return;
      if (offer_ == Offer::kResume) {
        offer_ = Offer::kNone;
        push(out, Action{.kind = Action::Kind::kApplyAnswer, .sdp = e.sdp});
        to(State::kConnected, out);
      } else if (offer_ == Offer::kNone && state_ == State::kRemoteHeld) {
        ask_answer(SdpPurpose::kAcceptResume, MediaDirection::kSendRecv, e.sdp, out);
      }
      return;
    case Status::kBusy:
      end("busy", handset::Tone::kBusy, false, {}, out);
      return;
    case Status::kDeclined:
      end("declined", handset::Tone::kBusy, false, {}, out);
      return;
    case Status::kNoAnswer:
      end("no_answer", handset::Tone::kReorder, false, {}, out);
      return;
    case Status::kNotReachable:
      end("not_reachable", handset::Tone::kReorder, false, {}, out);
      return;
    case Status::kFailed:
      end("failed", handset::Tone::kReorder, false, {}, out);
      return;
    case Status::kSessionCancelled:
      end("cancelled", dir_ == Direction::kIn && !answered_ ? handset::Tone::kNone : handset::Tone::kReorder, false,
          {}, out);
      return;
    case Status::kTerminated:
      end("remote_hangup", dir_ == Direction::kIn && !answered_ ? handset::Tone::kNone : handset::Tone::kReorder,
          false, {}, out);
      return;
    case Status::kUnknown:
    case Status::kInitial:
    case Status::kWaiting:
    case Status::kForwarded:
      return;
  }
}

}  // namespace dialtone::call
