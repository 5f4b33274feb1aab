#include "firmware/call/call_layer.hpp"

#include "firmware/core/log.hpp"

namespace dialtone::call {
namespace {

using K = Event::Kind;

bool established(State s) { return s == State::kConnected || s == State::kHeld || s == State::kRemoteHeld; }

}  // namespace

std::uint8_t CallLayer::add_line(CallLine& line) {
  lines_.push_back(&line);
  return static_cast<std::uint8_t>(lines_.size() - 1);
}

// ---- inputs -----------------------------------------------------------------

bool CallLayer::dial(std::uint8_t line, std::string_view number, bool emergency,
                     FixedString<limits::kCallReasonMax>& why) {
  why.clear();
  CallLine* l = this->line(line);
  if (!l) {
    why.assign("no line is configured");
    if (!emergency) return false;
  } else if (!l->unavailable_reason().empty()) {
    why.assign(l->unavailable_reason());
    if (!emergency) return false;
  }
  if ((fg_ >= 0 && slots_[fg_].call.active()) || free_slot() < 0) {
    why.assign("a call is already in progress");
    return false;
  }
  if (!l) return false;  // an emergency number with no line at all: nothing to place it on
  FixedString<limits::kCallReasonMax> ended;
  if (!why.empty()) {
    ended.assign("line unavailable: ");
    ended.append(why.view());
  }
  Input in{.source = Source::kPerson, .line = line};
  in.event = Event{.kind = K::kDial, .number = number, .reason = ended.view(), .emergency = emergency};
  post(in);
  return true;
}

void CallLayer::answer() { post(Input{.source = Source::kPerson, .event = {.kind = K::kAnswer}}); }
void CallLayer::decline() { post(Input{.source = Source::kPerson, .event = {.kind = K::kDecline}}); }
void CallLayer::hang_up() { post(Input{.source = Source::kPerson, .event = {.kind = K::kHangUp}}); }
void CallLayer::hold() { post(Input{.source = Source::kPerson, .event = {.kind = K::kHold}}); }
void CallLayer::resume() { post(Input{.source = Source::kPerson, .event = {.kind = K::kResume}}); }
void CallLayer::flash() { post(Input{.source = Source::kLayer, .command = LayerCommand::kFlash}); }
void CallLayer::end_all() { post(Input{.source = Source::kLayer, .command = LayerCommand::kEndAll}); }

void CallLayer::from_line(std::uint8_t line, std::uint32_t device_id, const Event& e) {
  post(Input{.source = Source::kLine, .line = line, .device_id = device_id, .event = e});
}

void CallLayer::from_media(std::uint8_t slot, const Event& e) {
  post(Input{.source = Source::kMedia, .slot = slot, .event = e});
}

bool CallLayer::send_dtmf(char digit) {
  const CallMachine* c = foreground();
  if (!c || c->state() != State::kConnected) return false;
  return media_[fg_] && media_[fg_]->send_dtmf(digit);
}

void CallLayer::post(const Input& in) {
  if (!queue_.push(in)) {
    DT_LOGE("call", "input %s dropped: %zu inputs already queued", event_name(in.event.kind), queue_.size());
    return;
  }
  if (!draining_) drain();
}

void CallLayer::drain() {
  draining_ = true;
  while (const Input* in = queue_.front()) {
    handle(*in);
    queue_.pop();
    settle_flows();
  }
  draining_ = false;
  if (ui_) ui_->calls_settled();
}

void CallLayer::handle(const Input& in) {
  switch (in.source) {
    case Source::kPerson:
      person(in);
      return;
    case Source::kLayer:
      layer_command(in.command);
      return;
    case Source::kMedia:
      if (in.slot < limits::kMaxCalls && slots_[in.slot].call.active()) step(in.slot, in.event);
      return;
    case Source::kLine: {
      if (in.event.kind == K::kIncoming) {
        incoming(in);
        return;
      }
      int s = in.device_id ? find_by_device_id(in.device_id) : find_by_call_id(in.line, in.event.call_id);
      if (s < 0) {
        DT_LOGW("call", "%s for call %.*s, which is not ours: ignored", event_name(in.event.kind),
                static_cast<int>(in.event.call_id.size()), in.event.call_id.data());
        return;
      }
      step(static_cast<std::size_t>(s), in.event);
      return;
    }
  }
}

// ---- the person's inputs, and the policy between two calls ---------------------

void CallLayer::person(const Input& in) {
  const Event& e = in.event;
  switch (e.kind) {
    case K::kDial: {
      int s = free_slot();
      if (s < 0) return;
      fg_ = s;
      Slot& slot = slots_[s];
      slot.call.reset(next_id_++);
      slot.line = in.line;
      slot.dialled.assign(e.number);
      step(static_cast<std::size_t>(s), e);
      return;
    }
    case K::kAnswer: {
      const int w = waiting_slot();
      if (recall_) {
        // Lifting the handset after a recall picks up the call that rang back.
        recall_ = false;
        if (w >= 0) {
          fg_ = w;
          step(static_cast<std::size_t>(w), e);
        } else if (int h = other_active(); h >= 0) {
          fg_ = h;
          step(static_cast<std::size_t>(h), Event{.kind = K::kResume});
        }
        return;
      }
      if (const CallMachine* c = foreground(); c && c->rings()) {
        step(static_cast<std::size_t>(fg_), e);
      } else if (w >= 0 && c && c->active()) {
        layer_command(LayerCommand::kFlash);  // answering in a call is what flash does
      } else if (w >= 0) {
        fg_ = w;
        step(static_cast<std::size_t>(w), e);
      }
      return;
    }
    case K::kDecline: {
      const CallMachine* c = foreground();
      if (c && c->rings()) step(static_cast<std::size_t>(fg_), e);
      else if (int w = waiting_slot(); w >= 0) step(static_cast<std::size_t>(w), e);
      return;
    }
    case K::kHangUp: {
      recall_ = false;
      if (fg_ >= 0 && slots_[fg_].call.active()) step(static_cast<std::size_t>(fg_), e);
      const int other = other_active();
      fg_ = -1;
      // Hanging up with a call on hold or waiting: the phone rings it back.
      if (other >= 0) {
        recall_ = true;
        DT_LOGI("call", "call %u is still %s: ringing the phone back", slots_[other].call.id(),
                state_name(slots_[other].call.state()));
      }
      return;
    }
    case K::kHold:
      if (fg_ >= 0) step(static_cast<std::size_t>(fg_), e);
      return;
    case K::kResume:
      if (fg_ >= 0 && slots_[fg_].call.state() == State::kHeld) {
        step(static_cast<std::size_t>(fg_), e);
      } else if (int h = other_active(); h >= 0 && slots_[h].call.state() == State::kHeld &&
                                            !(fg_ >= 0 && slots_[fg_].call.active())) {
        fg_ = h;
        step(static_cast<std::size_t>(h), e);
      }
      return;
    default:
      return;
  }
}

void CallLayer::layer_command(LayerCommand c) {
  switch (c) {
    case LayerCommand::kNone:
      return;
    case LayerCommand::kEndAll:
      recall_ = false;
      for (std::size_t i = 0; i < limits::kMaxCalls; ++i)
        if (slots_[i].call.active()) step(i, Event{.kind = K::kHangUp});
      return;
    case LayerCommand::kFlash: {
      const bool fg_talking = fg_ >= 0 && slots_[fg_].call.state() == State::kConnected;
      int next = waiting_slot();
      Event::Kind how = K::kAnswer;
      if (next < 0) {
        next = other_active();
        how = K::kResume;
        if (next < 0 || slots_[next].call.state() != State::kHeld) return;  // nothing to swap with
      }
      if (fg_talking) step(static_cast<std::size_t>(fg_), Event{.kind = K::kHold});
      fg_ = next;
      step(static_cast<std::size_t>(next), Event{.kind = how});
      return;
    }
  }
}

void CallLayer::incoming(const Input& in) {
  const Event& e = in.event;
  CallLine* l = line(in.line);
  if (!l) return;
  bool talking = false;
  for (const Slot& s : slots_) talking = talking || established(s.call.state()) || s.call.state() == State::kAnswering;
  const int free = free_slot();
  int slot = -1;
  bool waiting = false;
  if (!any_active()) {
    slot = free;
  } else if (call_waiting_ && talking && free >= 0 && waiting_slot() < 0) {
    slot = free;
    waiting = true;
  }
  if (slot < 0) {
    DT_LOGI("call", "incoming call %.*s while busy: refused with Busy", static_cast<int>(e.call_id.size()),
            e.call_id.data());
    l->refuse(e.call_id, EndReason::kBusy);
    return;
  }
  Slot& s = slots_[slot];
  s.call.reset(next_id_++);
  s.line = in.line;
  s.dialled.clear();
  if (!waiting) {
    fg_ = slot;
    recall_ = false;
  }
  Event ev = e;
  ev.waiting = waiting;
  step(static_cast<std::size_t>(slot), ev);
}

// ---- one call -------------------------------------------------------------------

void CallLayer::step(std::size_t slot, const Event& e) {
  Actions actions;
  CallMachine& c = slots_[slot].call;
  const State before = c.state();
  if (!c.step(e, actions)) {
    DT_LOGD("call", "call %u: %s ignored in state %s", c.id(), event_name(e.kind), state_name(before));
    return;
  }
  for (const Action& a : actions) run(slot, a);
}

void CallLayer::run(std::size_t slot, const Action& a) {
  Slot& s = slots_[slot];
  const CallMachine& c = s.call;
  CallMedia* m = media_[slot];
  CallLine* l = line(s.line);
  using A = Action::Kind;
  const auto media_failed = [&](const char* what) {
    DT_LOGW("call", "call %u: %s", c.id(), what);
    from_media(static_cast<std::uint8_t>(slot), Event{.kind = K::kMediaFailed});
  };
  switch (a.kind) {
    case A::kCreateOffer:
      if (!m || !m->create_offer(a.direction, a.ice_restart)) media_failed("no offer could be made");
      return;
    case A::kCreateAnswer:
      if (!m || !m->create_answer(a.sdp, a.direction)) media_failed("the far end's offer cannot be answered");
      return;
    case A::kApplyAnswer:
      if (!m || !m->apply_answer(a.sdp)) media_failed("the far end's answer is unusable");
      return;
    case A::kPlace:
      if (l) l->place(c, s.dialled.view(), m ? m->local_sdp() : std::string_view{});
      return;
    case A::kAlert:
      if (l) l->alert(c);
      return;
    case A::kSendAnswer:
      if (l) l->send_answer(c, m ? m->local_sdp() : std::string_view{});
      return;
    case A::kSendOffer:
      if (l) l->send_offer(c, a.offer, m ? m->local_sdp() : std::string_view{});
      return;
    case A::kSendOfferAnswer:
      if (l) l->send_offer_answer(c, a.remote, m ? m->local_sdp() : std::string_view{});
      return;
    case A::kEnd:
      if (l) l->end(c, a.end_reason);
      return;
    case A::kCloseMedia:
      if (m) m->close();
      return;
    case A::kNotify:
      DT_LOGI("call", "call %u %s%s%.*s", c.id(), state_name(c.state()), c.reason().empty() ? "" : " ",
              static_cast<int>(c.reason().size()), c.reason().data());
      if (ui_) ui_->call_changed(c, l ? l->name() : std::string_view{});
      return;
  }
}

void CallLayer::settle_flows() {
  // Only the call in the person's ear hears the microphone and reaches the
  // earpiece; the other one (held, waiting) is silent both ways.
  for (std::size_t i = 0; i < limits::kMaxCalls; ++i) {
    if (!media_[i]) continue;
    const CallMachine& c = slots_[i].call;
    const bool mine = static_cast<int>(i) == fg_;
    media_[i]->set_flow(mine && c.sends_audio(), mine && c.plays_audio());
  }
}

// ---- views ------------------------------------------------------------------------

const CallMachine* CallLayer::foreground() const { return fg_ >= 0 ? &slots_[fg_].call : nullptr; }

std::string_view CallLayer::line_name(std::size_t slot) const {
  CallLine* l = slot < limits::kMaxCalls ? line(slots_[slot].line) : nullptr;
  return l ? l->name() : std::string_view{};
}

bool CallLayer::any_active() const {
  for (const Slot& s : slots_)
    if (s.call.active()) return true;
  return false;
}

handset::Tone CallLayer::tone() const {
  const CallMachine* c = foreground();
  if (!c || c->state() == State::kIdle) return handset::Tone::kNone;
  if (c->state() == State::kConnected && has_waiting()) return handset::Tone::kCallWaiting;
  return c->tone();
}

bool CallLayer::ringing() const {
  const CallMachine* c = foreground();
  return (recall_ && any_active()) || (c && c->rings());
}

int CallLayer::find_by_call_id(std::uint8_t line, std::string_view call_id) const {
  if (call_id.empty()) return -1;
  for (std::size_t i = 0; i < limits::kMaxCalls; ++i)
    if (slots_[i].line == line && slots_[i].call.active() && slots_[i].call.call_id() == call_id)
      return static_cast<int>(i);
  return -1;
}

int CallLayer::find_by_device_id(std::uint32_t id) const {
  for (std::size_t i = 0; i < limits::kMaxCalls; ++i)
    if (slots_[i].call.id() == id && slots_[i].call.active()) return static_cast<int>(i);
  return -1;
}

int CallLayer::free_slot() const {
  // The foreground slot last: its ended call's tone plays until on-hook.
  for (std::size_t i = 0; i < limits::kMaxCalls; ++i)
    if (!slots_[i].call.active() && static_cast<int>(i) != fg_) return static_cast<int>(i);
  if (fg_ >= 0 && !slots_[fg_].call.active()) return fg_;
  return -1;
}

int CallLayer::waiting_slot() const {
  for (std::size_t i = 0; i < limits::kMaxCalls; ++i)
    if (slots_[i].call.state() == State::kWaiting) return static_cast<int>(i);
  return -1;
}

int CallLayer::other_active() const {
  for (std::size_t i = 0; i < limits::kMaxCalls; ++i)
    if (static_cast<int>(i) != fg_ && slots_[i].call.active())
      return static_cast<int>(i);
  return -1;
}

}  // namespace dialtone::call
