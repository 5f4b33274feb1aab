// The channel engine on virtual time: every timer path runs in microseconds.
#include "protocol/yna/channel_engine.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace dialtone;
using namespace dialtone::protocol::yna;

namespace {

struct Fx : ChannelEffects, NotificationObserver {
  int connects = 0, fetches = 0, pings = 0, drops = 0, changes = 0;
  std::vector<std::string> sent;
  std::vector<std::string> invitations, statuses;
  void channel_connect() override { ++connects; }
  void channel_fetch_status() override { ++fetches; }
  void channel_send_text(std::string_view t) override { sent.emplace_back(t); }
  void channel_send_ping() override { ++pings; }
  void channel_drop() override { ++drops; }
  void channel_changed() override { ++changes; }
  void on_invitation(const Notification& n) override { invitations.emplace_back(n.call_id); }
  void on_status(const Notification& n) override { statuses.emplace_back(std::string(n.call_id) + ":" + std::string(n.status)); }
};

std::string status_frame(int id, const char* status) {
  return R"({"notificationList":[{"sessionStatusNotification":{"status":")" + std::string(status) +
         R"(","callObjectRef":"https://h/calls/C1","notificationReference":{"notificationId":)" + std::to_string(id) +
         "}}}]}";
}

class ChannelTest : public ::testing::Test {
 protected:
  Fx fx;
  ChannelEngine ch{fx, ChannelTiming{30000, 10000}};
  TimeMs now = 1000;
  void SetUp() override {
    ch.set_observer(&fx);
    ch.start(now);
    ASSERT_EQ(fx.connects, 1);
    ch.on_open(now);
    ASSERT_TRUE(ch.up());
  }
  // Advance virtual time, waking the engine whenever it asked.
  void run_until(TimeMs t) {
    while (ch.next_wakeup() <= t) {
      now = std::max(now, ch.next_wakeup());
      ch.tick(now);
    }
    now = t;
  }
};

}  // namespace

TEST_F(ChannelTest, AcksEveryNotificationAndActsOnceOnDuplicates) {
  std::string f = status_frame(1001, "Ringing");
  ch.on_text(now, f);
  ch.on_text(now, f);  // redelivery
  ASSERT_EQ(fx.sent.size(), 2u);
  EXPECT_EQ(fx.sent[0], R"({"notificationAck":{"notificationId":1001}})");
  EXPECT_EQ(fx.sent[1], fx.sent[0]);
  ASSERT_EQ(fx.statuses.size(), 1u);
  EXPECT_EQ(fx.statuses[0], "C1:Ringing");
  EXPECT_EQ(ch.stats().duplicates, 1u);
}

TEST_F(ChannelTest, UnknownTypesAndBadNotificationsAreAckedNotActedOn) {
  ch.on_text(now, R"({"notificationList":[{"chatNotification":{"notificationReference":{"notificationId":5}}},
     {"sessionStatusNotification":{"status":42,"callObjectRef":12345,"notificationReference":{"notificationId":6}}}]})");
  EXPECT_EQ(fx.sent.size(), 2u);
  EXPECT_TRUE(fx.statuses.empty());
  ch.on_text(now, "this is {not JSON");
  ch.on_text(now, R"({"notificationList":"not-a-list"})");
  EXPECT_EQ(ch.stats().bad_frames, 2u);
  EXPECT_TRUE(ch.up()) << "bad frames are survived";
}

TEST_F(ChannelTest, RemembersAtLeast64Ids) {
  for (int i = 0; i < 64; ++i) ch.on_text(now, status_frame(2000 + i, "Ringing"));
  EXPECT_EQ(fx.statuses.size(), 64u);
  ch.on_text(now, status_frame(2000, "Ringing"));  // the oldest of the 64
  EXPECT_EQ(fx.statuses.size(), 64u);
  EXPECT_EQ(fx.sent.size(), 65u);
}

TEST_F(ChannelTest, PingsAndReconnectsAtOnceWithoutPong) {
  run_until(1000 + 30000);
  EXPECT_EQ(fx.pings, 1);
  ch.on_pong(now);
  run_until(1000 + 60000);
  EXPECT_EQ(fx.pings, 2);
  // No pong this time: dropped and reconnected as the timeout expires.
  run_until(1000 + 60000 + 9999);
  EXPECT_EQ(fx.drops, 0);
  run_until(1000 + 60000 + 10000);
  EXPECT_EQ(fx.drops, 1);
  EXPECT_EQ(fx.connects, 2);
  EXPECT_EQ(ch.state(), ChannelEngine::State::kConnecting);
  EXPECT_TRUE(ch.usable()) << "the first reconnect attempt keeps the line registered";
  EXPECT_EQ(ch.stats().pong_timeouts, 1u);
}

