#include "hal/input.hpp"

namespace dialtone::hal {

bool key_from_char(char c, Key& out) {
  if (c >= '0' && c <= '9') {
    out = static_cast<Key>(static_cast<std::uint8_t>(Key::k0) + (c - '0'));
    return true;
  }
  if (c == '*') { out = Key::kStar; return true; }
  if (c == '#') { out = Key::kHash; return true; }
  return false;
}

char key_to_char(Key k) {
  switch (k) {
    case Key::kStar: return '*';
    case Key::kHash: return '#';
    case Key::kFlash: return 'F';
    case Key::kHold: return 'H';
    default: break;
  }
  const auto v = static_cast<std::uint8_t>(k);
  if (v <= static_cast<std::uint8_t>(Key::k9)) return static_cast<char>('0' + v);
  return '?';
}

bool key_from_name(std::string_view name, Key& out) {
  if (name.size() == 1) return key_from_char(name[0], out);
  if (name == "flash") { out = Key::kFlash; return true; }
  if (name == "hold") { out = Key::kHold; return true; }
  return false;
}

std::string_view key_name(Key k) {
  static constexpr std::string_view kNames[] = {"0", "1", "2", "3", "4", "5", "6", "7",
                                                "8", "9", "*", "#", "flash", "hold"};
  const auto v = static_cast<std::size_t>(k);
  return v < sizeof kNames / sizeof kNames[0] ? kNames[v] : std::string_view("?");
}

}  // namespace dialtone::hal
