// What the person at the handset experiences, as a pure state machine:
// hook and key events and the passage of time go in; the tone to play and
// requests for the line (place a call, answer, hang up, send a digit) come
// out. No I/O and no clock: `now` is an argument and deadline() says when the
// machine next wants to be woken, so tests walk through minutes of timeouts
// in microseconds.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
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
  kPlaceCall,   // number: the digits dialled
  kAnswer,      // off-hook while ringing
  kHangUp,      // on-hook while the line had a call
  kSendDigit,   // a key pressed during a call (in-call DTMF)
  kFlash,
  kHold,
};

struct Action {
  ActionKind kind;
  FixedString<limits::kDialDigitsMax> number;  // kPlaceCall
  char digit = 0;                               // kSendDigit
};

class Handset {
 public:
  explicit Handset(const hal::HandsetTiming& t = hal::HandsetTiming{}) : timings_(t) {}

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
  std::string_view digits() const { return digits_.view(); }
  TimeMs deadline() const { return deadline_; }  // -1: none

  // Requests for the line produced by the last inputs; the caller drains them.
  FixedVector<Action, 4>& actions() { return actions_; }

 private:
  void enter(Phase p, Tone t, TimeMs deadline);
  void complete_number();

  hal::HandsetTiming timings_;
  Phase phase_ = Phase::kOnHook;
  Tone tone_ = Tone::kNone;
  bool off_hook_ = false;
  bool in_call_ = false;
  TimeMs deadline_ = -1;
  FixedString<limits::kDialDigitsMax> digits_;
  FixedVector<Action, 4> actions_;
};

}  // namespace dialtone::handset
