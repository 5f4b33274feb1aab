#include "firmware/handset/handset.hpp"

namespace dialtone::handset {

const char* tone_name(Tone t) {
  switch (t) {
    case Tone::kNone: return "none";
    case Tone::kDial: return "dial";
    case Tone::kReorder: return "reorder";
    case Tone::kOffHookWarning: return "offhook_warning";
    case Tone::kBusy: return "busy";
    case Tone::kRingback: return "ringback";
    case Tone::kRing: return "ring";
    case Tone::kCallWaiting: return "call_waiting";
    case Tone::kNoLineAnnouncement: return "no_line";
  }
  return "?";
}

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::kOnHook: return "on_hook";
    case Phase::kDialTone: return "dial_tone";
    case Phase::kCollecting: return "collecting";
    case Phase::kPermanentSignal: return "permanent_signal";
    case Phase::kOffHookWarning: return "offhook_warning";
    case Phase::kLineTone: return "line";
    case Phase::kRinging: return "ringing";
  }
  return "?";
}

void Handset::enter(Phase p, Tone t, TimeMs deadline) {
  phase_ = p;
  tone_ = t;
  deadline_ = deadline;
}

void Handset::hook(bool off_hook, TimeMs now) {
  if (off_hook == off_hook_) return;  // switch bounce that got through: no change
  off_hook_ = off_hook;
  if (off_hook) {
    if (phase_ == Phase::kRinging) {
      enter(Phase::kLineTone, Tone::kNone, -1);
      actions_.push_back(Action{.kind = ActionKind::kAnswer});
      return;
    }
    digits_.clear();
    enter(Phase::kDialTone, Tone::kDial, now + timings_.first_digit_ms);
    return;
  }
  // On-hook stops everything; the line hears about it if it had a call.
  if (phase_ == Phase::kLineTone && in_call_) actions_.push_back(Action{.kind = ActionKind::kHangUp});
  digits_.clear();
  enter(Phase::kOnHook, Tone::kNone, -1);
}

void Handset::key(hal::Key key, TimeMs now) {
  if (!off_hook_) return;
  char c = hal::key_to_char(key);
  switch (phase_) {
    case Phase::kDialTone:
    case Phase::kCollecting:
      if (key == hal::Key::kFlash || key == hal::Key::kHold) return;
      if (key == hal::Key::kHash && !digits_.empty()) {
        offer_number(true, now);
        return;
      }
      if (key == hal::Key::kHash) return;  // '#' alone dials nothing
      if (!digits_.push_back(c)) {
        offer_number(true, now);  // longer than any number: dial what we have
        return;
      }
      enter(Phase::kCollecting, Tone::kNone, now + timings_.interdigit_ms);
      offer_number(false, now);  // a whole number by the plan goes without waiting
      return;
    case Phase::kLineTone:
      if (!in_call_) return;
      if (key == hal::Key::kFlash) actions_.push_back(Action{.kind = ActionKind::kFlash});
      else if (key == hal::Key::kHold) actions_.push_back(Action{.kind = ActionKind::kHold});
      else actions_.push_back(Action{.kind = ActionKind::kSendDigit, .digit = c});
      return;
    case Phase::kOnHook:
    case Phase::kPermanentSignal:
    case Phase::kOffHookWarning:
    case Phase::kRinging:
      return;
  }
}

// Hands the number to the line once it is complete: always when `terminated`
// ('#', the inter-digit timeout, no room for another digit), and before that
// when the dial plan says the digits so far are a whole number.
void Handset::offer_number(bool terminated, TimeMs now) {
  Action a{.kind = ActionKind::kPlaceCall};
  if (plan_ == nullptr) {
    if (!terminated) return;
    a.number.assign(digits_.view());
  } else {
    const dialplan::DialDecision d = dialplan::match(*plan_, digits_.view(), terminated, a.number);
    if (d.kind == dialplan::DialKind::kNeedMore) return;
    if (d.kind == dialplan::DialKind::kInvalid) {
      // Nothing a line could call: reorder, then the off-hook warning.
      enter(Phase::kPermanentSignal, Tone::kReorder, now + timings_.reorder_ms);
      return;
    }
    a.emergency = d.emergency;
    a.rule = d.rule;
  }
  actions_.push_back(a);
  enter(Phase::kLineTone, Tone::kNone, -1);
}

void Handset::call_refused(TimeMs now) {
  if (!off_hook_) return;
  enter(Phase::kPermanentSignal, Tone::kNoLineAnnouncement, now + timings_.reorder_ms);
}

void Handset::ring(bool on) {
  if (on && !off_hook_) enter(Phase::kRinging, Tone::kRing, -1);
  else if (!on && phase_ == Phase::kRinging) enter(Phase::kOnHook, Tone::kNone, -1);
}

void Handset::tick(TimeMs now) {
  if (deadline_ < 0 || now < deadline_) return;
  switch (phase_) {
    case Phase::kDialTone:
      enter(Phase::kPermanentSignal, Tone::kReorder, now + timings_.reorder_ms);
      return;
    case Phase::kCollecting:
      offer_number(true, now);
      return;
    case Phase::kPermanentSignal:
      enter(Phase::kOffHookWarning, Tone::kOffHookWarning, -1);
      return;
    case Phase::kOnHook:
    case Phase::kOffHookWarning:
    case Phase::kLineTone:
    case Phase::kRinging:
      deadline_ = -1;
      return;
  }
}

}  // namespace dialtone::handset
