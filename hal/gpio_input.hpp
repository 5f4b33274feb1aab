// Hook switch, keypad and ringer on GPIO lines through libgpiod 1.6 (the
// kernel's character device). Inputs are requested for both edges; each
// line's event fd sits on the event loop, and HandsetDebounce decides what
// the contacts settled to. Polarity is data (GpioLine::active_low), because a
// normally-open and a normally-closed hook switch read opposite ways.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "hal/debounce.hpp"
#include "hal/input.hpp"

struct gpiod_chip;
struct gpiod_line;

namespace dialtone::hal {

enum class LineBias : std::uint8_t { kAsIs, kPullUp, kPullDown, kDisable };

// One GPIO line. "Active" means off hook (hook line), pressed (key) or
// ringing (ringer). active_low: the line reads 0 when active, e.g. a switch
// to ground with a pull-up that closes when active.
struct GpioLine {
  int offset = -1;  // -1: not fitted
  bool active_low = false;
  LineBias bias = LineBias::kAsIs;
  constexpr bool fitted() const { return offset >= 0; }
};

struct KeyLine {
  Key key;
  GpioLine line;
};

struct GpioInputConfig {
  std::string_view chip;  // "gpiochip0", a path, a label or a number (gpiod_chip_open_lookup)
  GpioLine hook;
  std::span<const KeyLine> keys;
  std::uint16_t debounce_ms = 25;
};

class GpioInput final : public InputDevice {
 public:
  explicit GpioInput(const GpioInputConfig& config) : config_(config) {}
  ~GpioInput() override;

  // Also reports the hook once, shortly after start, if the handset is
  // already off hook (on hook is what the firmware assumes at boot).
  bool start(EventLoop& loop, InputHandlers handlers) override;
  void stop() override;

 private:
  static constexpr std::size_t kMaxLines = 1 + HandsetDebounce::kMaxKeys;
  void on_line_event(std::size_t index);
  void on_settle_timer();
  void arm_settle_timer();

  GpioInputConfig config_;
  gpiod_chip* chip_ = nullptr;
  gpiod_line* lines_[kMaxLines]{};
  bool active_low_[kMaxLines]{};
  int fds_[kMaxLines]{};
  std::size_t nlines_ = 0;
  HandsetDebounce debounce_;
  InputHandlers handlers_;
  EventLoop* loop_ = nullptr;
  TimerId settle_{};
  TimeMs settle_at_ = kNever;
};

class GpioRinger final : public Ringer {
 public:
  GpioRinger(std::string_view chip, GpioLine line) : chip_name_(chip), config_(line) {}
  ~GpioRinger() override;
  // Requests the line as an output, idle. False (logged) if it cannot.
  bool open();
  void close();
  void set(bool on) override;
  bool on() const { return on_; }

 private:
  FixedString<64> chip_name_;
  GpioLine config_;
  gpiod_chip* chip_ = nullptr;
  gpiod_line* line_ = nullptr;
  bool on_ = false;
};

}  // namespace dialtone::hal
