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
