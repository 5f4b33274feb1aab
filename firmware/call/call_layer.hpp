// Every call of the device, on every line: two call slots (the call in the
// person's ear, and one waiting or held), the policy between them (call
// waiting, flash, recall of a held call), and the one queue through which
// every input reaches them. An input is copied into the queue and handled
// to the end, its actions carried out, before the next one is looked at;
// an input that arrives while another is being handled (a media session
// answering at once, a line failing synchronously) waits its turn.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/call/call_machine.hpp"
#include "firmware/call/call_ports.hpp"
#include "firmware/call/event_queue.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::call {

class CallLayer {
 public:
  // One media session per call slot (limits::kMaxCalls); a slot without one
  // cannot carry a call's audio.
  void set_media(std::size_t slot, CallMedia* media) {
    if (slot < limits::kMaxCalls) media_[slot] = media;
  }
  // Who shows the calls (the phone); set before the first input.
  void set_ui(CallUi& ui) { ui_ = &ui; }

  // Lines, in the order given; a call event's `line` is the line's name.
  std::uint8_t add_line(CallLine& line);
  CallLine* line(std::uint8_t i) const { return i < lines_.size() ? lines_[i] : nullptr; }
  // The line the handset dials on (config `outgoing_line`; the first by default).
  void set_outgoing_line(std::uint8_t i) { outgoing_ = i; }
  std::uint8_t outgoing_line() const { return outgoing_; }
  // With call waiting off, a second caller is refused Busy.
  void set_call_waiting(bool on) { call_waiting_ = on; }

  // The person. `number` as the line should send it (see CallLine::place).
  // False (and `why` says it) when no call can be placed now. An emergency
  // number is never refused here: when its line cannot carry it, its call
  // ends at once (reorder) and its call event says why (`why` too).
  bool dial(std::uint8_t line, std::string_view number, bool emergency, FixedString<limits::kCallReasonMax>& why);
  void answer();
  void decline();
  void hang_up();   // the handset went on hook, or the hangup command
  void hold();
  void resume();
  void flash();     // hold and answer the waiting call, or swap with the held one
  void end_all();   // unlink, shutdown: every call ends, told to its line
  bool send_dtmf(char digit);

  // The lines and media sessions. `device_id` routes an input for a call the
  // line has not given an id yet; otherwise e.call_id does.
  void from_line(std::uint8_t line, std::uint32_t device_id, const Event& e);
  void from_media(std::uint8_t slot, const Event& e);

  // What the phone shows and plays.
  const CallMachine* foreground() const;
  const CallMachine& slot(std::size_t i) const { return slots_[i].call; }
  std::string_view line_name(std::size_t slot) const;
  static constexpr std::size_t slots() { return limits::kMaxCalls; }
  bool any_active() const;
  bool has_waiting() const { return waiting_slot() >= 0; }
  handset::Tone tone() const;
  bool ringing() const;

 private:
  struct Slot {
    CallMachine call;
    std::uint8_t line = 0;
    FixedString<limits::kPeerMax> dialled;  // what place() sends
  };

  void post(const Input& in);
  void drain();
  void handle(const Input& in);
  void person(const Input& in);
  void layer_command(LayerCommand c);
  void incoming(const Input& in);
  void step(std::size_t slot, const Event& e);
  void run(std::size_t slot, const Action& a);
  void settle_flows();
  int find_by_call_id(std::uint8_t line, std::string_view call_id) const;
  int find_by_device_id(std::uint32_t id) const;
  int free_slot() const;
  int waiting_slot() const;
  int other_active() const;  // an active call not in the person's ear; -1: none
  void start_call(std::size_t slot);

  CallUi* ui_ = nullptr;
  CallMedia* media_[limits::kMaxCalls] = {};
  FixedVector<CallLine*, limits::kLinesMax> lines_;
  Slot slots_[limits::kMaxCalls];
  int fg_ = -1;          // the slot in the person's ear; -1: none
  bool recall_ = false;  // on hook with a held or waiting call: the phone rings it back
  bool call_waiting_ = true;
  std::uint8_t outgoing_ = 0;
  std::uint32_t next_id_ = 1;
  EventQueue queue_;
  bool draining_ = false;
};

}  // namespace dialtone::call
