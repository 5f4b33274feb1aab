// The call machine's transition table, row by row, through line-neutral
// events: the same flows a YNA or a SIP line drives.
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
  static bool has(const Actions& a, A kind) { return find(a, kind) != nullptr; }
  static const Action* find(const Actions& a, A kind) {
    for (const Action& x : a)
      if (x.kind == kind) return &x;
    return nullptr;
  }
  // Dial, gather, the line accepts with id c1.
  void outgoing() {
    auto a = step(Event{.kind = K::kDial, .number = "+14255550199"});
    ASSERT_TRUE(has(a, A::kCreateOffer));
    EXPECT_EQ(m.state(), State::kDialing);
    a = step(Event{.kind = K::kLocalSdp});
    ASSERT_TRUE(has(a, A::kPlace));
    step(Event{.kind = K::kAccepted, .call_id = "c1"});
    EXPECT_EQ(m.call_id(), "c1");
  }
  void connected_out() {
    outgoing();
    step(Event{.kind = K::kAnswered, .sdp = "v=0 answer"});
    ASSERT_EQ(m.state(), State::kConnected);
  }
  void incoming(bool waiting = false) {
    auto a = step(Event{.kind = K::kIncoming, .number = "tel:+14255550123", .call_id = "in1",
                        .peer_name = "Ada", .verification = "TN-Validation-Passed", .sdp = "v=0 offer",
                        .waiting = waiting});
    EXPECT_TRUE(has(a, A::kAlert));
    ASSERT_NE(find(a, A::kCreateAnswer), nullptr);
    EXPECT_EQ(find(a, A::kCreateAnswer)->sdp, "v=0 offer");
  }

  CallMachine m;
};

TEST_F(CallMachineTest, OutgoingRingbackThenAnsweredAppliesTheAnswer) {
  outgoing();
  step(Event{.kind = K::kTrying});
  EXPECT_EQ(m.state(), State::kProceeding);
  step(Event{.kind = K::kAlerting});
  EXPECT_EQ(m.state(), State::kRinging);
  EXPECT_EQ(m.tone(), handset::Tone::kRingback);
  auto a = step(Event{.kind = K::kAnswered, .sdp = "v=0 answer"});
  EXPECT_EQ(m.state(), State::kConnected);
  ASSERT_NE(find(a, A::kApplyAnswer), nullptr);
  EXPECT_EQ(find(a, A::kApplyAnswer)->sdp, "v=0 answer");
  EXPECT_EQ(m.tone(), handset::Tone::kNone);
  EXPECT_TRUE(m.sends_audio());
  EXPECT_TRUE(m.exchange().stable());
}

TEST_F(CallMachineTest, AnsweredWithoutAnAnswerWaitsForOne) {
  outgoing();
  EXPECT_FALSE(has(step(Event{.kind = K::kAnswered}), A::kNotify));
  EXPECT_EQ(m.state(), State::kDialing);
  step(Event{.kind = K::kAnswered, .sdp = "v=0 answer"});
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, EarlyMediaReplacesRingbackForGood) {
  outgoing();
  auto a = step(Event{.kind = K::kTrying, .sdp = "v=0 early", .early_media = true});
  EXPECT_EQ(m.state(), State::kEarly);
  EXPECT_TRUE(has(a, A::kApplyAnswer));
  EXPECT_TRUE(m.plays_audio());
  a = step(Event{.kind = K::kAlerting});  // late Ringing: no ringback
  EXPECT_EQ(m.state(), State::kEarly);
  EXPECT_EQ(m.tone(), handset::Tone::kNone);
  a = step(Event{.kind = K::kAnswered});  // no SDP: the early answer stands
  EXPECT_EQ(m.state(), State::kConnected);
  EXPECT_FALSE(has(a, A::kApplyAnswer));
}

TEST_F(CallMachineTest, SdpWithoutEarlyMediaIsNotEarlyMedia) {
  outgoing();
  auto a = step(Event{.kind = K::kAlerting, .sdp = "v=0 x"});
  EXPECT_EQ(m.state(), State::kRinging);
  EXPECT_FALSE(has(a, A::kApplyAnswer));
}

struct Failure {
  EndCause cause;
  handset::Tone tone;
  const char* reason;
};
class CallFailures : public CallMachineTest, public ::testing::WithParamInterface<Failure> {};

TEST_P(CallFailures, EndTheCallWithTheRightTone) {
  outgoing();
  step(Event{.kind = K::kAlerting});
  auto a = step(Event{.kind = K::kRemoteEnded, .cause = GetParam().cause});
  EXPECT_EQ(m.state(), State::kEnded);
  EXPECT_EQ(m.reason(), GetParam().reason);
  EXPECT_EQ(m.tone(), GetParam().tone);
  EXPECT_TRUE(has(a, A::kCloseMedia));
  EXPECT_FALSE(has(a, A::kEnd));  // the far end ended it; nothing to tell the line
}

