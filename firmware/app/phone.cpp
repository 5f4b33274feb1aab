#include "firmware/app/phone.hpp"

#include <cstdio>

#include "firmware/core/log.hpp"

namespace dialtone::app {

namespace {
constexpr const char* kNoLineMessage = "no line is linked: open the local web page and choose Link";
}

Phone::Phone(EventLoop& loop, PhoneHardware hw)
    : loop_(loop),
      hw_(hw),
      handset_(hw.tones.timing),
      tones_(hw.tones, hw.audio.sample_rate()),
      control_(loop, *this) {}

bool Phone::start(const char* control_socket_path) {
  if (!control_.start(control_socket_path)) return false;
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
  return true;
}

void Phone::stop() {
  hw_.audio.stop();
  if (hw_.input) hw_.input->stop();
  control_.stop();
  loop_.cancel_timer(handset_timer_);
}

void Phone::on_audio_frame(std::span<const std::int16_t>, std::span<std::int16_t> playback) {
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

void Phone::after_handset_input() {
  run_actions();
  // Bring the outputs in line with the handset's state.
  handset::Tone t = handset_.tone();
  if (t == handset::Tone::kRing && hw_.ringer) {
    hw_.ringer->set(true);
    t = handset::Tone::kNone;
  } else if (hw_.ringer) {
    hw_.ringer->set(false);
  }
  if (t != tones_.playing()) DT_LOGI("handset", "tone %s", handset::tone_name(t));
  tones_.play(t);
  arm_handset_timer();
}

void Phone::run_actions() {
  auto& actions = handset_.actions();
  for (const handset::Action& a : actions) {
    switch (a.kind) {
      case handset::ActionKind::kPlaceCall: {
        char msg[192];
        std::snprintf(msg, sizeof msg, "cannot call %s: %s", a.number.c_str(), kNoLineMessage);
        DT_LOGW("phone", "%s", msg);
        set_error(msg);
        handset_.call_refused(loop_.now());
        break;
      }
      case handset::ActionKind::kAnswer:
      case handset::ActionKind::kHangUp:
      case handset::ActionKind::kSendDigit:
      case handset::ActionKind::kFlash:
      case handset::ActionKind::kHold:
        break;  // nothing to do without a line
    }
  }
  actions.clear();
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

void Phone::set_error(std::string_view msg) { last_error_.assign(msg); }

bool Phone::need_line(control::Reply& reply) {
  if (line_state_ == line::LineState::kRegistered) return true;
  reply.error("no_line", kNoLineMessage);
  return false;
}

void Phone::write_status(JsonWriter& w) {
  w.begin_object("line")
      .string("state", line::line_state_name(line_state_))
      .string("msisdn", msisdn_.view());
  if (line_state_ != line::LineState::kRegistered) w.string("reason", kNoLineMessage);
  w.end_object();
  w.begin_array("calls").end_array();
  w.begin_object("handset")
      .string("hook", handset_.off_hook() ? "off" : "on")
      .string("phase", handset::phase_name(handset_.phase()))
      .string("tone", handset::tone_name(tones_.playing()))
      .string("digits", handset_.digits())
      .end_object();
  w.string("last_error", last_error_.view());
}

void Phone::on_command(std::string_view cmd, const cJSON* req, control::Reply& reply) {
  if (cmd == "status") {
    JsonWriter& w = reply.ok();
    write_status(w);
    w.end_object();
    return;
  }
  if (cmd == "hook") {
    auto state = json_string(req, "state");
    if (!state || (*state != "on" && *state != "off")) {
      reply.error("bad_request", "hook needs \"state\": \"on\" or \"off\"");
      return;
    }
    hook(*state == "off");
    reply.ok().end_object();
    return;
  }
  if (cmd == "key") {
    auto k = json_string(req, "key");
    hal::Key key{};
    if (k && *k == "flash") key = hal::Key::kFlash;
    else if (k && *k == "hold") key = hal::Key::kHold;
    else if (!k || k->size() != 1 || !hal::key_from_char((*k)[0], key)) {
      reply.error("bad_request", "key must be one of 0-9, *, #, flash, hold");
      return;
    }
    this->key(key);
    reply.ok().end_object();
    return;
  }
  if (cmd == "dial") {
    auto to = json_string(req, "to");
    if (!to || to->empty() || to->size() > limits::kDialDigitsMax) {
      reply.error("bad_request", "dial needs \"to\": a number of 1 to 32 digits");
      return;
    }
    for (char c : *to) {
      hal::Key k;
      if (c == '+' || !hal::key_from_char(c, k) || c == '#') {
        if (c == '+') continue;  // E.164 prefix: the line adds it
        reply.error("bad_request", "\"to\" may contain only digits, * and a leading +");
        return;
      }
    }
    if (!handset_.off_hook()) hook(true);
    for (char c : *to) {
      hal::Key k;
      if (hal::key_from_char(c, k)) key(k);
    }
    key(hal::Key::kHash);
    if (line_state_ != line::LineState::kRegistered) {
      reply.error("no_line", kNoLineMessage);
      return;
    }
    reply.ok().end_object();
    return;
  }
  if (cmd == "answer" || cmd == "decline" || cmd == "hangup" || cmd == "hold" || cmd == "resume" ||
      cmd == "dtmf" || cmd == "unlink") {
    if (!need_line(reply)) return;
    reply.error("no_call", "there is no call");
    return;
  }
  reply.error("unknown_command", "unknown command; see spec/device-control.md");
}

}  // namespace dialtone::app
