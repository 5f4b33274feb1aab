#include <gtest/gtest.h>

#include "firmware/line/yna_line_state.hpp"

using namespace dialtone::line;

TEST(YnaLineState, Derivation) {
  YnaLineFacts f;
  EXPECT_EQ(derive_yna_line_state(f), LineState::kUnlinked);
  f.linking = true;
  EXPECT_EQ(derive_yna_line_state(f), LineState::kLinking);
  f.has_tokens = true;
  EXPECT_EQ(derive_yna_line_state(f), LineState::kRegistering);
  f.registered = true;
  EXPECT_EQ(derive_yna_line_state(f), LineState::kRegistering) << "no channel yet";
  f.channel_usable = true;
  EXPECT_EQ(derive_yna_line_state(f), LineState::kRegistered);
  f.channel_offline = true;
  EXPECT_EQ(derive_yna_line_state(f), LineState::kOffline);
  f.channel_offline = false;
  f.network_down = true;
  EXPECT_EQ(derive_yna_line_state(f), LineState::kOffline);
  f.has_tokens = false;
  f.linking = false;
  EXPECT_EQ(derive_yna_line_state(f), LineState::kUnlinked) << "no tokens: never offline";
}

TEST(YnaLineState, OfflineReasonIsTheFailuresOwnWords) {
  YnaLineFacts f;
  f.has_tokens = f.registered = f.channel_usable = true;
  const char* rest = "cannot reach 127.0.0.1:8443: connection refused";
  const char* channel = "cannot reach yna.test: DNS lookup timed out after 10 s";
  EXPECT_EQ(yna_line_reason(f, rest, channel), "") << "registered: nothing to explain";
  f.channel_offline = true;
  EXPECT_EQ(yna_line_reason(f, "", channel), channel);
  f.network_down = true;
  EXPECT_EQ(yna_line_reason(f, rest, channel), rest) << "no REST answer at all says more";
  f.network_down = false;
  f.channel_offline = false;
  f.channel_usable = false;
  EXPECT_EQ(yna_line_reason(f, rest, channel), "") << "registering: the generic sentence";
  f.network_down = true;
  EXPECT_EQ(yna_line_reason(f, "", ""), "") << "nothing known: the generic sentence";
  f.has_tokens = false;
  EXPECT_EQ(yna_line_reason(f, rest, channel), "") << "unlinked is never offline";
}
