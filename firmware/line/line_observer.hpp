// What a line tells the device about itself: its state, address and reason
// (the `line` event, `status`, the web page) and the errors the owner
// should see. Every kind of line reports through it.
#pragma once
#include <string_view>

#include "firmware/status/line_state.hpp"

namespace dialtone::line {

class LineObserver {
 public:
  virtual ~LineObserver() = default;
  // Every change of state, address or reason (and once from start()).
  // `address`: the YNA msisdn, the SIP address of record. `reason`: why an
  // offline line cannot reach the network, in words; empty when there is
  // nothing more to say than the state.
  virtual void on_line_state(status::LineState state, std::string_view address, std::string_view reason) = 0;
  // Something went wrong that the owner should see (logged already).
  virtual void on_line_error(std::string_view msg) = 0;
};

}  // namespace dialtone::line
