// The telephone: glue between the board's hardware, the handset state
// machine, the tone player, the control socket and (when there is one) the
// line. Everything runs on the one event loop.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/app/tone_player.hpp"
#include "firmware/call/call_controller.hpp"
#include "firmware/control/control_server.hpp"
#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/handset/handset.hpp"
#include "firmware/line/line.hpp"
#include "hal/audio_device.hpp"
#include "hal/input.hpp"
#include "hal/tone_plan.hpp"

namespace dialtone::app {

struct PhoneHardware {
  hal::AudioDevice& audio;
  hal::InputDevice* input;   // nullptr: no physical hook/keys (simulated board)
  hal::Ringer* ringer;       // nullptr: ring into the earpiece instead
  const hal::TonePlan& tones;
};

class Phone : public control::CommandHandler, public call::CallUi {
 public:
  Phone(EventLoop& loop, PhoneHardware hw);

  // Starts audio, inputs and the control socket at <state_dir>/control.sock.
  bool start(const char* control_socket_path);
  void stop();

  // Input events, from GPIO or from the control socket alike.
  void hook(bool off_hook);
  void key(hal::Key key);

  void on_command(std::string_view cmd, const cJSON* request, control::Reply& reply) override;

  const handset::Handset& handset() const { return handset_; }

  // The line, when one is configured: its state for status and events, and
  // the controller that runs calls on it. `media` receives every audio frame.
  void attach_line(call::CallController* calls, call::CallMedia* media,
                   InplaceFunction<void(std::span<const std::int16_t>, std::span<std::int16_t>), 16> audio);
  void set_line_state(line::LineState s, std::string_view msisdn);
  // What {"cmd":"unlink"} does (the line's unlink, yna-wire.md 3.6).
  void set_unlink(InplaceFunction<void(), 16> unlink) { unlink_ = std::move(unlink); }
  // Network events for the current call (statuses, invitations, REST results).
  void call_event(const call::Event& e);
  // Where the web page and logs put the last thing that went wrong.
  void set_error(std::string_view msg);
  std::string_view last_error() const { return last_error_.view(); }
  line::LineState line_state() const { return line_state_; }
  bool call_active() const { return calls_ && calls_->active(); }
  // One line per call for the web page ("out 14255550199 connected").
  std::size_t describe_calls(std::span<std::string_view> out);
  std::uint32_t current_call_device_id() const { return calls_ ? calls_->machine().id() : 0; }
  std::string_view current_call_id() const { return calls_ ? calls_->machine().call_id() : std::string_view{}; }
  control::ControlServer& control() { return control_; }

  // call::CallUi
  void call_tone(handset::Tone t) override;
  void call_ringer(bool on) override;
  void call_changed(const call::CallMachine& call) override;

 private:
  void on_audio_frame(std::span<const std::int16_t> captured, std::span<std::int16_t> playback);
  void after_handset_input();
  void run_actions();
  void arm_handset_timer();
  void emit_line_event();
  bool call_command(std::string_view cmd, const cJSON* req, control::Reply& reply);
  void write_status(JsonWriter& w);
  bool need_line(control::Reply& reply);

  EventLoop& loop_;
  PhoneHardware hw_;
  handset::Handset handset_;
  TonePlayer tones_;
  control::ControlServer control_;
  TimerId handset_timer_;
  line::LineState line_state_ = line::LineState::kUnlinked;
  FixedString<192> last_error_;
  FixedString<32> msisdn_;
  call::CallController* calls_ = nullptr;
  call::CallMedia* media_ = nullptr;
  InplaceFunction<void(std::span<const std::int16_t>, std::span<std::int16_t>), 16> media_audio_;
  std::uint32_t next_call_id_ = 1;
  InplaceFunction<void(), 16> unlink_;
  FixedString<128> call_line_;
  bool ringer_on_ = false;
  // A hardware bell follows the plan's ring cadence; we switch it.
  TimerId bell_timer_;
  TimeMs bell_started_ = 0;
  void drive_bell(bool ringing);
};

}  // namespace dialtone::app
