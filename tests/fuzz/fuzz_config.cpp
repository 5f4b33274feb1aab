// The configuration file (spec/device-control.md): parse_config() is what
// load_config() runs on the file's bytes. A refusal must name what is wrong.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/config/config.hpp"

using namespace dialtone::config;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Config config;  // tens of KB: keep it off the fuzzer's stack
  static ConfigError error;
  if (size > dialtone::limits::kConfigFileMax) return 0;  // load_config() reads no more
  std::string_view text(reinterpret_cast<const char*>(data), size);
  error = ConfigError{};
  if (!parse_config(text, config, error)) {
    if (error.message.empty()) __builtin_trap();
    return 0;
  }
  // Accepted: the required keys are there.
  if (config.board.empty() || config.state_dir.empty()) __builtin_trap();
  if (config.yna.present && (config.yna.auth_url.empty() || config.yna.client_id.empty())) __builtin_trap();
  // An accepted SIP line can be dialled: a host and port to send to, a user
  // and the name its digest answers carry.
  if (config.sip.present) {
    const SipServer& hop = config.sip.next_hop();
    if (hop.parts.host.empty() || hop.parts.port == 0 || config.sip.registrar.parts.port == 0) __builtin_trap();
    if (config.sip.username.empty() || config.sip.auth_username.empty()) __builtin_trap();
    if (hop.parts.sips && config.sip.transport != SipTransportKind::kTls) __builtin_trap();
    if (config.outgoing_line == LineKind::kNone) __builtin_trap();
  }
  if (config.outgoing_line == LineKind::kSip && !config.sip.present) __builtin_trap();
  if (config.outgoing_line == LineKind::kYna && !config.yna.present) __builtin_trap();
  return 0;
}
