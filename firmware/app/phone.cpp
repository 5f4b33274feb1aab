#include "firmware/app/phone.hpp"

#include <cstdio>

#include "firmware/core/log.hpp"
#include "firmware/dialplan/country_plans.hpp"

namespace dialtone::app {

Phone::Phone(EventLoop& loop, PhoneHardware hw, call::CallLayer& calls, status::DeviceStatus& status,
             EventPublisher& events)
    : loop_(loop),
      hw_(hw),
      calls_(calls),
      status_(status),
      events_(events),
      handset_(hw.tones.timing),
      tones_(hw.tones, hw.audio.sample_rate()) {
  // The tone plan names the country, and with it the numbering the person dials.
  handset_.set_dial_plan(dialplan::find_dial_plan(hw.tones.country));
  if (!handset_.dial_plan())
    DT_LOGW("phone", "no dial plan for country \"%.*s\": numbers go as dialled on # or the timeout",
            static_cast<int>(hw.tones.country.size()), hw.tones.country.data());
  status_.set_handset(&handset_);
}

bool Phone::start() {
  if (hw_.input) {
    hal::InputHandlers h;
    h.on_hook = [this](bool off) { hook(off); };
    h.on_key = [this](hal::Key k) { key(k); };
    if (!hw_.input->start(loop_, std::move(h))) return false;
  }
  if (!hw_.audio.start(loop_, [this](std::span<const std::int16_t> c, std::span<std::int16_t> p) {
        on_audio_frame(c, p);
      }))
    return false;
  update_audio_clock();
  return true;
}

void Phone::stop() {
  hw_.audio.stop();
  if (hw_.input) hw_.input->stop();
  loop_.cancel_timer(handset_timer_);
  loop_.cancel_timer(bell_timer_);
  loop_.cancel_timer(audio_idle_timer_);
}

void Phone::on_audio_frame(std::span<const std::int16_t> captured, std::span<std::int16_t> playback) {
  if (tap_) tap_(captured, playback);
  tones_.mix_into(playback);
}

void Phone::hook(bool off_hook) {
  DT_LOGI("handset", "%s-hook", off_hook ? "off" : "on");
  handset_.hook(off_hook, loop_.now());
  after_handset_input();
}

void Phone::key(hal::Key k) {
  DT_LOGI("handset", "key %c", hal::key_to_char(k));
  handset_.key(k, loop_.now());
  after_handset_input();
}

void Phone::place(std::string_view number, bool emergency) {
  FixedString<limits::kCallReasonMax> why;
  if (!calls_.dial(calls_.outgoing_line(), number, emergency, why)) {
    char msg[256];
    std::snprintf(msg, sizeof msg, "cannot call %.*s: %s", static_cast<int>(number.size()), number.data(), why.c_str());
    DT_LOGW("phone", "%s", msg);
    status_.add_error(msg);
    handset_.call_refused(loop_.now());
  }
  sync_outputs();
}

void Phone::after_handset_input() {
  run_handset_actions();
  sync_outputs();
}

void Phone::run_handset_actions() {
  // The call layer reports back (calls_settled) while these run; it must
  // not start a second pass over the same actions.
  if (in_actions_) return;
  in_actions_ = true;
  FixedVector<handset::Action, 4> actions = handset_.actions();
  handset_.actions().clear();
  for (const handset::Action& a : actions) {
    switch (a.kind) {
      case handset::ActionKind::kPlaceCall:
        place(a.number.view(), a.emergency);
        break;
      case handset::ActionKind::kAnswer:
        calls_.answer();
        break;
      case handset::ActionKind::kHangUp:
        calls_.hang_up();
        break;
      case handset::ActionKind::kSendDigit:
        if (!calls_.send_dtmf(a.digit)) DT_LOGD("phone", "key %c: no connected call to send it in", a.digit);
        break;
      case handset::ActionKind::kHold: {
        const call::CallMachine* c = calls_.foreground();
        if (c && c->state() == call::State::kHeld) calls_.resume();
        else calls_.hold();
        break;
      }
      case handset::ActionKind::kFlash:
        calls_.flash();
        break;
    }
  }
  in_actions_ = false;
}

void Phone::call_changed(const call::CallMachine& c, std::string_view line) {
  events_.call(c, line);
  // A call that failed (not one the far end simply hung up) goes on the
  // owner's error list with the network's own words.
  if (c.state() == call::State::kEnded && c.tone() == handset::Tone::kReorder &&
      !c.reason().starts_with("remote_hangup")) {
    char msg[256];
    std::snprintf(msg, sizeof msg, "call %s %.*s failed: %.*s", c.direction() == call::Direction::kOut ? "to" : "from",
                  static_cast<int>(c.peer().size()), c.peer().data(), static_cast<int>(c.reason().size()),
                  c.reason().data());
    status_.add_error(msg);
  }
}

void Phone::calls_settled() {
  handset_.line_in_call(calls_.any_active());
  handset_.ring(calls_.ringing());
  handset_.set_line_tone(calls_.tone());
  sync_outputs();
}

void Phone::sync_outputs() {
  // Bring the outputs in line with the handset's state.
  handset::Tone t = handset_.tone();
  if (hw_.ringer) {
    drive_bell(t == handset::Tone::kRing);
    if (t == handset::Tone::kRing) t = handset::Tone::kNone;
  }
  if (t != tones_.playing()) DT_LOGI("handset", "tone %s", handset::tone_name(t));
  tones_.play(t);
  status_.set_playing(tones_.playing());
  arm_handset_timer();
  update_audio_clock();
}

void Phone::update_audio_clock() {
  const bool quiet = !handset_.off_hook() && tones_.playing() == handset::Tone::kNone && !calls_.any_active() &&
                     !calls_.ringing();
  if (!quiet) {
    loop_.cancel_timer(audio_idle_timer_);
    if (hw_.audio.idle()) {
      DT_LOGD("audio", "waking the audio clock");
      hw_.audio.set_idle(false);
    }
    return;
  }
  if (hw_.audio.idle() || audio_idle_timer_.valid()) return;
  // From a timer, never from inside an audio frame: the device may close its
  // descriptors while idle.
  audio_idle_timer_ = loop_.add_timer(kAudioIdleAfterMs, [this] {
    audio_idle_timer_ = TimerId{};
    DT_LOGD("audio", "nothing to play or hear: the audio clock sleeps");
    hw_.audio.set_idle(true);
  });
}

void Phone::arm_handset_timer() {
  loop_.cancel_timer(handset_timer_);
  TimeMs d = handset_.deadline();
  if (d < 0) return;
  handset_timer_ = loop_.add_timer_at(d, [this] {
    handset_timer_ = TimerId{};
    handset_.tick(loop_.now());
    after_handset_input();
  });
}

void Phone::drive_bell(bool ringing) {
  if (!ringing) {
    if (bell_timer_.valid()) loop_.cancel_timer(bell_timer_);
    hw_.ringer->set(false);
    return;
  }
  if (bell_timer_.valid()) return;  // already ringing
  bell_started_ = loop_.now();
  // 50 ms steps are far finer than any ring cadence and cost nothing.
  struct Tick {
    static void run(Phone* p) {
      const hal::Cadence& c = p->hw_.tones.ring.cadence;
      p->hw_.ringer->set(c.on_at(static_cast<std::uint32_t>(p->loop_.now() - p->bell_started_)));
      p->bell_timer_ = p->loop_.add_timer(50, [p] { run(p); });
    }
  };
  Tick::run(this);
}

}  // namespace dialtone::app
