// The telephone the person touches: the handset state machine, the tone
// player, the bell and the audio device, turned into inputs for the call
// layer, and the call layer's state turned back into tones and ringing.
// Everything runs on the one event loop.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/app/event_publisher.hpp"
#include "firmware/app/tone_player.hpp"
#include "firmware/call/call_layer.hpp"
#include "firmware/call/call_ports.hpp"
#include "firmware/core/event_loop.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/handset/handset.hpp"
#include "firmware/status/device_status.hpp"
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

using AudioTap = InplaceFunction<void(std::span<const std::int16_t>, std::span<std::int16_t>), 16>;

class Phone final : public call::CallUi {
 public:
  Phone(EventLoop& loop, PhoneHardware hw, call::CallLayer& calls, status::DeviceStatus& status,
        EventPublisher& events);

  // Starts audio and inputs.
  bool start();
  void stop();

  // Input events, from GPIO or from the control socket alike.
  void hook(bool off_hook);
  void key(hal::Key key);
  // A number that needs no keypad (the control socket's "+E.164"): placed as
  // if dialled and completed.
  void place(std::string_view number, bool emergency);

  // Media sessions mix into the earpiece here, every frame, before tones.
  void set_audio_tap(AudioTap tap) { tap_ = std::move(tap); }

  const handset::Handset& handset() const { return handset_; }
  handset::Tone playing() const { return tones_.playing(); }

  // call::CallUi
  void call_changed(const call::CallMachine& call, std::string_view line) override;
  void calls_settled() override;

 private:
  void on_audio_frame(std::span<const std::int16_t> captured, std::span<std::int16_t> playback);
  void after_handset_input();
  void run_handset_actions();
  void sync_outputs();
  void arm_handset_timer();
  void drive_bell(bool ringing);
  void update_audio_clock();

  EventLoop& loop_;
  PhoneHardware hw_;
  call::CallLayer& calls_;
  status::DeviceStatus& status_;
  EventPublisher& events_;
  handset::Handset handset_;
  TonePlayer tones_;
  AudioTap tap_;
  bool in_actions_ = false;
  TimerId handset_timer_;
  // A hardware bell follows the plan's ring cadence; we switch it.
  TimerId bell_timer_;
  TimeMs bell_started_ = 0;
  // On hook with nothing to play or hear, the audio clock sleeps after a
  // short grace (a hang-up is often followed by a new call).
  static constexpr TimeMs kAudioIdleAfterMs = 1000;
  TimerId audio_idle_timer_;
};

}  // namespace dialtone::app
