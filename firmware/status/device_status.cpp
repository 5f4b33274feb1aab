#include "firmware/status/device_status.hpp"

#include <cstdio>

#include "firmware/core/pool_gauge.hpp"
#include "firmware/core/process_memory.hpp"

namespace dialtone::status {

std::size_t DeviceStatus::add_line(std::string_view kind) {
  LineStatus l;
  l.kind.assign(kind);
  l.reason.assign(line_unavailable_reason(l.state));
  lines_.push_back(l);
  return lines_.size() - 1;
}

bool DeviceStatus::set_line(std::size_t i, LineState s, std::string_view address, std::string_view reason) {
  if (i >= lines_.size()) return false;
  LineStatus& l = lines_[i];
  if (reason.empty()) reason = line_unavailable_reason(s);
  if (l.state == s && l.address.view() == address && l.reason.view() == reason) return false;
  l.state = s;
  l.address.assign(address);
  l.reason.assign(reason);
  return true;
}

const LineStatus* DeviceStatus::line(std::string_view kind) const {
  for (const LineStatus& l : lines_)
    if (l.kind.view() == kind) return &l;
  return nullptr;
}

void DeviceStatus::add_error(std::string_view msg) {
  errors_[errors_next_].assign(msg);
  errors_next_ = (errors_next_ + 1) % kErrorsKept;
  if (errors_count_ < kErrorsKept) ++errors_count_;
}

std::size_t DeviceStatus::errors(std::span<std::string_view> out) const {
  std::size_t n = 0;
  for (; n < out.size() && n < errors_count_; ++n)
    out[n] = errors_[(errors_next_ + kErrorsKept - 1 - n) % kErrorsKept].view();
  return n;
}

void DeviceStatus::write_call(JsonWriter& w, const call::CallMachine& c, std::string_view line) {
  char id[16];
  std::snprintf(id, sizeof id, "%u", c.id());
  w.string("id", id)
      .string("line", line)
      .string("call_id", c.call_id())
      .string("direction", c.direction() == call::Direction::kOut ? "out" : "in")
      .string("peer", c.peer())
      .string("peer_name", c.peer_name())
      .string("state", call::state_name(c.state()))
      .string("reason", c.reason());
  if (!c.verification().empty()) w.string("verification", c.verification());
  if (c.emergency()) w.boolean("emergency", true);
}

void DeviceStatus::write_address(JsonWriter& w, std::string_view key, const E911Address& a) {
  w.begin_object(key);
  for (std::size_t i = 0; i < E911Address::kFields; ++i) w.string(E911Address::kNames[i], a.field(i).view());
  w.end_object();
}

void DeviceStatus::write_e911(JsonWriter& w, const KazooStatus& k) {
  w.string("status", k.e911_name());
  write_address(w, "address", k.address);
  if (!k.provisioned()) w.string("warning", kNoE911Warning);
  if (!k.error.empty()) w.string("error", k.error.view());
}

namespace {

void write_line(JsonWriter& w, const LineStatus& l) {
  w.string("line", l.kind.view())
      .string("state", line_state_name(l.state))
      .string("msisdn", l.address.view());
  if (!l.reason.empty()) w.string("reason", l.reason.view());
}

}  // namespace

void DeviceStatus::write(JsonWriter& w) const {
  if (!lines_.empty()) {
    w.begin_object("line");
    write_line(w, lines_[0]);
    w.end_object();
  } else {
    w.begin_object("line").string("state", "unlinked").string("msisdn", "")
        .string("reason", "no line is configured").end_object();
  }
  w.begin_array("lines");
  for (const LineStatus& l : lines_) {
    w.begin_object();
    write_line(w, l);
    w.end_object();
  }
  w.end_array();
  w.begin_array("calls");
  if (calls_) {
    for (std::size_t i = 0; i < calls_->slots(); ++i) {
      const call::CallMachine& c = calls_->slot(i);
      if (!c.active() && !(calls_->foreground() == &c && c.state() == call::State::kEnded)) continue;
      w.begin_object();
      write_call(w, c, calls_->line_name(i));
      w.end_object();
    }
  }
  w.end_array();
  if (handset_) {
    w.begin_object("handset")
        .string("hook", handset_->off_hook() ? "off" : "on")
        .string("phase", handset::phase_name(handset_->phase()))
        .string("tone", handset::tone_name(playing_))
        .string("digits", handset_->digits())
        .end_object();
  }
  if (dial_plan_) {
    w.begin_object("dial_plan")
        .string("source", dial_plan_->source_name())
        .string("country", dial_plan_->country.view())
        .number("rules", static_cast<std::int64_t>(dial_plan_->rules));
    if (!dial_plan_->problem.empty()) w.string("problem", dial_plan_->problem.view());
    w.end_object();
  }
  if (kazoo_) {
    w.begin_object("e911");
    write_e911(w, *kazoo_);
    w.end_object();
  }
  std::string_view errs[kErrorsKept];
  const std::size_t n = errors(errs);
  w.string("last_error", n ? errs[0] : std::string_view{});
  w.begin_array("errors");
  for (std::size_t i = 0; i < n; ++i) w.value_string(errs[i]);
  w.end_array();
  // Every fixed pool: how close the device runs to its limits.
  w.begin_object("pools");
  for (const PoolGauge* g : PoolGauge::all()) {
    w.begin_object(g->name())
        .number("capacity", static_cast<std::int64_t>(g->capacity()))
        .number("used", static_cast<std::int64_t>(g->used()))
        .number("high_water", static_cast<std::int64_t>(g->high_water()))
        .end_object();
  }
  w.end_object();
  const ProcessMemory mem = read_process_memory();
  w.begin_object("memory")
      .number("rss_kb", mem.rss_kb)
      .number("rss_anon_kb", mem.rss_anon_kb)
      .number("peak_rss_kb", mem.hwm_kb)
      .end_object();
}

}  // namespace dialtone::status
