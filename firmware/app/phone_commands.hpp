// The control socket's commands (device-control.md), carried out on the
// phone (hook, keys, dialling), the call layer (answer, hold, DTMF ...) and
// the device status (status); unlink through the one unlink path the web
// page uses too.
#pragma once
#include <string_view>

#include "firmware/app/phone.hpp"
#include "firmware/call/call_layer.hpp"
#include "firmware/control/control_server.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/status/device_status.hpp"

namespace dialtone::app {

class PhoneCommands final : public control::CommandHandler {
 public:
  PhoneCommands(Phone& phone, call::CallLayer& calls, const status::DeviceStatus& status)
      : phone_(phone), calls_(calls), status_(status) {}

  // What {"cmd":"unlink"} does; unset: there is no line to unlink.
  void set_unlink(InplaceFunction<bool(), 16> unlink) { unlink_ = std::move(unlink); }

  void on_command(std::string_view cmd, const cJSON* request, control::Reply& reply) override;

 private:
  void dial(const cJSON* req, control::Reply& reply);
  void key(const cJSON* req, control::Reply& reply);
  void call_command(std::string_view cmd, const cJSON* req, control::Reply& reply);
  std::string_view outgoing_reason() const;

  Phone& phone_;
  call::CallLayer& calls_;
  const status::DeviceStatus& status_;
  InplaceFunction<bool(), 16> unlink_;
};

}  // namespace dialtone::app
