#include "firmware/call/call_machine.hpp"

#include <gtest/gtest.h>

namespace dialtone::call {
namespace {

using K = Event::Kind;
using A = Action::Kind;

class CallMachineTest : public ::testing::Test {
 protected:
  void SetUp() override { m.reset(7); }
  Actions step(Event e) {
    Actions out;
    m.step(e, out);
    return out;
  }
  static bool has(const Actions& a, A kind) {
    for (const Action& x : a)
      if (x.kind == kind) return true;
    return false;
  }
  static const Action* find(const Actions& a, A kind) {
    for (const Action& x : a)
      if (x.kind == kind) return &x;
    return nullptr;
  }
  Event status(Status s, std::string_view sdp = {}, std::string_view early = {}) {
    Event e{.kind = K::kStatus};
    e.call_id = "c1";
    e.status = s;
    e.sdp = sdp;
    e.early_media_direction = early;
    return e;
  }
  // Dial, gather, /start accepted with callId c1.
  void outgoing() {
    Event d{.kind = K::kDial};
    d.number = "14255550199";
    auto a = step(d);
    ASSERT_TRUE(has(a, A::kCreateOffer));
    EXPECT_EQ(m.state(), State::kDialing);
    a = step(Event{.kind = K::kLocalSdp});
    ASSERT_TRUE(has(a, A::kPostStart));
    Event ok{.kind = K::kStartOk};
    ok.call_id = "c1";
    step(ok);
  }
  void connected_out() {
    outgoing();
    step(status(Status::kConnected, "v=0 answer"));
    ASSERT_EQ(m.state(), State::kConnected);
  }

