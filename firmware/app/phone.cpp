#include "firmware/app/phone.hpp"

#include <cstdio>

#include "firmware/core/log.hpp"

namespace dialtone::app {


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

void Phone::on_audio_frame(std::span<const std::int16_t> captured, std::span<std::int16_t> playback) {
  if (media_audio_) media_audio_(captured, playback);
  tones_.mix_into(playback);
}

void Phone::attach_line(call::CallController* calls, call::CallMedia* media,
                        InplaceFunction<void(std::span<const std::int16_t>, std::span<std::int16_t>), 16> audio) {
  calls_ = calls;
  media_ = media;
  media_audio_ = std::move(audio);
}

void Phone::set_line_state(line::LineState s, std::string_view msisdn) {
  if (s == line_state_ && msisdn == msisdn_.view()) return;
  line_state_ = s;
  msisdn_.assign(msisdn);
  DT_LOGI("line", "%s %s", line::line_state_name(s), msisdn_.c_str());
  emit_line_event();
}

void Phone::emit_line_event() {
  char buf[256];
  JsonWriter w(buf);
  w.begin_object().string("event", "line").string("state", line::line_state_name(line_state_)).string("msisdn", msisdn_.view()).end_object();
  if (w.ok()) control_.broadcast(w.view());
}

void Phone::call_event(const call::Event& e) {
  if (!calls_) return;
  if (e.kind == call::Event::Kind::kInvitation && calls_->active()) {
    // One call at a time: a second caller hears busy (call waiting is not built).
    DT_LOGI("call", "second incoming call %.*s answered Busy", static_cast<int>(e.call_id.size()), e.call_id.data());
    return;  // the line adapter ends it with reason Busy
  }
  if (e.kind == call::Event::Kind::kInvitation) calls_->begin(next_call_id_++);
  calls_->on_event(e);
}

std::size_t Phone::describe_calls(std::span<std::string_view> out) {
  if (out.empty() || !calls_ || !calls_->active()) return 0;
  const call::CallMachine& c = calls_->machine();
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s %.*s %s", c.direction() == call::Direction::kOut ? "out" : "in",
                static_cast<int>(c.peer().size()), c.peer().data(), call::state_name(c.state()));
  call_line_.assign(buf);
  out[0] = call_line_.view();
  return 1;
}

void Phone::call_tone(handset::Tone t) {
  handset_.set_line_tone(t);
  after_handset_input();
}

void Phone::call_ringer(bool on) {
  ringer_on_ = on;
  handset_.ring(on);
  after_handset_input();
}

