// The control socket's events (device-control.md): `line`, `call`, `media`
// and `dtmf`, written from the models they describe and sent to every
// subscribed connection.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/call/call_machine.hpp"
#include "firmware/control/control_server.hpp"
#include "firmware/status/device_status.hpp"

namespace dialtone::app {

struct MediaFigures {
  const char* codec = "";
  std::uint64_t rx_packets = 0, tx_packets = 0;
  std::int64_t lost = 0, rtt_ms = 0;
  double jitter_ms = 0;
};

class EventPublisher {
 public:
  // Events go nowhere until the control socket exists.
  void attach(control::ControlServer& control) { control_ = &control; }

  void line(const status::LineStatus& l);
  void call(const call::CallMachine& c, std::string_view line);
  void media(std::uint32_t call, const MediaFigures& f);
  void dtmf(std::uint32_t call, char digit, std::string_view via);

 private:
  control::ControlServer* control_ = nullptr;
};

}  // namespace dialtone::app
