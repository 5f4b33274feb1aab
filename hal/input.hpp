// Handset inputs and outputs: hook switch, keypad, ringer. Real boards drive
// them from GPIO lines (debounced in software: libgpiod 1.6 has no debounce);
// the simulated board drives them from the control socket. Either way they
// reach the firmware as the same events.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/inplace_function.hpp"

namespace dialtone::hal {

enum class Key : std::uint8_t {
  k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, kStar, kHash, kFlash, kHold,
};

// '0'-'9', '*', '#' map to keys; "flash"/"hold" are parsed by the caller.
bool key_from_char(char c, Key& out);
char key_to_char(Key k);  // 'F' for flash, 'H' for hold
// The control socket's names: "0"-"9", "*", "#", "flash", "hold".
bool key_from_name(std::string_view name, Key& out);
std::string_view key_name(Key k);

struct InputHandlers {
  InplaceFunction<void(bool off_hook), 16> on_hook;
  InplaceFunction<void(Key key), 16> on_key;
};

// Source of hook and key events (GPIO lines, or nothing on the simulated board,
// whose events come from the control socket instead).
class InputDevice {
 public:
  virtual ~InputDevice() = default;
  virtual bool start(EventLoop& loop, InputHandlers handlers) = 0;
  virtual void stop() = 0;
};

// The ringer: a GPIO output on real boards. The simulated board has none and
// plays the ring cadence into the earpiece instead (the firmware decides).
class Ringer {
 public:
  virtual ~Ringer() = default;
  virtual void set(bool on) = 0;
};

}  // namespace dialtone::hal
