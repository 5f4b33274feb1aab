// The account services' face towards the owner: the control socket commands
// of services.md (e911, recent_calls, alerts, click_to_call, and
// number_search / number_activate for getting a number) and the web page's
// actions. Commands it does not know go on to the phone's handler.
//
// Commands that need the platform are answered when its answer arrives (the
// control server's deferred replies); `status` and the page read the models
// the services keep up to date.
#pragma once
#include <cjson/cJSON.h>

#include <string_view>

#include "firmware/control/control_server.hpp"
#include "firmware/dialplan/dial_plan.hpp"
#include "firmware/services/jambonz_service.hpp"
#include "firmware/services/kazoo_service.hpp"
#include "firmware/web/account_actions.hpp"

namespace dialtone::services {

class AccountServices final : public control::CommandHandler, public web::AccountActions {
 public:
  // `kazoo` / `jambonz` null: that platform is not configured.
  AccountServices(control::CommandHandler& next, KazooService* kazoo, const status::KazooStatus* kazoo_model,
                  JambonzService* jambonz)
      : next_(next), kazoo_(kazoo), kazoo_model_(kazoo_model), jambonz_(jambonz) {}

  // Where deferred replies go (set once the server exists).
  void set_server(control::ControlServer* server) { server_ = server; }
  // Click-to-call's parties (services.md section 2): jambonz rings
  // `sip_user` ("username@realm") and shows `from` as the caller. Without
  // them (no SIP line) click_to_call answers not_configured.
  void set_click_to_call(std::string_view from, std::string_view sip_user);
  // The dial plan typed numbers are read with (the handset's, which may change).
  void set_dial_plan(const dialplan::DialPlan* const* plan) { plan_ = plan; }

  void on_command(std::string_view cmd, const cJSON* request, control::Reply& reply) override;

  bool set_e911(const protocol::kazoo::E911Address& address) override;
  bool want_calls_page(int page) override;
  bool search_numbers(std::string_view prefix, web::ActionError& why) override;
  bool activate_number(std::string_view number, web::ActionError& why) override;
  bool click_to_call_ready() const override;
  bool click_to_call(std::string_view typed, web::ActionError& why) override;

 private:
  void e911(const cJSON* req, control::Reply& reply);
  void recent_calls(const cJSON* req, control::Reply& reply);
  void alerts(control::Reply& reply);
  void click_to_call_cmd(const cJSON* req, control::Reply& reply);
  void number_search(const cJSON* req, control::Reply& reply);
  void number_activate(const cJSON* req, control::Reply& reply);
  // The number in E.164 and the request started; else `code` and `why`.
  bool start_click_to_call(std::string_view typed, std::string_view& code, web::ActionError& why,
                           JambonzService::Done done);
  void reply_e911(control::ReplyToken token, const KazooResult& r, bool update);
  void send(control::ReplyToken token, control::Reply& reply);
  void send_busy(control::ReplyToken token, std::string_view platform);

  control::CommandHandler& next_;
  KazooService* kazoo_;
  const status::KazooStatus* kazoo_model_;
  JambonzService* jambonz_;
  control::ControlServer* server_ = nullptr;
  FixedString<32> from_;
  FixedString<limits::kPeerMax> sip_user_;
  const dialplan::DialPlan* const* plan_ = nullptr;
};

// The address of a request or form: every field a string of at most
// kE911FieldMax bytes; street_address, locality, region and postal_code
// required. On failure `why` says which field.
bool read_e911_address(const cJSON* obj, protocol::kazoo::E911Address& out, std::string_view& why);

}  // namespace dialtone::services
