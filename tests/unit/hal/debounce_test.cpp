// The GPIO backend is a thin layer over this logic (no gpio-sim on the build
// machine), so the contract is tested here: timestamped raw edges in,
// debounced hook changes and key presses out.
#include "hal/debounce.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dialtone::hal {
namespace {

struct Recorder {
  std::string log;
  InputHandlers handlers() {
    InputHandlers h;
    h.on_hook = [this](bool off) { log += off ? "U" : "D"; };
    h.on_key = [this](Key k) { log += key_to_char(k); };
    return h;
  }
};

// Feeds `edges` (time, line, level) and polls at every deadline up to `end`,
// as the backend's timer would.
struct Edge {
  TimeMs t;
  std::size_t line;
  bool level;
};
void drive(HandsetDebounce& d, const InputHandlers& h, std::initializer_list<Edge> edges, TimeMs end) {
  for (const Edge& e : edges) {
    while (d.next_deadline() <= e.t) d.poll(d.next_deadline(), h);
    d.on_raw(e.line, e.t, e.level);
  }
  while (d.next_deadline() <= end) d.poll(d.next_deadline(), h);
}

TEST(Debouncer, BounceShorterThanTheWindowIsIgnored) {
  Debouncer d;
  d.reset(false, 25);
  d.on_raw(100, true);
  d.on_raw(110, false);  // bounced back within 25 ms
  EXPECT_EQ(d.next_deadline(), 135);
  EXPECT_FALSE(d.poll(134).has_value());
  EXPECT_FALSE(d.poll(135).has_value());  // settled where it started
  EXPECT_FALSE(d.stable());
  EXPECT_EQ(d.next_deadline(), kNever);
}

TEST(Debouncer, ChangeIsReportedOnceItHasSettled) {
  Debouncer d;
  d.reset(false, 20);
  d.on_raw(0, true);
  d.on_raw(3, false);
  d.on_raw(5, true);  // chatter, then closed
  EXPECT_FALSE(d.poll(24).has_value());
  auto v = d.poll(25);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(*v);
  EXPECT_FALSE(d.poll(1000).has_value());  // reported once
}

TEST(HandsetDebounce, LiftDialAndHangUpThroughBouncingContacts) {
  const Key keys[] = {Key::k1, Key::k2, Key::kHash};
  HandsetDebounce d;
  d.configure(keys, 25, false);
  Recorder r;
  const InputHandlers h = r.handlers();
  drive(d, h,
        {
            {1000, 0, true}, {1004, 0, false}, {1007, 0, true},  // lift, contact chatter
            {2000, 1, true}, {2002, 1, false}, {2003, 1, true},  // '1' pressed with bounce
            {2100, 1, false},                                    // released: not an event
            {2500, 3, true}, {2510, 3, false},                   // '#' tapped 10 ms: a glitch
            {3000, 2, true}, {3200, 2, false},                   // '2'
            {4000, 0, false}, {4010, 0, true}, {4012, 0, false}, // hang up with bounce
        },
        10000);
  EXPECT_EQ(r.log, "U12D");
  EXPECT_FALSE(d.off_hook());
}

TEST(HandsetDebounce, ReportsNothingUntilTheDeadline) {
  const Key keys[] = {Key::k5};
  HandsetDebounce d;
  d.configure(keys, 30, false);
  Recorder r;
  const InputHandlers h = r.handlers();
  d.on_raw(1, 100, true);
  d.on_raw(0, 110, true);
  EXPECT_EQ(d.next_deadline(), 130);
  d.poll(129, h);
  EXPECT_EQ(r.log, "");
  d.poll(130, h);
  EXPECT_EQ(r.log, "5");
  EXPECT_EQ(d.next_deadline(), 140);
  d.poll(140, h);
  EXPECT_EQ(r.log, "5U");
  d.on_raw(7, 200, true);  // a line that does not exist: ignored
  EXPECT_EQ(d.next_deadline(), kNever);
}

}  // namespace
}  // namespace dialtone::hal
