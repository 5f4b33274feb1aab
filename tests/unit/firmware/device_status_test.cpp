// The device status model as `status` writes it: lines, pools and memory.
#include "firmware/status/device_status.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/process_memory.hpp"

namespace dialtone::status {
namespace {

std::string written(const DeviceStatus& s) {
  static char buf[16 * 1024];
  JsonWriter w(buf);
  w.begin_object();
  s.write(w);
  w.end_object();
  EXPECT_TRUE(w.ok());
  return std::string(w.view());
}

TEST(DeviceStatus, ListsEveryLineWithItsReason) {
  DeviceStatus s;
  std::size_t yna = s.add_line("yna");
  s.set_line(yna, LineState::kOffline, "+14255550100", "cannot reach the network");
  std::string j = written(s);
  EXPECT_NE(j.find("\"lines\":[{\"line\":\"yna\",\"state\":\"offline\""), std::string::npos) << j;
  EXPECT_NE(j.find("cannot reach the network"), std::string::npos);
  EXPECT_FALSE(s.set_line(yna, LineState::kOffline, "+14255550100", "cannot reach the network"))
      << "nothing changed: no event";
}

TEST(DeviceStatus, ReportsEveryPoolAndTheProcessMemory) {
  EventLoop loop;
  TimerId t = loop.add_timer(1000, [] {});
  DeviceStatus s;
  std::string j = written(s);
  EXPECT_NE(j.find("\"loop_timers\":{\"capacity\":64,\"used\":1,\"high_water\":1}"), std::string::npos) << j;
  EXPECT_NE(j.find("\"loop_fds\""), std::string::npos);
  loop.cancel_timer(t);
  j = written(s);
  EXPECT_NE(j.find("\"loop_timers\":{\"capacity\":64,\"used\":0,\"high_water\":1}"), std::string::npos) << j;
  ProcessMemory m = read_process_memory();
  EXPECT_GT(m.rss_kb, 0);
  EXPECT_GT(m.rss_anon_kb, 0);
  EXPECT_GE(m.hwm_kb, m.rss_kb);
  EXPECT_NE(j.find("\"memory\":{\"rss_kb\":"), std::string::npos);
}

TEST(DeviceStatus, ErrorsNewestFirst) {
  DeviceStatus s;
  for (int i = 0; i < 10; ++i) {
    char msg[8];
    std::snprintf(msg, sizeof msg, "e%d", i);
    s.add_error(msg);
  }
  std::string_view out[DeviceStatus::kErrorsKept];
  ASSERT_EQ(s.errors(out), DeviceStatus::kErrorsKept);
  EXPECT_EQ(out[0], "e9");
  EXPECT_EQ(out[DeviceStatus::kErrorsKept - 1], "e2");
}

}  // namespace
}  // namespace dialtone::status