INSTANTIATE_TEST_SUITE_P(
    All, CallFailures,
    ::testing::Values(Failure{EndCause::kBusy, handset::Tone::kBusy, "busy"},
                      Failure{EndCause::kDeclined, handset::Tone::kBusy, "declined"},
                      Failure{EndCause::kNoAnswer, handset::Tone::kReorder, "no_answer"},
                      Failure{EndCause::kNotReachable, handset::Tone::kReorder, "not_reachable"},
                      Failure{EndCause::kFailed, handset::Tone::kReorder, "failed"},
                      Failure{EndCause::kCancelled, handset::Tone::kReorder, "cancelled"},
                      Failure{EndCause::kTerminated, handset::Tone::kReorder, "remote_hangup"}));

TEST_F(CallMachineTest, TheNetworksReasonTextReachesTheCall) {
  outgoing();
  step(Event{.kind = K::kRemoteEnded, .reason = "subscriber absent", .cause = EndCause::kNotReachable});
  EXPECT_EQ(m.reason(), "not_reachable: subscriber absent");
}

TEST_F(CallMachineTest, RejectedEndsWithReorder) {
  step(Event{.kind = K::kDial, .number = "+1"});
  step(Event{.kind = K::kLocalSdp});
  step(Event{.kind = K::kRejected, .code = 400});
  EXPECT_EQ(m.state(), State::kEnded);
  EXPECT_EQ(m.reason(), "start_failed");
  EXPECT_EQ(m.tone(), handset::Tone::kReorder);
}

TEST_F(CallMachineTest, DialOnALineThatCannotCarryItEndsAtOnceSayingWhy) {
  auto a = step(Event{.kind = K::kDial, .number = "911", .reason = "line unavailable: offline", .emergency = true});
  EXPECT_EQ(m.state(), State::kEnded);
  EXPECT_TRUE(m.emergency());
  EXPECT_EQ(m.reason(), "line unavailable: offline");
  EXPECT_EQ(m.tone(), handset::Tone::kReorder);
  EXPECT_FALSE(has(a, A::kCreateOffer));
  EXPECT_FALSE(has(a, A::kEnd));
}

TEST_F(CallMachineTest, LateEventsAreNotAcceptedByAnyRow) {
  connected_out();
  Actions out;
  EXPECT_FALSE(m.step(Event{.kind = K::kAlerting}, out));
  EXPECT_FALSE(m.step(Event{.kind = K::kAnswer}, out));
  EXPECT_FALSE(m.step(Event{.kind = K::kResume}, out));  // not held
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, LocalHoldAndResume) {
  connected_out();
  auto a = step(Event{.kind = K::kHold});
  ASSERT_NE(find(a, A::kCreateOffer), nullptr);
  EXPECT_EQ(find(a, A::kCreateOffer)->direction, MediaDirection::kSendOnly);
  EXPECT_TRUE(step(Event{.kind = K::kHold}).empty());  // one exchange at a time
  a = step(Event{.kind = K::kLocalSdp});
  ASSERT_NE(find(a, A::kSendOffer), nullptr);
  EXPECT_EQ(find(a, A::kSendOffer)->offer, OfferPurpose::kHold);
  a = step(Event{.kind = K::kRemoteHold, .sdp = "v=0 recvonly"});
  EXPECT_EQ(m.state(), State::kHeld);
  EXPECT_TRUE(has(a, A::kApplyAnswer));
  EXPECT_FALSE(m.sends_audio());

  a = step(Event{.kind = K::kResume});
  EXPECT_EQ(find(a, A::kCreateOffer)->direction, MediaDirection::kSendRecv);
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_EQ(find(a, A::kSendOffer)->offer, OfferPurpose::kResume);
  step(Event{.kind = K::kRemoteResume, .sdp = "v=0 sendrecv"});
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, RemoteHoldAndResumeAreAnswered) {
  connected_out();
  auto a = step(Event{.kind = K::kRemoteHold, .sdp = "v=0 sendonly offer"});
  ASSERT_NE(find(a, A::kCreateAnswer), nullptr);
  EXPECT_EQ(find(a, A::kCreateAnswer)->direction, MediaDirection::kRecvOnly);
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_EQ(find(a, A::kSendOfferAnswer)->remote, RemotePurpose::kHold);
  EXPECT_EQ(m.state(), State::kRemoteHeld);
  EXPECT_TRUE(m.plays_audio());
  EXPECT_FALSE(m.sends_audio());
  a = step(Event{.kind = K::kRemoteResume, .sdp = "v=0 sendrecv offer"});
  ASSERT_NE(find(a, A::kCreateAnswer), nullptr);
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_EQ(find(a, A::kSendOfferAnswer)->remote, RemotePurpose::kResume);
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, ANewOfferOnceConnectedIsAnswered) {
  connected_out();
  auto a = step(Event{.kind = K::kAnswered, .sdp = "v=0 new offer"});
  ASSERT_NE(find(a, A::kCreateAnswer), nullptr);
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_EQ(find(a, A::kSendOfferAnswer)->remote, RemotePurpose::kUpdate);
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, MediaFailureRestartsIceThroughRenegotiation) {
  connected_out();
  auto a = step(Event{.kind = K::kMediaFailed});
  ASSERT_NE(find(a, A::kCreateOffer), nullptr);
  EXPECT_TRUE(find(a, A::kCreateOffer)->ice_restart);
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_EQ(find(a, A::kSendOffer)->offer, OfferPurpose::kRestart);
  a = step(Event{.kind = K::kAnswered, .sdp = "v=0 restarted answer"});
  EXPECT_TRUE(has(a, A::kApplyAnswer));
  EXPECT_EQ(m.state(), State::kConnected);
  EXPECT_TRUE(m.exchange().stable());
}

