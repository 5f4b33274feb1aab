#include "hal/sim_input.hpp"

namespace dialtone::hal {

bool SimInput::start(EventLoop&, InputHandlers handlers) {
  handlers_ = std::move(handlers);
  running_ = true;
  return true;
}

void SimInput::stop() {
  running_ = false;
  handlers_ = InputHandlers{};
}

void SimInput::press_hook(bool off_hook) {
  if (!running_ || off_hook == off_hook_) return;
  off_hook_ = off_hook;
  InputHandlers h = handlers_;  // the handler may stop() us
  if (h.on_hook) h.on_hook(off_hook);
}

void SimInput::press_key(Key key) {
  if (!running_) return;
  InputHandlers h = handlers_;
  if (h.on_key) h.on_key(key);
}

void SimRinger::set(bool on) {
  if (on != on_) ++changes_;
  on_ = on;
}

}  // namespace dialtone::hal
