#include "firmware/control/control_server.hpp"
#include "firmware/core/json.hpp"

namespace dialtone::control {
namespace {

bool blank(std::string_view line) {
  for (char ch : line)
    if (ch != ' ' && ch != '\t' && ch != '\r') return false;
  return true;
}

}  // namespace

RequestOutcome answer_request(std::string_view line, CommandHandler& handler, Reply& reply) {
  RequestOutcome outcome = RequestOutcome::kAnswered;
  if (blank(line)) {
    reply.error("malformed", "empty request: send one JSON object per line");
  } else {
    JsonDocument doc(line);
    const cJSON* root = doc.root();
    if (!doc.ok() || !cJSON_IsObject(root)) {
      reply.error("malformed", "request must be one JSON object per line");
    } else if (auto cmd = json_string(root, "cmd"); !cmd) {
      reply.error("malformed", "request needs a string \"cmd\"");
    } else if (*cmd == "subscribe") {
      outcome = RequestOutcome::kSubscribe;
      reply.ok().end_object();
    } else {
      handler.on_command(*cmd, root, reply);
      if (reply.deferred()) return RequestOutcome::kDeferred;
      if (!reply.answered()) reply.error("internal", "command produced no reply");
    }
  }
  if (!reply.writer().ok()) reply.replace_with_error("internal", "reply too large");
  return outcome;
}

}  // namespace dialtone::control
