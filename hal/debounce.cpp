#include "hal/debounce.hpp"

namespace dialtone::hal {

void HandsetDebounce::configure(std::span<const Key> keys, std::uint16_t debounce_ms,
                                bool hook_initial) {
  hook_.reset(hook_initial, debounce_ms);
  keys_.clear();
  for (Key k : keys) {
    if (!keys_.push_back(k)) break;
    key_state_[keys_.size() - 1].reset(false, debounce_ms);
  }
}

void HandsetDebounce::on_raw(std::size_t line, TimeMs now, bool active) {
  if (line == 0) {
    hook_.on_raw(now, active);
  } else if (line - 1 < keys_.size()) {
    key_state_[line - 1].on_raw(now, active);
  }
}

void HandsetDebounce::poll(TimeMs now, const InputHandlers& out) {
  if (auto h = hook_.poll(now); h && out.on_hook) out.on_hook(*h);
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (auto k = key_state_[i].poll(now); k && *k && out.on_key) out.on_key(keys_[i]);
  }
}

TimeMs HandsetDebounce::next_deadline() const {
  TimeMs d = hook_.next_deadline();
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (key_state_[i].next_deadline() < d) d = key_state_[i].next_deadline();
  return d;
}

}  // namespace dialtone::hal