  CallMachine m;
};

TEST_F(CallMachineTest, OutgoingRingbackThenConnectedAppliesTheAnswer) {
  outgoing();
  auto a = step(status(Status::kInProgress));
  EXPECT_EQ(m.state(), State::kProceeding);
  a = step(status(Status::kRinging));
  EXPECT_EQ(m.state(), State::kRinging);
  ASSERT_NE(find(a, A::kTone), nullptr);
  EXPECT_EQ(find(a, A::kTone)->tone, handset::Tone::kRingback);
  a = step(status(Status::kConnected, "v=0 answer"));
  EXPECT_EQ(m.state(), State::kConnected);
  ASSERT_NE(find(a, A::kApplyAnswer), nullptr);
  EXPECT_EQ(find(a, A::kApplyAnswer)->sdp, "v=0 answer");
  EXPECT_EQ(find(a, A::kTone)->tone, handset::Tone::kNone);
  EXPECT_TRUE(m.sends_audio());
}

TEST_F(CallMachineTest, EarlyMediaReplacesRingbackForGood) {
  outgoing();
  auto a = step(status(Status::kInProgress, "v=0 early", "sendrecv"));  // case-insensitive
  EXPECT_EQ(m.state(), State::kEarly);
  EXPECT_TRUE(has(a, A::kApplyAnswer));
  a = step(status(Status::kRinging));
  EXPECT_EQ(m.state(), State::kEarly);
  EXPECT_EQ(find(a, A::kTone)->tone, handset::Tone::kNone);
  a = step(status(Status::kConnected));  // no SDP: the early answer stands
  EXPECT_EQ(m.state(), State::kConnected);
  EXPECT_FALSE(has(a, A::kApplyAnswer));
}

TEST_F(CallMachineTest, SdpWithoutEarlyMediaDirectionIsNotEarlyMedia) {
  outgoing();
  auto a = step(status(Status::kRinging, "v=0 x"));
  EXPECT_EQ(m.state(), State::kRinging);
  EXPECT_FALSE(has(a, A::kApplyAnswer));
}

struct Failure {
  Status status;
  handset::Tone tone;
  const char* reason;
};
class CallFailures : public CallMachineTest, public ::testing::WithParamInterface<Failure> {};

TEST_P(CallFailures, EndTheCallWithTheRightTone) {
  outgoing();
  step(status(Status::kRinging));
  auto a = step(status(GetParam().status));
  EXPECT_EQ(m.state(), State::kEnded);
  EXPECT_EQ(m.reason(), GetParam().reason);
  ASSERT_NE(find(a, A::kTone), nullptr);
  EXPECT_EQ(find(a, A::kTone)->tone, GetParam().tone);
  EXPECT_TRUE(has(a, A::kCloseMedia));
  EXPECT_FALSE(has(a, A::kEnd));  // the network ended it; nothing to DELETE
}

INSTANTIATE_TEST_SUITE_P(
    All, CallFailures,
    ::testing::Values(Failure{Status::kBusy, handset::Tone::kBusy, "busy"},
                      Failure{Status::kDeclined, handset::Tone::kBusy, "declined"},
                      Failure{Status::kNoAnswer, handset::Tone::kReorder, "no_answer"},
                      Failure{Status::kNotReachable, handset::Tone::kReorder, "not_reachable"},
                      Failure{Status::kFailed, handset::Tone::kReorder, "failed"},
                      Failure{Status::kSessionCancelled, handset::Tone::kReorder, "cancelled"},
                      Failure{Status::kTerminated, handset::Tone::kReorder, "remote_hangup"}));

TEST_F(CallMachineTest, StartFailureEndsWithReorder) {
  step(Event{.kind = K::kDial});
  step(Event{.kind = K::kLocalSdp});
  Event f{.kind = K::kStartFailed};
  f.http_status = 400;
  auto a = step(f);
  EXPECT_EQ(m.state(), State::kEnded);
  EXPECT_EQ(find(a, A::kTone)->tone, handset::Tone::kReorder);
}

TEST_F(CallMachineTest, StatusForAnotherCallAndLateRingingAreIgnored) {
  connected_out();
  Event other = status(Status::kTerminated);
  other.call_id = "zzz";
  EXPECT_TRUE(step(other).empty());
  EXPECT_EQ(m.state(), State::kConnected);
  EXPECT_TRUE(step(status(Status::kRinging)).empty());
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, LocalHoldAndResume) {
  connected_out();
  auto a = step(Event{.kind = K::kHold});
  ASSERT_NE(find(a, A::kCreateOffer), nullptr);
  EXPECT_EQ(find(a, A::kCreateOffer)->direction, MediaDirection::kSendOnly);
  a = step(Event{.kind = K::kLocalSdp});
  ASSERT_NE(find(a, A::kPost), nullptr);
  EXPECT_EQ(find(a, A::kPost)->endpoint, Endpoint::kHold);
  EXPECT_TRUE(find(a, A::kPost)->local_sdp);
  a = step(status(Status::kHold, "v=0 recvonly"));
  EXPECT_EQ(m.state(), State::kHeld);
  EXPECT_TRUE(has(a, A::kApplyAnswer));
  EXPECT_FALSE(m.sends_audio());

  a = step(Event{.kind = K::kResume});
  EXPECT_EQ(find(a, A::kCreateOffer)->direction, MediaDirection::kSendRecv);
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_EQ(find(a, A::kPost)->endpoint, Endpoint::kResume);
  step(status(Status::kResume, "v=0 sendrecv"));
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, RemoteHoldAndResumeAreAnswered) {
  connected_out();
  auto a = step(status(Status::kHold, "v=0 sendonly offer"));
  ASSERT_NE(find(a, A::kCreateAnswer), nullptr);
  EXPECT_EQ(find(a, A::kCreateAnswer)->direction, MediaDirection::kRecvOnly);
  EXPECT_EQ(find(a, A::kCreateAnswer)->sdp, "v=0 sendonly offer");
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_EQ(find(a, A::kPost)->endpoint, Endpoint::kAcceptHold);
  EXPECT_EQ(m.state(), State::kRemoteHeld);
  EXPECT_TRUE(m.plays_audio());
  EXPECT_FALSE(m.sends_audio());
  a = step(status(Status::kResume, "v=0 sendrecv offer"));
  ASSERT_NE(find(a, A::kCreateAnswer), nullptr);
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_EQ(find(a, A::kPost)->endpoint, Endpoint::kAcceptResume);
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, NetworkRenegotiationIsAnsweredOnRenegotiate) {
  connected_out();
  auto a = step(status(Status::kConnected, "v=0 new offer"));
  ASSERT_NE(find(a, A::kCreateAnswer), nullptr);
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_EQ(find(a, A::kPost)->endpoint, Endpoint::kRenegotiate);
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, MediaFailureRestartsIceThroughRenegotiation) {
  connected_out();
  auto a = step(Event{.kind = K::kMediaFailed});
  ASSERT_NE(find(a, A::kCreateOffer), nullptr);
  EXPECT_TRUE(find(a, A::kCreateOffer)->ice_restart);
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_EQ(find(a, A::kPost)->endpoint, Endpoint::kRenegotiate);
  a = step(status(Status::kConnected, "v=0 restarted answer"));
  EXPECT_TRUE(has(a, A::kApplyAnswer));
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, AFailedIceRestartEndsTheCall) {
  connected_out();
  step(Event{.kind = K::kMediaFailed});
  auto a = step(Event{.kind = K::kMediaFailed});  // the restart could not even start
  EXPECT_EQ(m.state(), State::kEnded);
  EXPECT_EQ(m.reason(), "media_failed");
  EXPECT_EQ(find(a, A::kEnd)->reason, "Terminated");
}

TEST_F(CallMachineTest, FailedHoldPostLeavesTheCallConnected) {
  connected_out();
  step(Event{.kind = K::kHold});
  step(Event{.kind = K::kLocalSdp});
  Event f{.kind = K::kPostFailed};
  f.endpoint = Endpoint::kHold;
  f.http_status = 500;
  step(f);
  EXPECT_EQ(m.state(), State::kConnected);
  // and a new hold may be tried
  EXPECT_TRUE(has(step(Event{.kind = K::kHold}), A::kCreateOffer));
}

TEST_F(CallMachineTest, HangUpDeletesWithTerminated) {
  connected_out();
  auto a = step(Event{.kind = K::kHangUp});
  ASSERT_NE(find(a, A::kEnd), nullptr);
  EXPECT_EQ(find(a, A::kEnd)->reason, "Terminated");
  EXPECT_EQ(find(a, A::kEnd)->call_id, "c1");
  EXPECT_EQ(m.state(), State::kEnded);
}

Event invitation() {
  Event e{.kind = K::kInvitation};
  e.call_id = "in1";
  e.number = "tel:+14255550123";
  e.verification = "TN-Validation-Passed";
  e.sdp = "v=0 offer";
  return e;
}

TEST_F(CallMachineTest, IncomingRingsThenAnswerPostsConnected) {
  auto a = step(invitation());
  EXPECT_EQ(m.state(), State::kRinging);
  EXPECT_EQ(m.direction(), Direction::kIn);
  EXPECT_EQ(m.verification(), "TN-Validation-Passed");
  ASSERT_GE(a.size(), 4u);
  int posts = 0;
  for (const Action& x : a)
    if (x.kind == A::kPost) {
      EXPECT_EQ(x.endpoint, posts == 0 ? Endpoint::kInProgress : Endpoint::kRinging);
      ++posts;
    }
  EXPECT_EQ(posts, 2);
  EXPECT_TRUE(find(a, A::kRinger)->on);
  EXPECT_EQ(find(a, A::kCreateAnswer)->sdp, "v=0 offer");
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_FALSE(has(a, A::kPost));  // not answered yet
  a = step(Event{.kind = K::kAnswer});
  EXPECT_FALSE(find(a, A::kRinger)->on);
  EXPECT_EQ(find(a, A::kPost)->endpoint, Endpoint::kConnected);
  EXPECT_TRUE(find(a, A::kPost)->local_sdp);
  Event ok{.kind = K::kPostOk};
  ok.endpoint = Endpoint::kConnected;
  step(ok);
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, AnswerBeforeTheLocalAnswerIsReadyPostsWhenItIs) {
  step(invitation());
  EXPECT_FALSE(has(step(Event{.kind = K::kAnswer}), A::kPost));
  EXPECT_EQ(find(step(Event{.kind = K::kLocalSdp}), A::kPost)->endpoint, Endpoint::kConnected);
}

TEST_F(CallMachineTest, DeclineEndsWithDeclined) {
  step(invitation());
  auto a = step(Event{.kind = K::kDecline});
  EXPECT_EQ(find(a, A::kEnd)->reason, "Declined");
  EXPECT_FALSE(find(a, A::kRinger)->on);
  EXPECT_EQ(m.state(), State::kEnded);
}

TEST_F(CallMachineTest, CallerCancelStopsTheRinger) {
  step(invitation());
  Event c = status(Status::kSessionCancelled);
  c.call_id = "in1";
  auto a = step(c);
  EXPECT_FALSE(find(a, A::kRinger)->on);
  EXPECT_EQ(find(a, A::kTone)->tone, handset::Tone::kNone);
  EXPECT_EQ(m.state(), State::kEnded);
}

TEST_F(CallMachineTest, FailedConnectedPostEndsTheCall) {
  step(invitation());
  step(Event{.kind = K::kLocalSdp});
  step(Event{.kind = K::kAnswer});
  Event f{.kind = K::kPostFailed};
  f.endpoint = Endpoint::kConnected;
  auto a = step(f);
  EXPECT_EQ(m.state(), State::kEnded);
  EXPECT_TRUE(has(a, A::kEnd));
}

TEST(CallStatus, ParsesTheApiNames) {
  EXPECT_EQ(parse_status("SessionCancelled"), Status::kSessionCancelled);
  EXPECT_EQ(parse_status("NotReachable"), Status::kNotReachable);
  EXPECT_EQ(parse_status("bogus"), Status::kUnknown);
}

}  // namespace
}  // namespace dialtone::call
