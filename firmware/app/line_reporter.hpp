// A line's state and errors, as the line reports them, into the device
// status model and the control socket's `line` event.
#pragma once
#include <cstddef>
#include <string_view>

#include "firmware/app/event_publisher.hpp"
#include "firmware/core/log.hpp"
#include "firmware/line/line_observer.hpp"
#include "firmware/status/device_status.hpp"

namespace dialtone::app {

class LineReporter final : public line::LineObserver {
 public:
  LineReporter(status::DeviceStatus& status, EventPublisher& events, std::size_t index)
      : status_(status), events_(events), index_(index) {}

  void on_line_state(status::LineState s, std::string_view msisdn, std::string_view reason) override {
    if (!status_.set_line(index_, s, msisdn, reason)) return;  // empty: the state's generic reason
    const status::LineStatus& l = status_.lines()[index_];
    DT_LOGI("line", "%s %s %s%s%s", l.kind.c_str(), status::line_state_name(s), l.address.c_str(),
            reason.empty() ? "" : ": ", reason.empty() ? "" : l.reason.c_str());
    events_.line(l);
  }
  void on_line_error(std::string_view msg) override { status_.add_error(msg); }

 private:
  status::DeviceStatus& status_;
  EventPublisher& events_;
  std::size_t index_;
};

}  // namespace dialtone::app
