// Two of our ICE agents on 127.0.0.1, one controlling, one controlled, on one
// GLib context pumped by our EventLoop. Runs inside a private network
// namespace (see CMakeLists.txt).
#include "media/ice/ice_agent.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/media/media_net_test_util.hpp"

namespace dialtone::media {
namespace {

struct Side {
  explicit Side(GMainContext* ctx) : agent(ctx) {}
  IceAgent agent;
  int gathered = 0;
  bool failed = false;
  std::vector<std::string> received;

  bool start(bool controlling) {
    IceConfig cfg;
    cfg.host_addresses.push_back(IpString("127.0.0.1"));
    cfg.controlling = controlling;
    IceAgent::Callbacks cb;
    cb.on_gathering_done = [this] { ++gathered; };
    cb.on_state = [this](IceState s) { failed |= s == IceState::kFailed; };
    cb.on_datagram = [this](std::span<const std::uint8_t> d) {
      received.emplace_back(reinterpret_cast<const char*>(d.data()), d.size());
    };
    return agent.start(cfg, std::move(cb));
  }
  bool send(std::string_view s) {
    return agent.send({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
  }
};

bool give_remote(Side& from, Side& to) {
  std::vector<std::string_view> lines;
  for (const auto& c : from.agent.local_candidates()) lines.push_back(c.view());
  return to.agent.set_remote(from.agent.local_ufrag(), from.agent.local_pwd(), lines);
}

TEST(IceAgent, TwoAgentsOnLoopbackConnectExchangeAndRestart) {
  testing::LoopWithGlib env;
  Side a(env.ctx), b(env.ctx);
  ASSERT_TRUE(a.start(true));
  ASSERT_TRUE(b.start(false));
  ASSERT_TRUE(env.run_until([&] { return a.gathered && b.gathered; }, 5000));

  ASSERT_FALSE(a.agent.local_candidates().empty());
  for (const auto& c : a.agent.local_candidates()) {
    EXPECT_EQ(c.view().substr(0, 12), "a=candidate:");
    EXPECT_NE(c.view().find("127.0.0.1"), std::string_view::npos) << c.view();
  }
  EXPECT_GE(a.agent.local_ufrag().size(), 4u);
  EXPECT_GE(a.agent.local_pwd().size(), 22u);

  ASSERT_TRUE(give_remote(a, b));
  ASSERT_TRUE(give_remote(b, a));
  ASSERT_TRUE(env.run_until([&] { return a.agent.has_selected_pair() && b.agent.has_selected_pair(); },
                            5000));
  EXPECT_EQ(a.agent.state(), IceState::kConnected);
  EXPECT_EQ(a.agent.selected_local_type(), CandidateType::kHost);

  ASSERT_TRUE(a.send("ping"));
  ASSERT_TRUE(b.send("pong"));
  ASSERT_TRUE(env.run_until([&] { return !a.received.empty() && !b.received.empty(); }, 2000));
  EXPECT_EQ(b.received.front(), "ping");
  EXPECT_EQ(a.received.front(), "pong");

  // A burst queued in the socket before the loop runs: reception pauses
  // after each datagram (ice_agent.cpp), and every one still arrives, in
  // order, none read and dropped while paused.
  b.received.clear();
  constexpr int kBurst = 40;
  for (int i = 0; i < kBurst; ++i) ASSERT_TRUE(a.send("burst " + std::to_string(i)));
  ASSERT_TRUE(env.run_until([&] { return b.received.size() >= kBurst; }, 2000)) << b.received.size();
  ASSERT_EQ(b.received.size(), static_cast<std::size_t>(kBurst));
  for (int i = 0; i < kBurst; ++i) EXPECT_EQ(b.received[static_cast<std::size_t>(i)], "burst " + std::to_string(i));

  // ICE restart: new credentials on both sides, remote side set again
  // (after the restart, which cleared it), and the path works again.
  std::string old_ufrag(a.agent.local_ufrag());
  ASSERT_TRUE(a.agent.restart());
  ASSERT_TRUE(b.agent.restart());
  EXPECT_EQ(a.gathered, 2);
  EXPECT_NE(std::string(a.agent.local_ufrag()), old_ufrag);
  ASSERT_TRUE(give_remote(a, b));
  ASSERT_TRUE(give_remote(b, a));
  a.received.clear();
  b.received.clear();
  ASSERT_TRUE(env.run_until(
      [&] {
        a.send("again");
        b.send("again");
        return !a.received.empty() && !b.received.empty();
      },
      5000));
  EXPECT_FALSE(a.failed);
  EXPECT_FALSE(b.failed);
}

TEST(IceAgent, RejectsServerNamesThatNeedResolving) {
  testing::LoopWithGlib env;
  IceAgent agent(env.ctx);
  IceConfig cfg;
  cfg.stun.ip.assign("stun.example.org");
  EXPECT_FALSE(agent.start(cfg, {}));
}

TEST(IceAgent, ControlledAgentWithWrongPasswordFails) {
  testing::LoopWithGlib env;
  Side a(env.ctx), b(env.ctx);
  ASSERT_TRUE(a.start(true));
  ASSERT_TRUE(b.start(false));
  ASSERT_TRUE(env.run_until([&] { return a.gathered && b.gathered; }, 5000));
  std::vector<std::string_view> lines;
  for (const auto& c : b.agent.local_candidates()) lines.push_back(c.view());
  ASSERT_TRUE(a.agent.set_remote(b.agent.local_ufrag(), "wrongwrongwrongwrongwrong", lines));
  ASSERT_TRUE(give_remote(a, b));
  ASSERT_TRUE(env.run_until([&] { return a.failed; }, 30000));
  EXPECT_FALSE(a.agent.has_selected_pair());
}

}  // namespace
}  // namespace dialtone::media
