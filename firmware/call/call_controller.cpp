#include "firmware/call/call_controller.hpp"

#include "firmware/core/log.hpp"

namespace dialtone::call {

void CallController::on_event(const Event& e) {
  Actions actions;
  machine_.step(e, actions);
  // Actions may feed events back (a failing media call); each runs to the end first.
  for (const Action& a : actions) run(a);
  media_.set_flow(machine_.sends_audio(), machine_.plays_audio());
}

void CallController::run(const Action& a) {
  using K = Action::Kind;
  switch (a.kind) {
    case K::kCreateOffer:
      if (!media_.create_offer(a.direction, a.ice_restart)) on_event(Event{.kind = Event::Kind::kMediaFailed});
      return;
    case K::kCreateAnswer:
      if (!media_.create_answer(a.sdp, a.direction)) {
        DT_LOGW("call", "call %u: the network's offer cannot be answered", machine_.id());
        on_event(Event{.kind = Event::Kind::kMediaFailed});
      }
      return;
    case K::kApplyAnswer:
      if (!media_.apply_answer(a.sdp)) {
        DT_LOGW("call", "call %u: the network's answer is unusable", machine_.id());
        on_event(Event{.kind = Event::Kind::kMediaFailed});
      }
      return;
    case K::kPostStart:
      net_.start(machine_.peer(), media_.local_sdp(), machine_.correlator());
      return;
    case K::kPost:
      net_.post(a.endpoint, a.call_id, a.local_sdp ? media_.local_sdp() : std::string_view{});
      return;
    case K::kEnd:
      net_.end(a.call_id, a.reason);
      return;
    case K::kCloseMedia:
      media_.close();
      return;
    case K::kTone:
      ui_.call_tone(a.tone);
      return;
    case K::kRinger:
      ui_.call_ringer(a.on);
      return;
    case K::kNotify:
      DT_LOGI("call", "call %u %s %s", machine_.id(), state_name(machine_.state()), machine_.reason().data());
      ui_.call_changed(machine_);
      return;
  }
}

}  // namespace dialtone::call
