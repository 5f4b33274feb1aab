#include "firmware/line/sip_calls.hpp"

#include <algorithm>
#include <cstdio>

#include "firmware/core/log.hpp"
#include "media/sdp/sdp_parser.hpp"

namespace dialtone::line {
namespace {

namespace sip = protocol::sip;
using call::Event;
using K = call::Event::Kind;
using SK = sip::SipCallEvent::Kind;

// sip-line.md 4: 486/600/603 give the busy tone, everything else reorder.
call::EndCause end_cause(const sip::SipCallEvent& ev) {
  switch (ev.end) {
    case sip::SipCallEnd::kRemoteHangUp: return call::EndCause::kTerminated;
    case sip::SipCallEnd::kCancelled: return call::EndCause::kCancelled;
    case sip::SipCallEnd::kBusy: return call::EndCause::kBusy;
    case sip::SipCallEnd::kDeclined: return call::EndCause::kDeclined;
    case sip::SipCallEnd::kRejected:
      return ev.status == 404 || ev.status == 484 || ev.status == 480 ? call::EndCause::kNotReachable
                                                                        : call::EndCause::kFailed;
    case sip::SipCallEnd::kTimeout: return call::EndCause::kNoAnswer;
    case sip::SipCallEnd::kDialogGone: return call::EndCause::kTerminated;
    case sip::SipCallEnd::kFailed: return call::EndCause::kFailed;
  }
  return call::EndCause::kFailed;
}

sip::SipHangUp hang_up_how(call::EndReason why) {
  switch (why) {
    case call::EndReason::kDeclined: return sip::SipHangUp::kDecline;
    case call::EndReason::kBusy: return sip::SipHangUp::kBusy;
    case call::EndReason::kTerminated: break;
  }
  return sip::SipHangUp::kTerminate;
}

}  // namespace

SipCalls::SipCalls(EventLoop& loop, Csprng& rng, SipLine& line, call::CallLayer& calls, app::EventPublisher& events)
    : loop_(loop),
      rng_(rng),
      line_(line),
      calls_(calls),
      events_(events),
      router_(line.transactions(), line, rng, std::span<sip::SipCall*>(sip_ptrs_)) {
  for (std::size_t i = 0; i < limits::kSipCallEngines; ++i) {
    sip_[i].emplace(rng_, line.transactions(), line);
    sip_[i]->set_credentials(line.credentials());
    sip_ptrs_[i] = &*sip_[i];
  }
}

// ---- which engine ---------------------------------------------------------------

int SipCalls::by_call(const call::CallMachine& c) const {
  for (std::size_t i = 0; i < limits::kSipCallEngines; ++i)
    if (engines_[i].device_id == c.id() && !sip(i).reusable()) return static_cast<int>(i);
  return -1;
}

int SipCalls::by_call_id(std::string_view call_id) const {
  for (std::size_t i = 0; i < limits::kSipCallEngines; ++i)
    if (!call_id.empty() && sip(i).call_id() == call_id && !sip(i).reusable()) return static_cast<int>(i);
  return -1;
}

int SipCalls::spare() const {
  // The engine idle longest: what an ended one still answers is only
  // retransmissions, and the oldest has the fewest left.
  int best = -1;
  for (std::size_t i = 0; i < limits::kSipCallEngines; ++i) {
    if (!sip(i).reusable()) continue;
    if (best < 0 || sip(i).ended_at() < sip(static_cast<std::size_t>(best)).ended_at()) best = static_cast<int>(i);
  }
  return best;
}

const call::CallMachine* SipCalls::call_of(const Engine& e) const {
  for (std::size_t i = 0; i < call::CallLayer::slots(); ++i) {
    const call::CallMachine& c = calls_.slot(i);
    if (e.device_id != 0 && c.id() == e.device_id && c.active()) return &c;
  }
  return nullptr;
}

bool SipCalls::busy() const {
  for (std::size_t i = 0; i < limits::kSipCallEngines; ++i)
    if (!sip(i).reusable()) return true;
  return false;
}

// ---- the call layer's signals --------------------------------------------------

void SipCalls::place(const call::CallMachine& call, std::string_view to, std::string_view offer) {
  const std::uint32_t id = call.id();
  if (std::string_view why = line_.unavailable_reason(); !why.empty()) {
    calls_.from_line(index_, id, Event{.kind = K::kRejected, .reason = why});
    return;
  }
  const int i = spare();
  char target[limits::kSipUriMax];
  const std::string_view realm = line_.realm();
  const int n = std::snprintf(target, sizeof target, "sip:%.*s@%.*s", static_cast<int>(to.size()), to.data(),
                              static_cast<int>(realm.size()), realm.data());
  if (i < 0 || n <= 0 || static_cast<std::size_t>(n) >= sizeof target) {
    calls_.from_line(index_, id, Event{.kind = K::kRejected, .reason = "no SIP call engine is free"});
    return;
  }
  const auto u = static_cast<std::size_t>(i);
  engines_[u] = Engine{.device_id = id};
  if (!sip(u).place(loop_.now(), line_.party(), std::string_view(target, static_cast<std::size_t>(n)), offer)) {
    engines_[u].device_id = 0;
    calls_.from_line(index_, id, Event{.kind = K::kRejected, .reason = "the INVITE could not be sent"});
    collect();
    return;
  }
  calls_.from_line(index_, id, Event{.kind = K::kAccepted, .call_id = sip(u).call_id()});
  collect();
}

void SipCalls::alert(const call::CallMachine& call) {
  if (const int i = by_call(call); i >= 0) {
    sip(static_cast<std::size_t>(i)).ring(loop_.now());
    collect();
  }
}

void SipCalls::send_answer(const call::CallMachine& call, std::string_view answer) {
  const int i = by_call(call);
  if (i < 0 || !sip(static_cast<std::size_t>(i)).answer(loop_.now(), answer))
    calls_.from_line(index_, 0, Event{.kind = K::kSignalFailed, .call_id = call.call_id(),
                                      .signal = call::Signal::kAnswer});
  collect();
}

void SipCalls::send_offer(const call::CallMachine& call, call::OfferPurpose why, std::string_view offer) {
  const int i = by_call(call);
  if (i < 0 || !sip(static_cast<std::size_t>(i)).reoffer(loop_.now(), offer)) {
    calls_.from_line(index_, 0, Event{.kind = K::kSignalFailed, .call_id = call.call_id(),
                                      .signal = call::Signal::kOffer});
  } else {
    engines_[static_cast<std::size_t>(i)].offer = why;
  }
  collect();
}

void SipCalls::send_offer_answer(const call::CallMachine& call, call::RemotePurpose, std::string_view answer) {
  const int i = by_call(call);
  if (i < 0 || !sip(static_cast<std::size_t>(i)).answer_offer(loop_.now(), answer))
    calls_.from_line(index_, 0, Event{.kind = K::kSignalFailed, .call_id = call.call_id(),
                                      .signal = call::Signal::kOfferAnswer});
  collect();
}

void SipCalls::end(const call::CallMachine& call, call::EndReason why) {
  if (const int i = by_call(call); i >= 0) {
    engines_[static_cast<std::size_t>(i)].device_id = 0;  // the call layer is done with it
    sip(static_cast<std::size_t>(i)).hang_up(loop_.now(), hang_up_how(why));
    collect();
  }
}

void SipCalls::refuse(std::string_view call_id, call::EndReason why) {
  if (const int i = by_call_id(call_id); i >= 0) {
    engines_[static_cast<std::size_t>(i)].device_id = 0;
    sip(static_cast<std::size_t>(i)).hang_up(loop_.now(), hang_up_how(why));
    collect();
  }
}

void SipCalls::end_all() {
  for (std::size_t i = 0; i < limits::kSipCallEngines; ++i) {
    if (sip(i).reusable()) continue;
    engines_[i].device_id = 0;
    sip(i).hang_up(loop_.now(), sip::SipHangUp::kTerminate);
  }
  collect();
}

// ---- the network -----------------------------------------------------------------

void SipCalls::on_sip_message(const sip::SipMessage& m, sip::TxTransport transport, std::uint32_t peer) {
  const sip::SipCallRouter::Routed r = router_.receive(loop_.now(), m, transport, peer, line_.party());
  if (r.outcome == sip::SipCallRouter::Outcome::kNewCall && r.call) {
    for (std::size_t i = 0; i < limits::kSipCallEngines; ++i)
      if (&sip(i) == r.call) engines_[i] = Engine{};  // the call layer names it with kIncoming
  } else if (r.outcome == sip::SipCallRouter::Outcome::kNotCalls) {
    DT_LOGI("sip", "%.*s is not for the calls: ignored", static_cast<int>(m.method().size()), m.method().data());
  }
  collect();
}

void SipCalls::on_sip_tick() {
  router_.tick(loop_.now());
  collect();
}

void SipCalls::collect() {
  // Events are copied out of each engine first: one may make the call layer
  // call back into an engine (a caller refused Busy, a call ended), whose
  // new events the next round picks up.
  for (int round = 0; round < 4; ++round) {
    bool any = false;
    for (std::size_t i = 0; i < limits::kSipCallEngines; ++i) {
      const auto events = sip(i).take_events();
      for (const sip::SipCallEvent& ev : events) {
        any = true;
        to_calls(i, ev);
      }
    }
    if (!any) break;
  }
  line_.rearm();
}

void SipCalls::to_calls(std::size_t i, const sip::SipCallEvent& ev) {
  Engine& e = engines_[i];
  const std::string_view call_id = sip(i).call_id();
  switch (ev.kind) {
    case SK::kIncoming:
      calls_.from_line(index_, 0, Event{.kind = K::kIncoming, .number = ev.peer, .call_id = call_id,
                                        .peer_name = ev.peer_name, .sdp = ev.sdp});
      // The call layer took it when one of its calls carries this Call-ID
      // now (else it refused it, and refuse() has wound the engine down).
      for (std::size_t s = 0; s < call::CallLayer::slots(); ++s) {
        const call::CallMachine& c = calls_.slot(s);
        if (c.active() && c.call_id() == call_id) e.device_id = c.id();
      }
      return;
    case SK::kTrying:
      calls_.from_line(index_, 0, Event{.kind = K::kTrying, .call_id = call_id});
      return;
    case SK::kRinging:
      calls_.from_line(index_, 0, Event{.kind = K::kAlerting, .call_id = call_id});
      return;
    case SK::kEarlyMedia:
      calls_.from_line(index_, 0, Event{.kind = K::kTrying, .call_id = call_id, .sdp = ev.sdp, .early_media = true});
      return;
    case SK::kAnswered:
      calls_.from_line(index_, 0, Event{.kind = K::kAnswered, .call_id = call_id, .sdp = ev.sdp});
      return;
    case SK::kConfirmed:
      calls_.from_line(index_, 0, Event{.kind = K::kConfirmed, .call_id = call_id, .sdp = ev.sdp});
      return;
    case SK::kRemoteOffer:
      remote_offer(i, ev.sdp);
      return;
    case SK::kOfferAnswered:
      offer_answered(i, ev.sdp);
      return;
    case SK::kOfferFailed:
      calls_.from_line(index_, 0, Event{.kind = K::kSignalFailed, .call_id = call_id,
                                        .signal = call::Signal::kOffer, .code = ev.status});
      return;
    case SK::kDtmf:
      if (const call::CallMachine* c = call_of(e)) events_.dtmf(c->id(), ev.digit, "info");
      return;
    case SK::kEnded:
      if (e.device_id == 0) return;
      e.device_id = 0;
      calls_.from_line(index_, 0, Event{.kind = K::kRemoteEnded, .call_id = call_id, .reason = ev.reason,
                                        .cause = end_cause(ev), .code = ev.status});
      return;
  }
}

// A re-INVITE's offer: the call layer names it by what it does to the call
// (RFC 3264 8.4: sendonly or inactive holds us; sendrecv or recvonly
// resumes us when we are held, otherwise it only renegotiates).
void SipCalls::remote_offer(std::size_t i, std::string_view sdp) {
  const call::CallMachine* c = call_of(engines_[i]);
  K kind = K::kAnswered;
  const call::State now_in = c ? c->state() : call::State::kConnected;
  if (media::sdp::parse(sdp, scratch_) == media::sdp::SdpError::kOk) {
    const media::sdp::Direction d = scratch_.direction;
    const bool holds = d == media::sdp::Direction::kSendOnly || d == media::sdp::Direction::kInactive;
    // Already held either way: the call layer answers it as a renegotiation
    // in the direction the call has.
    if (holds && now_in == call::State::kConnected) kind = K::kRemoteHold;
    else if (!holds && now_in == call::State::kRemoteHeld) kind = K::kRemoteResume;
  }
  calls_.from_line(index_, 0, Event{.kind = kind, .call_id = sip(i).call_id(), .sdp = sdp});
}

// The answer to our re-INVITE goes to the call layer as the event its
// offer's purpose expects.
void SipCalls::offer_answered(std::size_t i, std::string_view sdp) {
  K kind = K::kAnswered;
  if (engines_[i].offer == call::OfferPurpose::kHold) kind = K::kRemoteHold;
  else if (engines_[i].offer == call::OfferPurpose::kResume) kind = K::kRemoteResume;
  calls_.from_line(index_, 0, Event{.kind = kind, .call_id = sip(i).call_id(), .sdp = sdp});
}

}  // namespace dialtone::line