TEST_F(ChannelTest, CloseFromNetworkReconnectsAtOnceThenBacksOff) {
  ch.on_closed(now, 1012);
  EXPECT_EQ(fx.connects, 2);
  EXPECT_FALSE(ch.offline());
  // That attempt fails: offline, and back off 1 s, 2 s, 4 s ... (x0.8-1.2).
  ch.set_random(0x80000000u);
  ch.on_failed(now, ChannelFailure::kConnect, 0);
  EXPECT_TRUE(ch.offline());
  EXPECT_FALSE(ch.usable());
  EXPECT_EQ(ch.next_wakeup(), now + 1000);
  run_until(now + 1000);
  EXPECT_EQ(fx.connects, 3);
  ch.on_failed(now, ChannelFailure::kConnect, 0);
  EXPECT_EQ(ch.next_wakeup(), now + 2000);
  run_until(now + 2000);
  ch.on_failed(now, ChannelFailure::kConnect, 0);
  EXPECT_EQ(ch.next_wakeup(), now + 4000);
  for (int i = 0; i < 10; ++i) {
    run_until(ch.next_wakeup());
    ch.on_failed(now, ChannelFailure::kConnect, 0);
  }
  EXPECT_EQ(ch.next_wakeup(), now + 60000) << "capped at 60 s";
  run_until(ch.next_wakeup());
  ch.on_open(now);
  EXPECT_FALSE(ch.offline());
  EXPECT_TRUE(ch.up());
}

TEST_F(ChannelTest, JitterStaysWithinTwentyPercent) {
  ch.on_closed(now, 1001);
  ch.set_random(0);
  ch.on_failed(now, ChannelFailure::kConnect, 0);
  EXPECT_EQ(ch.next_wakeup(), now + 800);
  run_until(ch.next_wakeup());
  ch.set_random(0xffffffffu);
  ch.on_failed(now, ChannelFailure::kConnect, 0);
  EXPECT_GE(ch.next_wakeup(), now + 2398);
  EXPECT_LT(ch.next_wakeup(), now + 2400);
}

TEST_F(ChannelTest, OwnTooBigCloseReconnects) {
  ch.on_closed(now, 1009);
  EXPECT_EQ(fx.connects, 2);
  ch.on_open(now);
  EXPECT_TRUE(ch.up());
}

TEST_F(ChannelTest, RefusedUpgradeFetchesANewUrl) {
  for (int status : {401, 403, 404, 410}) {
    ch.on_closed(now, 1012);
    int fetches = fx.fetches;
    ch.on_failed(now, ChannelFailure::kUpgradeRefused, status);
    EXPECT_EQ(fx.fetches, fetches + 1) << status;
    EXPECT_EQ(ch.state(), ChannelEngine::State::kFetchingStatus);
    int connects = fx.connects;
    ch.on_new_url(now);
    EXPECT_EQ(fx.connects, connects + 1);
    ch.on_open(now);
  }
}

TEST_F(ChannelTest, FailedStatusFetchBacksOffThenFetchesAgain) {
  ch.on_closed(now, 1012);
  ch.on_failed(now, ChannelFailure::kUpgradeRefused, 410);
  EXPECT_EQ(fx.fetches, 1);
  ch.on_status_failed(now);
  EXPECT_TRUE(ch.offline());
  run_until(now + 120000);
  EXPECT_EQ(fx.fetches, 2);
  EXPECT_EQ(fx.connects, 2) << "a stale URL is not reused";
}

TEST_F(ChannelTest, OtherRefusalsBackOff) {
  ch.on_closed(now, 1012);
  ch.on_failed(now, ChannelFailure::kUpgradeRefused, 500);
  EXPECT_EQ(fx.fetches, 0);
  EXPECT_EQ(ch.state(), ChannelEngine::State::kBackoff);
}

TEST_F(ChannelTest, StopForgetsEverything) {
  ch.stop();
  EXPECT_EQ(ch.next_wakeup(), kNever);
  ch.on_closed(now, 1012);
  ch.on_text(now, status_frame(1, "Ringing"));
  EXPECT_EQ(fx.connects, 1);
  EXPECT_TRUE(fx.sent.empty());
}
