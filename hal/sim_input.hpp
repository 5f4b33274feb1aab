// The simulated board's handset: no pins. Hook and key events come from the
// control socket, which calls press_hook()/press_key(); they reach the
// firmware through the same InputHandlers a GPIO board uses, so a scripted
// test exercises the same code as a person lifting the handset.
#pragma once
#include <cstdint>

#include "hal/input.hpp"

namespace dialtone::hal {

class SimInput final : public InputDevice {
 public:
  bool start(EventLoop& loop, InputHandlers handlers) override;
  void stop() override;

  // Synchronous: the handler runs before these return. Ignored while
  // stopped; a hook "change" to the current state is not reported twice.
  void press_hook(bool off_hook);
  void press_key(Key key);
  bool off_hook() const { return off_hook_; }

 private:
  InputHandlers handlers_;
  bool running_ = false;
  bool off_hook_ = false;
};

// Records what the firmware asked for. The simulated board has no bell: the
// firmware plays the tone plan's ring tone into the earpiece instead.
class SimRinger final : public Ringer {
 public:
  void set(bool on) override;
  bool on() const { return on_; }
  std::uint32_t changes() const { return changes_; }

 private:
  bool on_ = false;
  std::uint32_t changes_ = 0;
};

}  // namespace dialtone::hal
