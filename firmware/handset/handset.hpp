// What the person at the handset experiences, as a pure state machine:
// hook and key events and the passage of time go in; the tone to play and
// requests for the line (place a call, answer, hang up, send a digit) come
// out. No I/O and no clock: `now` is an argument and deadline() says when the
// machine next wants to be woken, so tests walk through minutes of timeouts
// in microseconds. A dial plan, when given, decides when the dialled digits
// are a whole number and what number the line is asked to call.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/dialplan/dial_plan.hpp"
#include "hal/input.hpp"
#include "hal/tone_plan.hpp"

namespace dialtone::handset {

// Tones the handset may play. The board's tone plan says what each sounds like.
enum class Tone : std::uint8_t {
  kNone,
  kDial,
  kReorder,
  kOffHookWarning,
  kBusy,
  kRingback,
  kRing,           // the simulated board's ringer, played into the earpiece
  kCallWaiting,
  kNoLineAnnouncement,  // intercept tones then reorder: "your call cannot be completed"
};
const char* tone_name(Tone t);

enum class Phase : std::uint8_t {
  kOnHook,
  kDialTone,        // off-hook, no digit yet
  kCollecting,      // digits being dialled
  kPermanentSignal, // off-hook too long without dialling: reorder
  kOffHookWarning,  // then the howler
  kLineTone,        // number handed to the line, or the line refused it: the
                    // line decides the tone (ringback, busy, reorder, none)
  kRinging,         // on-hook, incoming call alerting
};
const char* phase_name(Phase p);

enum class ActionKind : std::uint8_t {
  kPlaceCall,   // number, emergency, rule
  kAnswer,      // off-hook while ringing
  kHangUp,      // on-hook while the line had a call
  kSendDigit,   // a key pressed during a call (in-call DTMF)
  kFlash,
  kHold,
};

struct Action {
  ActionKind kind;
  // kPlaceCall: the number to call, as the dial plan writes it (E.164 with a
  // leading '+', or as dialled for emergency, service and unknown numbers);
  // without a plan, the digits dialled.
  dialplan::Number number{};
  char digit = 0;            // kSendDigit
  bool emergency = false;    // kPlaceCall: the plan calls it an emergency number
  std::string_view rule{};   // kPlaceCall: the plan's rule ("emergency", "did_us",
                             // "unknown", ...); empty without a plan. Points into the plan.
};

class Handset {
 public:
  // `plan` (may be null, then every number goes as dialled on '#' or the
  // inter-digit timeout) must outlive the handset or be replaced first.
  explicit Handset(const hal::HandsetTiming& t = hal::HandsetTiming{}, const dialplan::DialPlan* plan = nullptr)
      : timings_(t), plan_(plan) {}

  // E.g. the built-in plan of the board's country, later one fetched from
  // Kazoo. Applies from the next key.
  void set_dial_plan(const dialplan::DialPlan* plan) { plan_ = plan; }
  const dialplan::DialPlan* dial_plan() const { return plan_; }

  void hook(bool off_hook, TimeMs now);
  void key(hal::Key key, TimeMs now);
  void tick(TimeMs now);

  // The line's view, fed back in:
  void set_line_tone(Tone t) { if (phase_ == Phase::kLineTone) tone_ = t; }
  void line_in_call(bool in_call) { in_call_ = in_call; }
  // The number could not be placed (e.g. no line): announcement then reorder,
  // then the off-hook warning.
  void call_refused(TimeMs now);
  // Alerting for an incoming call (only while on-hook; otherwise ignored).
  void ring(bool on);

  Phase phase() const { return phase_; }
  Tone tone() const { return tone_; }
  bool off_hook() const { return off_hook_; }
  std::string_view digits() const { return digits_.view(); }  // as the person dialled them
  TimeMs deadline() const { return deadline_; }  // -1: none

  // Requests for the line produced by the last inputs; the caller drains them.
  FixedVector<Action, 4>& actions() { return actions_; }

 private:
  void enter(Phase p, Tone t, TimeMs deadline);
  void offer_number(bool terminated, TimeMs now);

  hal::HandsetTiming timings_;
  const dialplan::DialPlan* plan_;
  Phase phase_ = Phase::kOnHook;
  Tone tone_ = Tone::kNone;
  bool off_hook_ = false;
  bool in_call_ = false;
  TimeMs deadline_ = -1;
  FixedString<limits::kDialDigitsMax> digits_;
  FixedVector<Action, 4> actions_;
};

}  // namespace dialtone::handset
