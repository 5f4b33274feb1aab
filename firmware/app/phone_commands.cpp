#include "firmware/app/phone_commands.hpp"

#include "firmware/core/json.hpp"

namespace dialtone::app {
namespace {

using call::State;

bool rings_here(const call::CallMachine* c) {
  return c && c->direction() == call::Direction::kIn && (c->state() == State::kRinging || c->state() == State::kWaiting);
}

}  // namespace

std::string_view PhoneCommands::outgoing_reason() const {
  const call::CallLine* l = calls_.line(calls_.outgoing_line());
  if (!l) return "no line is configured";
  return l->unavailable_reason();
}

void PhoneCommands::on_command(std::string_view cmd, const cJSON* req, control::Reply& reply) {
  if (cmd == "status") {
    JsonWriter& w = reply.ok();
    status_.write(w);
    w.end_object();
    return;
  }
  if (cmd == "hook") {
    auto state = json_string(req, "state");
    if (!state || (*state != "on" && *state != "off")) {
      reply.error("bad_request", "hook needs \"state\": \"on\" or \"off\"");
      return;
    }
    phone_.hook(*state == "off");
    reply.ok().end_object();
    return;
  }
  if (cmd == "key") return key(req, reply);
  if (cmd == "dial") return dial(req, reply);
  if (cmd == "answer" || cmd == "decline" || cmd == "hangup" || cmd == "hold" || cmd == "resume" || cmd == "dtmf")
    return call_command(cmd, req, reply);
  if (cmd == "unlink") {
    if (!unlink_ || !unlink_()) {
      reply.error("no_line", "no line is linked, so there is nothing to unlink");
      return;
    }
    reply.ok().end_object();
    return;
  }
  reply.error("unknown_command", "unknown command; see spec/device-control.md");
}

void PhoneCommands::key(const cJSON* req, control::Reply& reply) {
  auto k = json_string(req, "key");
  hal::Key key{};
  if (k && *k == "flash") key = hal::Key::kFlash;
  else if (k && *k == "hold") key = hal::Key::kHold;
  else if (!k || k->size() != 1 || !hal::key_from_char((*k)[0], key)) {
    reply.error("bad_request", "key must be one of 0-9, *, #, flash, hold");
    return;
  }
  phone_.key(key);
  reply.ok().end_object();
}

void PhoneCommands::dial(const cJSON* req, control::Reply& reply) {
  auto to = json_string(req, "to");
  if (!to || to->empty() || to->size() > limits::kDialDigitsMax) {
    reply.error("bad_request", "dial needs \"to\": a number of 1 to 32 digits");
    return;
  }
  const bool e164 = (*to)[0] == '+';
  std::string_view digits = e164 ? to->substr(1) : *to;
  for (char c : digits) {
    hal::Key k;
    if (!hal::key_from_char(c, k) || c == '#' || (e164 && (c < '0' || c > '9'))) {
      reply.error("bad_request", "\"to\" may contain only digits, * and a leading +");
      return;
    }
  }
  if (digits.empty()) {
    reply.error("bad_request", "dial needs \"to\": a number of 1 to 32 digits");
    return;
  }
  if (const call::CallMachine* c = calls_.foreground(); c && c->active()) {
    reply.error("in_call", "a call is in progress: hang up first (keys in a call are sent as DTMF)");
    return;
  }
  // Dial from a fresh dial tone: re-seize if the handset is already off
  // hook after an earlier call or a timeout.
  const handset::Handset& h = phone_.handset();
  if (h.off_hook() && h.phase() != handset::Phase::kDialTone) phone_.hook(false);
  if (!h.off_hook()) phone_.hook(true);
  if (e164) {
    phone_.place(*to, false);  // already E.164: no dial plan, no keypad
  } else {
    for (char c : digits) {
      hal::Key k;
      if (hal::key_from_char(c, k)) phone_.key(k);
    }
    // The dial plan may have placed the call at the last digit; '#' would
    // then be a DTMF digit in the call.
    if (h.phase() == handset::Phase::kCollecting) phone_.key(hal::Key::kHash);
  }
  if (std::string_view why = outgoing_reason(); !why.empty()) {
    reply.error("no_line", why);
    return;
  }
  reply.ok().end_object();
}

void PhoneCommands::call_command(std::string_view cmd, const cJSON* req, control::Reply& reply) {
  const call::CallMachine* c = calls_.foreground();
  const bool have = c && c->active();
  const auto no_call = [&] {
    // With no call at all, the line is usually why: say what is wrong with it.
    if (!calls_.any_active() && !outgoing_reason().empty()) reply.error("no_line", outgoing_reason());
    else reply.error("no_call", "there is no call in a state that allows this");
  };
  if (cmd == "answer") {
    if (calls_.has_waiting() && phone_.handset().off_hook()) {
      calls_.answer();  // in a call, the layer answers a waiting call as flash does
    } else {
      if (!rings_here(c) && !calls_.ringing()) return no_call();
      phone_.hook(true);  // answering is lifting the handset
    }
  } else if (cmd == "decline") {
    if (!rings_here(c) && !calls_.has_waiting()) return no_call();
    calls_.decline();
  } else if (cmd == "hangup") {
    if (!have) return no_call();
    calls_.hang_up();
  } else if (cmd == "hold") {
    if (!have || c->state() != State::kConnected) return no_call();
    calls_.hold();
  } else if (cmd == "resume") {
    if (!have || c->state() != State::kHeld) return no_call();
    calls_.resume();
  } else if (cmd == "dtmf") {
    auto digits = json_string(req, "digits");
    if (!digits || digits->empty()) {
      reply.error("bad_request", "dtmf needs \"digits\": 0-9, *, #, A-D");
      return;
    }
    if (!have || c->state() != State::kConnected) return no_call();
    for (char d : *digits) {
      if (!calls_.send_dtmf(d)) {
        reply.error("bad_request", "dtmf digits are 0-9, *, #, A-D");
        return;
      }
    }
  }
  reply.ok().end_object();
}

}  // namespace dialtone::app
