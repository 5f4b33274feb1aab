// Software debounce for switch contacts, pure: timestamped raw levels in,
// settled levels out. libgpiod 1.6 has no debounce of its own, so the GPIO
// backend is a thin layer that feeds edges here and sleeps until
// next_deadline().
//
// Rule: a level counts once the contact has stayed at it for `debounce_ms`
// after the last edge. Bounces shorter than that are never reported; a press
// is reported debounce_ms after the contact settles.
#pragma once
#include <cstdint>
#include <optional>
#include <span>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "hal/input.hpp"

namespace dialtone::hal {

class Debouncer {
 public:

  void reset(bool level, std::uint16_t debounce_ms) {
    stable_ = raw_ = level;
    debounce_ms_ = debounce_ms;
    deadline_ = kNever;
  }
  // A raw edge (or a sample) at `now`.
  void on_raw(TimeMs now, bool level) {
    raw_ = level;
    deadline_ = now + debounce_ms_;
  }
  // The settled level, once it changes; call at or after next_deadline().
  std::optional<bool> poll(TimeMs now) {
    if (deadline_ == kNever || now < deadline_) return std::nullopt;
    deadline_ = kNever;
    if (raw_ == stable_) return std::nullopt;  // bounced back: nothing happened
    stable_ = raw_;
    return stable_;
  }
  TimeMs next_deadline() const { return deadline_; }
  bool stable() const { return stable_; }

 private:
  bool stable_ = false;
  bool raw_ = false;
  std::uint16_t debounce_ms_ = 25;
  TimeMs deadline_ = kNever;
};

// The handset's contacts, as logical levels (true = off hook / pressed;
// polarity is applied by whoever reads the pins). Line 0 is the hook switch,
// lines 1.. are keys in the order given to configure().
class HandsetDebounce {
 public:
  // Direct keypad lines: 12 keys + flash + hold + spare.
  static constexpr std::size_t kMaxKeys = limits::kKeypadLinesMax;

  void configure(std::span<const Key> keys, std::uint16_t debounce_ms, bool hook_initial);
  void on_raw(std::size_t line, TimeMs now, bool active);
  // Emits what settled by `now`: hook changes, and key presses (releases are
  // not events).
  void poll(TimeMs now, const InputHandlers& out);
  TimeMs next_deadline() const;
  bool off_hook() const { return hook_.stable(); }
  std::size_t lines() const { return 1 + keys_.size(); }

 private:
  Debouncer hook_;
  FixedVector<Key, kMaxKeys> keys_;
  Debouncer key_state_[kMaxKeys];
};

}  // namespace dialtone::hal