TEST_F(CallMachineTest, AFailedIceRestartEndsTheCall) {
  connected_out();
  step(Event{.kind = K::kMediaFailed});
  auto a = step(Event{.kind = K::kMediaFailed});  // the restart could not even start
  EXPECT_EQ(m.state(), State::kEnded);
  EXPECT_EQ(m.reason(), "media_failed");
  EXPECT_EQ(find(a, A::kEnd)->end_reason, EndReason::kTerminated);
}

TEST_F(CallMachineTest, AnOfferTheLineCouldNotDeliverLeavesTheCallAsItWas) {
  connected_out();
  step(Event{.kind = K::kHold});
  step(Event{.kind = K::kLocalSdp});
  step(Event{.kind = K::kSignalFailed, .signal = Signal::kOffer, .code = 500});
  EXPECT_EQ(m.state(), State::kConnected);
  EXPECT_TRUE(has(step(Event{.kind = K::kHold}), A::kCreateOffer));  // and a new hold may be tried
}

TEST_F(CallMachineTest, HangUpEndsWithTerminated) {
  connected_out();
  auto a = step(Event{.kind = K::kHangUp});
  ASSERT_NE(find(a, A::kEnd), nullptr);
  EXPECT_EQ(find(a, A::kEnd)->end_reason, EndReason::kTerminated);
  EXPECT_EQ(m.state(), State::kEnded);
  EXPECT_EQ(m.tone(), handset::Tone::kNone);
}

TEST_F(CallMachineTest, HangUpBeforeTheLineAcceptedStillTellsTheLine) {
  step(Event{.kind = K::kDial, .number = "+1"});
  step(Event{.kind = K::kLocalSdp});
  EXPECT_TRUE(has(step(Event{.kind = K::kHangUp}), A::kEnd));
}

TEST_F(CallMachineTest, IncomingRingsThenAnswerSendsTheAnswer) {
  incoming();
  EXPECT_EQ(m.state(), State::kRinging);
  EXPECT_TRUE(m.rings());
  EXPECT_EQ(m.direction(), Direction::kIn);
  EXPECT_EQ(m.peer_name(), "Ada");
  EXPECT_EQ(m.verification(), "TN-Validation-Passed");
  EXPECT_FALSE(has(step(Event{.kind = K::kLocalSdp}), A::kSendAnswer));  // not answered yet
  EXPECT_TRUE(m.exchange().answer_ready());
  auto a = step(Event{.kind = K::kAnswer});
  EXPECT_TRUE(has(a, A::kSendAnswer));
  EXPECT_EQ(m.state(), State::kAnswering);
  EXPECT_FALSE(m.rings());
  step(Event{.kind = K::kConfirmed});
  EXPECT_EQ(m.state(), State::kConnected);
}

TEST_F(CallMachineTest, AnswerBeforeTheLocalAnswerIsReadySendsItWhenItIs) {
  incoming();
  EXPECT_FALSE(has(step(Event{.kind = K::kAnswer}), A::kSendAnswer));
  EXPECT_TRUE(has(step(Event{.kind = K::kLocalSdp}), A::kSendAnswer));
}

TEST_F(CallMachineTest, AWaitingCallDoesNotRingAndIsAnsweredTheSameWay) {
  incoming(true);
  EXPECT_EQ(m.state(), State::kWaiting);
  EXPECT_STREQ(state_name(m.state()), "waiting");
  EXPECT_FALSE(m.rings());
  step(Event{.kind = K::kLocalSdp});
  EXPECT_TRUE(has(step(Event{.kind = K::kAnswer}), A::kSendAnswer));
}

