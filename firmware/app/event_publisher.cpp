#include "firmware/app/event_publisher.hpp"

#include <cstdio>

#include "firmware/core/json.hpp"
#include "firmware/core/log.hpp"

namespace dialtone::app {
namespace {

void send(control::ControlServer* control, const JsonWriter& w, const char* what) {
  if (!control) return;
  if (w.ok()) control->broadcast(w.view());
  else DT_LOGE("events", "%s event too large for its buffer: not sent", what);
}

}  // namespace

void EventPublisher::line(const status::LineStatus& l) {
  char buf[512];
  JsonWriter w(buf);
  w.begin_object()
      .string("event", "line")
      .string("line", l.kind.view())
      .string("state", status::line_state_name(l.state))
      .string("msisdn", l.address.view());
  if (!l.reason.empty()) w.string("reason", l.reason.view());
  w.end_object();
  send(control_, w, "line");
}

void EventPublisher::call(const call::CallMachine& c, std::string_view line) {
  char buf[1024];
  JsonWriter w(buf);
  w.begin_object().string("event", "call");
  status::DeviceStatus::write_call(w, c, line);
  w.end_object();
  send(control_, w, "call");
}

void EventPublisher::media(std::uint32_t call, const MediaFigures& f) {
  char id[16];
  std::snprintf(id, sizeof id, "%u", call);
  char buf[320];
  JsonWriter w(buf);
  w.begin_object()
      .string("event", "media")
      .string("id", id)
      .string("codec", f.codec)
      .number("rx_packets", static_cast<std::int64_t>(f.rx_packets))
      .number("lost", f.lost)
      .real("jitter_ms", f.jitter_ms)
      .number("rtt_ms", f.rtt_ms)
      .number("tx_packets", static_cast<std::int64_t>(f.tx_packets))
      .end_object();
  send(control_, w, "media");
}

void EventPublisher::dtmf(std::uint32_t call, char digit, std::string_view via) {
  char id[16];
  std::snprintf(id, sizeof id, "%u", call);
  const char d[2] = {digit, '\0'};
  char buf[128];
  JsonWriter w(buf);
  w.begin_object().string("event", "dtmf").string("id", id).string("digit", d).string("via", via).end_object();
  send(control_, w, "dtmf");
}

}  // namespace dialtone::app
