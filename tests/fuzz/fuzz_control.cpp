// The control socket's request path (spec/device-control.md) without a
// socket: the line framing of ControlServer::on_client() and the server's own
// answer_request() (JSON parse, "cmd", subscribe, the CommandHandler, the
// fallback for a reply too large), with a handler that reads its arguments
// the way the phone's does and echoes them back. Every reply must read back
// as one JSON object with "ok".
#include <cjson/cJSON.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/control/control_server.hpp"
#include "firmware/core/json.hpp"
#include "firmware/core/limits.hpp"

using namespace dialtone;
using namespace dialtone::control;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

class EchoHandler : public CommandHandler {
 public:
  void on_command(std::string_view cmd, const cJSON* req, Reply& reply) override {
    if (cmd == "status") {
      // Large replies: every string of the request, several times over, so
      // some outgrow the reply buffer.
      JsonWriter& w = reply.ok();
      w.begin_array("echo");
      const cJSON* item = nullptr;
      cJSON_ArrayForEach(item, req) {
        if (cJSON_IsString(item) && item->valuestring)
          for (int i = 0; i < 3; ++i) w.value_string(item->valuestring);
      }
      w.end_array();
      w.begin_object("handset").string("hook", "off").string("digits", cmd).end_object();
      w.end_object();
      return;
    }
    if (cmd == "hook") {
      auto state = json_string(req, "state");
      if (!state || (*state != "on" && *state != "off")) return reply.error("bad_request", "hook needs \"state\"");
      reply.ok().string("state", *state).end_object();
      return;
    }
    if (cmd == "key" || cmd == "dial" || cmd == "dtmf") {
      const char* arg = cmd == "key" ? "key" : cmd == "dial" ? "to" : "digits";
      auto v = json_string(req, arg);
      if (!v || v->empty() || v->size() > limits::kDialDigitsMax) return reply.error("bad_request", "bad argument");
      for (char c : *v)
        if (!((c >= '0' && c <= '9') || c == '*' || c == '#' || c == '+' || (c >= 'A' && c <= 'D')))
          return reply.error("bad_request", *v);  // echoes what was refused
      reply.ok().string(arg, *v).end_object();
      return;
    }
    if (cmd == "answer" || cmd == "hangup") {
      if (auto n = json_int(req, "line")) {
        reply.ok().number("line", *n).end_object();
        return;
      }
      reply.ok().end_object();
      return;
    }
    if (cmd == "silent") return;  // a handler that forgets to answer
    reply.error("unknown_command", cmd);
  }
};

// The server's own request handling (answer_request), minus the socket: the
// reply line that would be queued.
std::string_view handle_line(std::string_view line, std::span<char> out, bool& subscribed) {
  static EchoHandler handler;
  Reply reply(out);
  if (answer_request(line, handler, reply) == RequestOutcome::kSubscribe) subscribed = true;
  check(reply.writer().ok());
  return reply.writer().view();
}

void check_reply(std::string_view r) {
  check(!r.empty() && r.find('\n') == std::string_view::npos);  // one line on the socket
  JsonDocument doc(r);
  check(doc.ok() && cJSON_IsObject(doc.root()) && json_bool(doc.root(), "ok").has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::array<char, limits::kControlLineMax> in;
  static std::array<char, limits::kControlOutMax / 2> out;
  std::size_t in_len = 0;
  bool discarding = false;
  bool subscribed = false;
  for (std::size_t i = 0; i < size; ++i) {
    char ch = static_cast<char>(data[i]);
    if (ch == '\n') {
      if (discarding) {
        discarding = false;
      } else {
        std::string_view line(in.data(), in_len);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) check_reply(handle_line(line, out, subscribed));
      }
      in_len = 0;
      continue;
    }
    if (discarding) continue;
    if (in_len == in.size()) {
      discarding = true;  // answered with line_too_long, a constant
      in_len = 0;
      continue;
    }
    in[in_len++] = ch;
  }
  return 0;
}
