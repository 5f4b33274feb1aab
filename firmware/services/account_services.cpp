#include "firmware/services/account_services.hpp"

#include "firmware/core/json.hpp"
#include "firmware/core/log.hpp"
#include "firmware/dialplan/classifier_plan.hpp"
#include "firmware/status/device_status.hpp"

namespace dialtone::services {

namespace kz = protocol::kazoo;

namespace {

// Deferred replies are built here, one at a time (single-threaded loop).
char g_reply[limits::kControlReplyMax];

void not_configured(control::Reply& reply, std::string_view platform) {
  FixedString<96> msg;
  msg.assign(platform);
  msg.append(" is not configured on this device");
  reply.error("not_configured", msg.view());
}

}  // namespace

bool read_e911_address(const cJSON* obj, kz::E911Address& out, std::string_view& why) {
  out = kz::E911Address{};
  if (!obj || !cJSON_IsObject(obj)) {
    why = "\"address\" must be an object {postal_code, street_address, extended_address, locality, region}";
    return false;
  }
  for (std::size_t i = 0; i < kz::E911Address::kFields; ++i) {
    const char* name = kz::E911Address::kNames[i];
    const cJSON* v = json_get(obj, name);
    if (v && !cJSON_IsString(v)) {
      why = "every address field must be a string";
      return false;
    }
    if (v && !out.field(i).assign(v->valuestring)) {
      why = "an address field is too long";
      return false;
    }
  }
  if (out.street_address.empty() || out.locality.empty() || out.region.empty() || out.postal_code.empty()) {
    why = "the address needs street_address, locality, region and postal_code";
    return false;
  }
  return true;
}

void AccountServices::on_command(std::string_view cmd, const cJSON* req, control::Reply& reply) {
  if (cmd == "e911") return e911(req, reply);
  if (cmd == "recent_calls") return recent_calls(req, reply);
  if (cmd == "alerts") return alerts(reply);
  if (cmd == "click_to_call") return click_to_call_cmd(req, reply);
  if (cmd == "number_search") return number_search(req, reply);
  if (cmd == "number_activate") return number_activate(req, reply);
  next_.on_command(cmd, req, reply);
}

void AccountServices::set_click_to_call(std::string_view from, std::string_view sip_user) {
  from_.assign(from);
  sip_user_.assign(sip_user);
}

bool AccountServices::click_to_call_ready() const {
  return jambonz_ && !sip_user_.empty() && !from_.empty();
}

bool AccountServices::start_click_to_call(std::string_view typed, std::string_view& code, web::ActionError& why,
                                          JambonzService::Done done) {
  if (!click_to_call_ready()) {
    code = "not_configured";
    why.assign(jambonz_ ? "click-to-call needs a SIP line for jambonz to ring, and this device has none"
                        : "jambonz is not configured on this device");
    return false;
  }
  dialplan::Number e164;
  dialplan::E164Error e = dialplan::to_e164(plan_ ? *plan_ : nullptr, typed, e164);
  if (e != dialplan::E164Error::kOk) {
    code = "bad_request";
    why.assign(dialplan::to_string(e));
    return false;
  }
  if (!jambonz_->click_to_call(e164.view(), from_.view(), sip_user_.view(), std::move(done))) {
    code = "busy";
    why.assign("click-to-call cannot start now (no click_to_call_app configured, or too many jambonz requests wait)");
    return false;
  }
  DT_LOGI("services", "click-to-call to %s requested", e164.c_str());
  return true;
}

void AccountServices::click_to_call_cmd(const cJSON* req, control::Reply& reply) {
  if (!server_) return not_configured(reply, "jambonz");
  auto to = json_string(req, "to");
  if (!to || to->empty()) {
    reply.error("bad_request", "click_to_call takes \"to\": the number to call");
    return;
  }
  control::ReplyToken token = reply.defer();
  std::string_view code;
  web::ActionError why;
  bool started = start_click_to_call(*to, code, why, [this, token](const JambonzResult& r) {
    control::Reply out(g_reply);
    if (!r.ok) out.error("service_error", r.error);
    else out.ok().string("sid", r.sid).end_object();
    send(token, out);
  });
  if (!started) {
    control::Reply out(g_reply);
    out.error(code, why.view());
    send(token, out);
  }
}

void AccountServices::number_search(const cJSON* req, control::Reply& reply) {
  if (!kazoo_ || !server_) return not_configured(reply, "Kazoo");
  auto prefix = json_string(req, "prefix");
  int quantity = static_cast<int>(json_int(req, "quantity").value_or(5));
  FixedString<limits::kUrlMax> probe;
  if (!prefix || !protocol::kazoo::search_path(*prefix, quantity, 0, probe)) {
    reply.error("bad_request", "number_search takes \"prefix\" (1 to 8 digits, e.g. an area code) and "
                               "\"quantity\" (1 to 10)");
    return;
  }
  control::ReplyToken token = reply.defer();
  bool started = kazoo_->search(*prefix, quantity, [this, token](const KazooResult& r) {
    control::Reply out(g_reply);
    if (r.kind != KazooResult::Kind::kOk) {
      out.error("service_error", r.message);
    } else {
      JsonWriter& w = out.ok();
      w.begin_array("numbers");
      for (const protocol::kazoo::FoundNumber& f : r.found) {
        w.begin_object()
            .string("number", f.number.view())
            .string("formatted_number", f.formatted_number.view())
            .string("rate_center", f.rate_center.view())
            .end_object();
      }
      w.end_array().end_object();
    }
    send(token, out);
  });
  if (!started) send_busy(token, "Kazoo");
}

void AccountServices::number_activate(const cJSON* req, control::Reply& reply) {
  if (!kazoo_ || !server_) return not_configured(reply, "Kazoo");
  auto number = json_string(req, "number");
  dialplan::Number e164;
  if (!number || dialplan::to_e164(nullptr, *number, e164) != dialplan::E164Error::kOk) {
    reply.error("bad_request", "number_activate takes \"number\": an E.164 number from number_search");
    return;
  }
  control::ReplyToken token = reply.defer();
  bool started = kazoo_->activate(e164.view(), [this, token](const KazooResult& r) {
    control::Reply out(g_reply);
    if (r.kind != KazooResult::Kind::kOk) out.error("number_unavailable", r.message);
    else out.ok().string("number", kazoo_model_->activate_number.view()).string("state", r.state).end_object();
    send(token, out);
  });
  if (!started) send_busy(token, "Kazoo");
}

void AccountServices::send(control::ReplyToken token, control::Reply& reply) {
  if (!server_) return;
  if (!reply.writer().ok()) reply.replace_with_error("internal", "reply too large");
  server_->complete(token, reply.writer().view());
}

void AccountServices::send_busy(control::ReplyToken token, std::string_view platform) {
  FixedString<96> msg;
  msg.assign("too many ");
  msg.append(platform);
  msg.append(" requests are waiting; try again");
  control::Reply busy(g_reply);
  busy.error("busy", msg.view());
  send(token, busy);
}

void AccountServices::e911(const cJSON* req, control::Reply& reply) {
  if (!kazoo_ || !server_) return not_configured(reply, "Kazoo");
  const cJSON* addr = json_get(req, "address");
  if (!addr) {
    // A fresh look, so the answer is what Kazoo holds now.
    control::ReplyToken token = reply.defer();
    if (!kazoo_->fetch([this, token](const KazooResult& r) { reply_e911(token, r, false); })) {
      send_busy(token, "Kazoo");
    }
    return;
  }
  kz::E911Address a;
  std::string_view why;
  if (!read_e911_address(addr, a, why)) {
    reply.error("bad_request", why);
    return;
  }
  control::ReplyToken token = reply.defer();
  if (!kazoo_->update_e911(a, [this, token](const KazooResult& r) { reply_e911(token, r, true); })) {
    send_busy(token, "Kazoo");
  }
}

void AccountServices::reply_e911(control::ReplyToken token, const KazooResult& r, bool update) {
  control::Reply reply(g_reply);
  switch (r.kind) {
    case KazooResult::Kind::kOk: {
      JsonWriter& w = reply.ok();
      if (!update) w.string("number", kazoo_model_->number.view());
      status::DeviceStatus::write_e911(w, *kazoo_model_);
      w.end_object();
      break;
    }
    case KazooResult::Kind::kInvalid: reply.error("invalid_address", r.message); break;
    case KazooResult::Kind::kMultipleChoice: {
      JsonWriter& w = reply.writer();
      w.begin_object().boolean("ok", false).begin_object("error").string("code", "multiple_choice");
      w.string("message", r.message).begin_array("choices");
      for (const kz::E911Address& a : r.choices) status::DeviceStatus::write_address(w, {}, a);
      w.end_array().end_object().end_object();
      break;
    }
    case KazooResult::Kind::kServiceError: reply.error("service_error", r.message); break;
  }
  send(token, reply);
}

void AccountServices::recent_calls(const cJSON* req, control::Reply& reply) {
  if (!jambonz_ || !server_) return not_configured(reply, "jambonz");
  protocol::jambonz::PageQuery q;
  const cJSON* page = json_get(req, "page");
  const cJSON* count = json_get(req, "count");
  if (page) q.page = static_cast<int>(json_int(req, "page").value_or(0));
  if (count) q.count = static_cast<int>(json_int(req, "count").value_or(0));
  if (!q.valid()) {
    reply.error("bad_request", "recent_calls takes \"page\" (from 1) and \"count\" (1 to 25)");
    return;
  }
  control::ReplyToken token = reply.defer();
  bool started = jambonz_->recent_calls(q, [this, token](const JambonzResult& r) {
    control::Reply out(g_reply);
    if (!r.ok || !r.calls) {
      out.error("service_error", r.error);
    } else {
      JsonWriter& w = out.ok();
      w.number("total", r.calls->total).number("page", r.calls->page).begin_array("calls");
      for (const protocol::jambonz::RecentCall& c : r.calls->calls) {
        w.begin_object()
            .string("call_sid", c.call_sid.view())
            .string("from", c.from.view())
            .string("to", c.to.view())
            .string("direction", c.direction.view())
            .boolean("answered", c.answered)
            .number("duration", c.duration)
            .number("attempted_at", c.attempted_at)
            .string("termination_reason", c.termination_reason.view())
            .end_object();
      }
      w.end_array().end_object();
    }
    send(token, out);
  });
  if (!started) {
    send_busy(token, "jambonz");
  }
}

void AccountServices::alerts(control::Reply& reply) {
  if (!jambonz_ || !server_) return not_configured(reply, "jambonz");
  control::ReplyToken token = reply.defer();
  bool started = jambonz_->alerts([this, token](const JambonzResult& r) {
    control::Reply out(g_reply);
    if (!r.ok || !r.alerts) {
      out.error("service_error", r.error);
    } else {
      JsonWriter& w = out.ok();
      w.begin_array("alerts");
      for (const protocol::jambonz::Alert& a : r.alerts->alerts) {
        w.begin_object()
            .string("time", a.time.view())
            .string("alert_type", a.alert_type.view())
            .string("message", a.message.view())
            .string("detail", a.detail.view())
            .end_object();
      }
      w.end_array().end_object();
    }
    send(token, out);
  });
  if (!started) {
    send_busy(token, "jambonz");
  }
}

bool AccountServices::set_e911(const kz::E911Address& address) {
  return kazoo_ && kazoo_->update_e911(address, nullptr);
}

bool AccountServices::search_numbers(std::string_view prefix, web::ActionError& why) {
  if (!kazoo_) {
    why.assign("Kazoo is not configured on this device");
    return false;
  }
  FixedString<limits::kUrlMax> probe;
  if (!protocol::kazoo::search_path(prefix, 5, 0, probe)) {
    why.assign("type an area code: 1 to 8 digits, e.g. 415");
    return false;
  }
  if (!kazoo_->search(prefix, 5, nullptr)) {
    why.assign("the phone is busy with Kazoo; try again in a moment");
    return false;
  }
  return true;
}

bool AccountServices::activate_number(std::string_view number, web::ActionError& why) {
  dialplan::Number e164;
  if (!kazoo_) {
    why.assign("Kazoo is not configured on this device");
    return false;
  }
  if (dialplan::to_e164(nullptr, number, e164) != dialplan::E164Error::kOk || !kazoo_->activate(e164.view(), nullptr)) {
    why.assign("the number cannot be activated now; try again in a moment");
    return false;
  }
  return true;
}

bool AccountServices::click_to_call(std::string_view typed, web::ActionError& why) {
  std::string_view code;
  return start_click_to_call(typed, code, why, nullptr);
}

bool AccountServices::want_calls_page(int page) {
  if (!jambonz_) return false;
  protocol::jambonz::PageQuery q;
  q.page = page;
  q.count = static_cast<int>(limits::kJambonzPageRows);
  return jambonz_->recent_calls(q, nullptr);
}

}  // namespace dialtone::services