// A SIP INVITE without SDP: our offer is made while it rings, goes out with
// the answer, and the far end's answer arrives with the confirmation.
TEST_F(CallMachineTest, ACallWithoutAnOfferGetsOursWithTheAnswer) {
  auto a = step(Event{.kind = K::kIncoming, .number = "+14255550123", .call_id = "in1"});
  EXPECT_TRUE(has(a, A::kAlert));
  ASSERT_NE(find(a, A::kCreateOffer), nullptr);
  EXPECT_EQ(find(a, A::kCreateAnswer), nullptr);
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_FALSE(has(a, A::kPlace));      // an incoming call is never placed
  EXPECT_FALSE(has(a, A::kSendAnswer)); // not answered yet
  a = step(Event{.kind = K::kAnswer});
  EXPECT_TRUE(has(a, A::kSendAnswer));
  EXPECT_EQ(m.state(), State::kAnswering);
  a = step(Event{.kind = K::kConfirmed, .sdp = "v=0 their answer"});
  ASSERT_NE(find(a, A::kApplyAnswer), nullptr);
  EXPECT_EQ(find(a, A::kApplyAnswer)->sdp, "v=0 their answer");
  EXPECT_EQ(m.state(), State::kConnected);
  EXPECT_TRUE(m.exchange().stable());
}

TEST_F(CallMachineTest, ADelayedOfferAnsweredBeforeItIsReadyGoesOutWhenItIs) {
  step(Event{.kind = K::kIncoming, .number = "+14255550123", .call_id = "in1"});
  auto a = step(Event{.kind = K::kAnswer});
  EXPECT_FALSE(has(a, A::kSendAnswer));
  a = step(Event{.kind = K::kLocalSdp});
  EXPECT_TRUE(has(a, A::kSendAnswer));
}

TEST_F(CallMachineTest, ADelayedOfferConfirmedWithoutAnAnswerEndsTheCall) {
  step(Event{.kind = K::kIncoming, .number = "+14255550123", .call_id = "in1"});
  step(Event{.kind = K::kLocalSdp});
  step(Event{.kind = K::kAnswer});
  auto a = step(Event{.kind = K::kConfirmed});
  EXPECT_TRUE(has(a, A::kEnd));
  EXPECT_EQ(m.state(), State::kEnded);
}

TEST_F(CallMachineTest, DeclineEndsWithDeclined) {
  incoming();
  auto a = step(Event{.kind = K::kDecline});
  EXPECT_EQ(find(a, A::kEnd)->end_reason, EndReason::kDeclined);
  EXPECT_EQ(m.state(), State::kEnded);
}

TEST_F(CallMachineTest, CallerCancelStopsRingingWithoutATone) {
  incoming();
  step(Event{.kind = K::kRemoteEnded, .call_id = "in1", .cause = EndCause::kCancelled});
  EXPECT_FALSE(m.rings());
  EXPECT_EQ(m.tone(), handset::Tone::kNone);
  EXPECT_EQ(m.state(), State::kEnded);
}

TEST_F(CallMachineTest, AnAnswerTheLineCouldNotDeliverEndsTheCall) {
  incoming();
  step(Event{.kind = K::kLocalSdp});
  step(Event{.kind = K::kAnswer});
  auto a = step(Event{.kind = K::kSignalFailed, .signal = Signal::kAnswer});
  EXPECT_EQ(m.state(), State::kEnded);
  EXPECT_TRUE(has(a, A::kEnd));
}

TEST(OfferAnswer, OneExchangeAtATime) {
  OfferAnswer oa;
  EXPECT_TRUE(oa.begin_offer(OfferPurpose::kHold));
  EXPECT_FALSE(oa.begin_answer(RemotePurpose::kUpdate));  // glare: ours goes first
  EXPECT_EQ(oa.local_sdp_ready(), OfferAnswer::Made::kOffer);
  EXPECT_TRUE(oa.awaits_answer());
  oa.answer_applied();
  EXPECT_TRUE(oa.stable());
  EXPECT_TRUE(oa.begin_answer(RemotePurpose::kHold));
  EXPECT_EQ(oa.local_sdp_ready(), OfferAnswer::Made::kAnswer);
  EXPECT_TRUE(oa.answer_ready());
  oa.answer_sent();
  EXPECT_TRUE(oa.stable());
  EXPECT_EQ(oa.local_sdp_ready(), OfferAnswer::Made::kNothing);
}

}  // namespace
}  // namespace dialtone::call