void Phone::call_changed(const call::CallMachine& c) {
  handset_.line_in_call(c.active());
  char buf[512];
  char id[16];
  std::snprintf(id, sizeof id, "%u", c.id());
  JsonWriter w(buf);
  w.begin_object()
      .string("event", "call")
      .string("id", id)
      .string("call_id", c.call_id())
      .string("direction", c.direction() == call::Direction::kOut ? "out" : "in")
      .string("peer", c.peer())
      .string("state", call::state_name(c.state()));
  if (!c.reason().empty()) w.string("reason", c.reason());
  if (!c.verification().empty()) w.string("verification", c.verification());
  w.end_object();
  if (w.ok()) control_.broadcast(w.view());
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
  if (hw_.ringer) {
    drive_bell(t == handset::Tone::kRing);
    if (t == handset::Tone::kRing) t = handset::Tone::kNone;
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
        if (calls_ && line_state_ == line::LineState::kRegistered && !calls_->active()) {
          calls_->begin(next_call_id_++);
          call::Event e{.kind = call::Event::Kind::kDial};
          e.number = a.number.view();
          calls_->on_event(e);
          break;
        }
        char msg[192];
        std::snprintf(msg, sizeof msg, "cannot call %s: %s", a.number.c_str(),
                      line_state_ == line::LineState::kRegistered ? "a call is already in progress"
                                                                  : line::line_unavailable_reason(line_state_));
        DT_LOGW("phone", "%s", msg);
        set_error(msg);
        handset_.call_refused(loop_.now());
        break;
      }
      case handset::ActionKind::kAnswer:
        if (calls_) calls_->on_event(call::Event{.kind = call::Event::Kind::kAnswer});
        break;
      case handset::ActionKind::kHangUp:
        if (calls_) calls_->on_event(call::Event{.kind = call::Event::Kind::kHangUp});
        break;
      case handset::ActionKind::kSendDigit:
        if (media_ && calls_ && calls_->machine().state() == call::State::kConnected) media_->send_dtmf(a.digit);
        break;
      case handset::ActionKind::kHold:
        if (calls_) {
          bool held = calls_->machine().state() == call::State::kHeld;
          calls_->on_event(call::Event{.kind = held ? call::Event::Kind::kResume : call::Event::Kind::kHold});
        }
        break;
      case handset::ActionKind::kFlash:
        break;  // call waiting is not built: flash has nothing to swap
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

void Phone::set_error(std::string_view msg) { last_error_.assign(msg); }

bool Phone::need_line(control::Reply& reply) {
  if (line_state_ == line::LineState::kRegistered) return true;
  reply.error("no_line", line::line_unavailable_reason(line_state_));
  return false;
}

void Phone::write_status(JsonWriter& w) {
  w.begin_object("line")
      .string("state", line::line_state_name(line_state_))
      .string("msisdn", msisdn_.view());
  if (line_state_ != line::LineState::kRegistered) w.string("reason", line::line_unavailable_reason(line_state_));
  w.end_object();
  w.begin_array("calls");
  if (calls_ && calls_->machine().state() != call::State::kIdle) {
    const call::CallMachine& c = calls_->machine();
    char id[16];
    std::snprintf(id, sizeof id, "%u", c.id());
    w.begin_object()
        .string("id", id)
        .string("call_id", c.call_id())
        .string("direction", c.direction() == call::Direction::kOut ? "out" : "in")
        .string("peer", c.peer())
        .string("state", call::state_name(c.state()))
        .string("reason", c.reason())
        .end_object();
  }
  w.end_array();
  w.begin_object("handset")
      .string("hook", handset_.off_hook() ? "off" : "on")
      .string("phase", handset::phase_name(handset_.phase()))
      .string("tone", handset::tone_name(tones_.playing()))
      .string("digits", handset_.digits())
      .end_object();
  w.string("last_error", last_error_.view());
}

bool Phone::call_command(std::string_view cmd, const cJSON* req, control::Reply& reply) {
  if (!calls_ || !calls_->active()) return false;
  const call::CallMachine& c = calls_->machine();
  using K = call::Event::Kind;
  if (cmd == "answer") {
    if (c.direction() != call::Direction::kIn || c.state() != call::State::kRinging) return false;
    hook(true);  // answering is lifting the handset
  } else if (cmd == "decline") {
    if (c.direction() != call::Direction::kIn || c.state() != call::State::kRinging) return false;
    calls_->on_event(call::Event{.kind = K::kDecline});
  } else if (cmd == "hangup") {
    calls_->on_event(call::Event{.kind = K::kHangUp});
  } else if (cmd == "hold") {
    if (c.state() != call::State::kConnected) return false;
    calls_->on_event(call::Event{.kind = K::kHold});
  } else if (cmd == "resume") {
    if (c.state() != call::State::kHeld) return false;
    calls_->on_event(call::Event{.kind = K::kResume});
  } else if (cmd == "dtmf") {
    auto digits = json_string(req, "digits");
    if (!digits || digits->empty()) {
      reply.error("bad_request", "dtmf needs \"digits\": 0-9, *, #, A-D");
      return true;
    }
    if (c.state() != call::State::kConnected || !media_) return false;
    for (char d : *digits) {
      if (!media_->send_dtmf(d)) {
        reply.error("bad_request", "dtmf digits are 0-9, *, #, A-D");
        return true;
      }
    }
  }
  reply.ok().end_object();
  return true;
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
    if (calls_ && calls_->active()) {
      reply.error("in_call", "a call is in progress: hang up first (keys in a call are sent as DTMF)");
      return;
    }
    // Dial from a fresh dial tone: re-seize if the handset is already off
    // hook after an earlier call or a timeout.
    if (handset_.off_hook() && handset_.phase() != handset::Phase::kDialTone) hook(false);
    if (!handset_.off_hook()) hook(true);
    for (char c : *to) {
      hal::Key k;
      if (hal::key_from_char(c, k)) key(k);
    }
    key(hal::Key::kHash);
    if (line_state_ != line::LineState::kRegistered) {
      reply.error("no_line", line::line_unavailable_reason(line_state_));
      return;
    }
    reply.ok().end_object();
    return;
  }
  if (cmd == "answer" || cmd == "decline" || cmd == "hangup" || cmd == "hold" || cmd == "resume" ||
      cmd == "dtmf") {
    if (!need_line(reply)) return;
    if (call_command(cmd, req, reply)) return;
    reply.error("no_call", "there is no call in a state that allows this");
    return;
  }
  if (cmd == "unlink") {
    if (!unlink_ || line_state_ == line::LineState::kUnlinked) {
      reply.error("no_line", "no line is linked, so there is nothing to unlink");
      return;
    }
    if (calls_ && calls_->active()) calls_->on_event(call::Event{.kind = call::Event::Kind::kHangUp});
    unlink_();
    reply.ok().end_object();
    return;
  }
  reply.error("unknown_command", "unknown command; see spec/device-control.md");
}

}  // namespace dialtone::app
