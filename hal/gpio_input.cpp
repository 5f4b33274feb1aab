#include "hal/gpio_input.hpp"

#include <gpiod.h>

#include <cerrno>
#include <cstring>

#include "firmware/core/log.hpp"

namespace dialtone::hal {
namespace {

constexpr const char* kConsumer = "dialtoned";

int bias_flags(LineBias b) {
  switch (b) {
    case LineBias::kPullUp: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
    case LineBias::kPullDown: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
    case LineBias::kDisable: return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
    case LineBias::kAsIs: break;
  }
  return 0;
}

gpiod_chip* open_chip(std::string_view name) {
  FixedString<64> n(name);
  gpiod_chip* chip = gpiod_chip_open_lookup(n.c_str());
  if (!chip) DT_LOGE("gpio", "chip %s: %s", n.c_str(), std::strerror(errno));
  return chip;
}

}  // namespace

GpioInput::~GpioInput() { stop(); }

bool GpioInput::start(EventLoop& loop, InputHandlers handlers) {
  stop();
  if (!config_.hook.fitted()) {
    DT_LOGE("gpio", "board has no hook line");
    return false;
  }
  if (config_.keys.size() > HandsetDebounce::kMaxKeys) {
    DT_LOGE("gpio", "%zu key lines, at most %zu", config_.keys.size(), HandsetDebounce::kMaxKeys);
    return false;
  }
  chip_ = open_chip(config_.chip);
  if (!chip_) return false;

  // Line 0 is the hook, 1.. the keys (HandsetDebounce's numbering).
  Key keys[HandsetDebounce::kMaxKeys];
  const GpioLine* wanted[kMaxLines];
  wanted[0] = &config_.hook;
  std::size_t nkeys = 0;
  for (const KeyLine& k : config_.keys) {
    if (!k.line.fitted()) continue;
    keys[nkeys] = k.key;
    wanted[1 + nkeys++] = &k.line;
  }
  for (std::size_t i = 0; i < 1 + nkeys; ++i) {
    const GpioLine& g = *wanted[i];
    gpiod_line* line = gpiod_chip_get_line(chip_, static_cast<unsigned>(g.offset));
    if (!line || gpiod_line_request_both_edges_events_flags(line, kConsumer, bias_flags(g.bias)) < 0) {
      DT_LOGE("gpio", "line %d (%s): %s", g.offset, i == 0 ? "hook" : "key", std::strerror(errno));
      stop();
      return false;
    }
    lines_[i] = line;
    active_low_[i] = g.active_low;
    fds_[i] = gpiod_line_event_get_fd(line);
    nlines_ = i + 1;
  }
  // Polarity is applied here, in software: libgpiod's ACTIVE_LOW flag on
  // edge events behaves differently across kernels with the v1 uAPI.
  const int hook_raw = gpiod_line_get_value(lines_[0]);
  const bool hook_now = hook_raw >= 0 && ((hook_raw != 0) != active_low_[0]);
  debounce_.configure({keys, nkeys}, config_.debounce_ms, false);
  loop_ = &loop;
  handlers_ = std::move(handlers);
  for (std::size_t i = 0; i < nlines_; ++i) {
    if (!loop.add_fd(fds_[i], POLLIN, [this, i](short) { on_line_event(i); })) {
      stop();
      return false;
    }
  }
  if (hook_now) debounce_.on_raw(0, monotonic_ms(), true);  // reported once it has settled
  arm_settle_timer();
  DT_LOGI("gpio", "%.*s: hook line %d (%s), %zu key lines, debounce %u ms",
          static_cast<int>(config_.chip.size()), config_.chip.data(), config_.hook.offset,
          hook_now ? "off hook" : "on hook", nkeys, config_.debounce_ms);
  return true;
}

void GpioInput::stop() {
  if (loop_) {
    for (std::size_t i = 0; i < nlines_; ++i) loop_->remove_fd(fds_[i]);
    loop_->cancel_timer(settle_);
  }
  loop_ = nullptr;
  settle_at_ = kNever;
  for (std::size_t i = 0; i < nlines_; ++i) gpiod_line_release(lines_[i]);
  nlines_ = 0;
  if (chip_) gpiod_chip_close(chip_);
  chip_ = nullptr;
}

void GpioInput::on_line_event(std::size_t index) {
  if (index >= nlines_) return;
  // Timestamps: the loop's clock, not the event's (v1 events are stamped
  // with CLOCK_REALTIME on kernels before 5.7). Bounces drained in one read
  // collapse to their last level, which is all the debouncer keeps anyway.
  const TimeMs now = monotonic_ms();
  gpiod_line_event ev[16];
  const int n = gpiod_line_event_read_multiple(lines_[index], ev, 16);
  if (n < 0) {
    DT_LOGW("gpio", "line event read: %s", std::strerror(errno));
    return;
  }
  for (int i = 0; i < n; ++i) {
    const bool high = ev[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
    debounce_.on_raw(index, now, high != active_low_[index]);
  }
  arm_settle_timer();
}

void GpioInput::arm_settle_timer() {
  const TimeMs at = debounce_.next_deadline();
  if (at == settle_at_ && settle_.valid()) return;
  loop_->cancel_timer(settle_);
  settle_at_ = at;
  if (at != kNever) settle_ = loop_->add_timer_at(at, [this] { on_settle_timer(); });
}

void GpioInput::on_settle_timer() {
  settle_ = TimerId{};
  settle_at_ = kNever;
  InputHandlers h = handlers_;  // a handler may stop() us
  debounce_.poll(monotonic_ms(), h);
  if (loop_) arm_settle_timer();
}

GpioRinger::~GpioRinger() { close(); }

bool GpioRinger::open() {
  close();
  if (!config_.fitted()) return false;
  chip_ = open_chip(chip_name_);
  if (!chip_) return false;
  line_ = gpiod_chip_get_line(chip_, static_cast<unsigned>(config_.offset));
  const int idle = config_.active_low ? 1 : 0;
  if (!line_ || gpiod_line_request_output_flags(line_, kConsumer, bias_flags(config_.bias), idle) < 0) {
    DT_LOGE("gpio", "ringer line %d: %s", config_.offset, std::strerror(errno));
    line_ = nullptr;
    close();
    return false;
  }
  on_ = false;
  return true;
}

void GpioRinger::close() {
  if (line_) {
    gpiod_line_set_value(line_, config_.active_low ? 1 : 0);
    gpiod_line_release(line_);
  }
  line_ = nullptr;
  if (chip_) gpiod_chip_close(chip_);
  chip_ = nullptr;
}

void GpioRinger::set(bool on) {
  on_ = on;
  if (line_ && gpiod_line_set_value(line_, on != config_.active_low ? 1 : 0) < 0)
    DT_LOGW("gpio", "ringer line %d: %s", config_.offset, std::strerror(errno));
}

}  // namespace dialtone::hal
