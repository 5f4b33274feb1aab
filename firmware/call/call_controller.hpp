// Runs one CallMachine against the three ports: feeds it events, carries out
// its actions. The only place where signalling and media meet, and what they
// exchange is an SDP string.
#pragma once
#include <cstdint>

#include "firmware/call/call_machine.hpp"
#include "firmware/call/call_ports.hpp"

namespace dialtone::call {

class CallController {
 public:
  CallController(CallNetwork& net, CallMedia& media, CallUi& ui) : net_(net), media_(media), ui_(ui) {}

  // Starts a new call (the machine must be idle or ended).
  void begin(std::uint32_t device_id) { machine_.reset(device_id); }
  void on_event(const Event& e);

  const CallMachine& machine() const { return machine_; }
  bool active() const { return machine_.active(); }

 private:
  void run(const Action& a);

  CallNetwork& net_;
  CallMedia& media_;
  CallUi& ui_;
  CallMachine machine_;
};

}  // namespace dialtone::call
