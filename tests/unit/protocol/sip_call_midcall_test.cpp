// In the call (sip-line.md section 4): re-INVITEs both ways, glare, the
// dialog's routing and CSeq rules, session timers, BYE, INFO.
#include "tests/unit/protocol/sip_call_harness.hpp"

namespace dialtone::protocol::sip::test {
namespace {

using K = SipCallEvent::Kind;
using Outcome = SipCallRouter::Outcome;

class SipCallMidCall : public SipCallHarness {};

constexpr const char* kRoutes = "Record-Route: <sip:p2.example.net;lr>\r\nRecord-Route: <sip:p1.example.net;lr>\r\n";

TEST_F(SipCallMidCall, HoldIsAReinviteAlongTheDialog) {
  connect_outgoing(kRoutes);
  ASSERT_TRUE(call_.reoffer(now_, kHoldOffer));
  Sent reinvite = only_sent();
  EXPECT_EQ(reinvite.method(), "INVITE");
  EXPECT_EQ(reinvite.request_uri(), "sip:far@192.0.2.20:5060");
  EXPECT_EQ(reinvite.all("Route"), (std::vector<std::string>{"<sip:p1.example.net;lr>", "<sip:p2.example.net;lr>"}));
  EXPECT_EQ(reinvite.hop, "sip:p1.example.net;lr");
  EXPECT_EQ(reinvite.cseq(), "2 INVITE");
  EXPECT_EQ(reinvite.to_tag(), far_tag_);
  EXPECT_EQ(reinvite.from_tag(), local_tag_);
  EXPECT_EQ(reinvite.body(), kHoldOffer);
  EXPECT_EQ(reinvite.header("Contact"), "<sip:desk-101@192.0.2.10:5060>");
  EXPECT_FALSE(call_.reoffer(now_, kOffer));  // one offer at a time

  feed(response_to(reinvite, 200, "OK", far_tag_, "", kAnswer));
  Sent ack = only_sent();
  EXPECT_EQ(ack.method(), "ACK");
  EXPECT_EQ(ack.cseq(), "2 ACK");
  EXPECT_EQ(ack.all("Route").size(), 2u);
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kOfferAnswered);
  EXPECT_EQ(e.sdp, kAnswer);
  EXPECT_EQ(call_.phase(), SipCall::Phase::kConfirmed);
}

TEST_F(SipCallMidCall, ARefusedReofferLeavesTheCallAsItWas) {
  connect_outgoing();
  ASSERT_TRUE(call_.reoffer(now_, kHoldOffer));
  Sent reinvite = only_sent();
  feed(response_to(reinvite, 488, "Not Acceptable Here", far_tag_));
  EXPECT_EQ(only_sent().method(), "ACK");  // the transaction's
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kOfferFailed);
  EXPECT_EQ(e.status, 488);
  EXPECT_EQ(call_.phase(), SipCall::Phase::kConfirmed);
  EXPECT_TRUE(call_.reoffer(now_, kHoldOffer));  // and it may try again
}

TEST_F(SipCallMidCall, A481ToAReinviteEndsTheCall) {
  connect_outgoing();
  ASSERT_TRUE(call_.reoffer(now_, kHoldOffer));
  feed(response_to(only_sent(), 481, "Call/Transaction Does Not Exist", far_tag_));
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kEnded);
  EXPECT_EQ(e.end, SipCallEnd::kDialogGone);
  EXPECT_EQ(call_.phase(), SipCall::Phase::kEnded);
}

TEST_F(SipCallMidCall, TheFarEndsReinviteIsAnsweredAndItsContactBecomesTheTarget) {
  connect_outgoing();
  std::string reinvite = far_request("INVITE", 1, "z9hG4bKre1", "", kHoldOffer);
  reinvite.replace(reinvite.find(kFarContact), std::string(kFarContact).size(), "<sip:far@192.0.2.99:5070>");
  EXPECT_EQ(feed(reinvite), Outcome::kCall);
  Sent trying = only_sent();
  EXPECT_EQ(trying.status(), 100);
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kRemoteOffer);
  EXPECT_EQ(e.sdp, kHoldOffer);
  ASSERT_TRUE(call_.answer_offer(now_, kOffer));
  Sent ok = only_sent();
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(ok.cseq(), "1 INVITE");
  EXPECT_EQ(ok.body(), kOffer);
  EXPECT_EQ(ok.to_tag(), local_tag_);
  advance(600);
  EXPECT_EQ(take_sent().size(), 1u);  // again until its ACK
  feed(far_request("ACK", 1, "z9hG4bKreack1"));
  EXPECT_TRUE(take_events().empty());
  advance(60000);
  EXPECT_TRUE(take_sent().empty());
  call_.hang_up(now_);
  EXPECT_EQ(only_sent().request_uri(), "sip:far@192.0.2.99:5070");
}

TEST_F(SipCallMidCall, AnUpdateWithAnOfferIsAnsweredInIts200) {
  connect_outgoing();
  feed(far_request("UPDATE", 1, "z9hG4bKup1", "", kHoldOffer));
  EXPECT_TRUE(take_sent().empty());  // no 100 for an UPDATE: the answer follows
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kRemoteOffer);
  EXPECT_EQ(e.sdp, kHoldOffer);
  ASSERT_TRUE(call_.answer_offer(now_, kOffer));
  Sent ok = only_sent();
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(ok.cseq(), "1 UPDATE");
  EXPECT_EQ(ok.body(), kOffer);
  advance(60000);
  EXPECT_TRUE(take_sent().empty());  // nothing to wait for: no ACK follows an UPDATE
  EXPECT_TRUE(call_.reoffer(now_, kHoldOffer));  // and the exchange is closed
}

TEST_F(SipCallMidCall, AReinviteWithoutOfferGetsOursAndTheAckBringsTheAnswer) {
  connect_outgoing();
  feed(far_request("INVITE", 1, "z9hG4bKre1"));
  Sent ok = only_sent();
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(ok.body(), kOffer);  // the session as last agreed, offered again
  EXPECT_TRUE(take_events().empty());
  feed(far_request("ACK", 1, "z9hG4bKreack1", "", kAnswer));
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kOfferAnswered);
  EXPECT_EQ(e.sdp, kAnswer);
}

TEST_F(SipCallMidCall, GlareOwnerOfTheCallIdRetriesAfter2100To4000Ms) {
  connect_outgoing();  // we sent the INVITE: the Call-ID is ours
  ASSERT_TRUE(call_.reoffer(now_, kHoldOffer));
  Sent ours = only_sent();
  feed(far_request("INVITE", 1, "z9hG4bKglare1", "", kAnswer));
  Sent pending = only_sent();
  EXPECT_EQ(pending.status(), 491);
  EXPECT_TRUE(take_events().empty());
  EXPECT_EQ(feed(far_request("ACK", 1, "z9hG4bKglare1")), Outcome::kAbsorbed);  // theirs, of our 491
  feed(response_to(ours, 491, "Request Pending", far_tag_));
  EXPECT_EQ(only_sent().method(), "ACK");
  EXPECT_TRUE(take_events().empty());
  const TimeMs glare = now_;
  advance(2099);
  EXPECT_TRUE(take_sent().empty());
  advance(4000 - 2099);
  Sent again = only_sent();
  EXPECT_EQ(again.method(), "INVITE");
  EXPECT_EQ(again.cseq(), "3 INVITE");
  EXPECT_EQ(again.body(), kHoldOffer);
  EXPECT_GE(again.at - glare, 2100);
  EXPECT_LE(again.at - glare, 4000);
  feed(response_to(again, 200, "OK", far_tag_, "", kAnswer));
  take_sent();
  EXPECT_EQ(only_event().kind, K::kOfferAnswered);
}

TEST_F(SipCallMidCall, GlareNotOwnerRetriesWithin2000Ms) {
  connect_incoming();  // the far end's Call-ID
  ASSERT_TRUE(call_.reoffer(now_, kHoldOffer));
  Sent ours = only_sent();
  EXPECT_EQ(ours.cseq(), "1 INVITE");
  feed(far_request("INVITE", 11, "z9hG4bKglare1", "", kAnswer));
  EXPECT_EQ(only_sent().status(), 491);
  feed(far_request("ACK", 11, "z9hG4bKglare1"));
  feed(response_to(ours, 491, "Request Pending", ""));
  take_sent();
  const TimeMs glare = now_;
  advance(2000);
  Sent again = only_sent();
  EXPECT_EQ(again.method(), "INVITE");
  EXPECT_EQ(again.cseq(), "2 INVITE");
  EXPECT_LE(again.at - glare, 2000);
}

TEST_F(SipCallMidCall, AnOfferWhileTheirPreviousIsOpenGets500WithRetryAfter) {
  connect_outgoing();
  feed(far_request("INVITE", 1, "z9hG4bKre1", "", kHoldOffer));
  take_sent();
  take_events();
  feed(far_request("INVITE", 2, "z9hG4bKre2", "", kAnswer));
  Sent r = only_sent();
  EXPECT_EQ(r.status(), 500);
  const int retry = std::stoi(r.header("Retry-After"));
  EXPECT_GE(retry, 0);
  EXPECT_LE(retry, 10);
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallMidCall, ARequestWithAnOlderCSeqGets500) {
  connect_incoming();  // the INVITE had CSeq 10
  feed(far_request("INFO", 9, "z9hG4bKold"));
  EXPECT_EQ(only_sent().status(), 500);
}

TEST_F(SipCallMidCall, ByeFromTheFarEndEndsTheCall) {
  connect_incoming();
  EXPECT_EQ(feed(far_request("BYE", 11, "z9hG4bKbye1")), Outcome::kCall);
  Sent ok = only_sent();
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(ok.cseq(), "11 BYE");
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kEnded);
  EXPECT_EQ(e.end, SipCallEnd::kRemoteHangUp);
  EXPECT_EQ(call_.phase(), SipCall::Phase::kEnded);
  // The BYE again: the same 200, from the transaction.
  EXPECT_EQ(feed(far_request("BYE", 11, "z9hG4bKbye1")), Outcome::kAbsorbed);
  EXPECT_EQ(only_sent().status(), 200);
}

TEST_F(SipCallMidCall, OurByeUsesOurCSeqAndEndsOnItsAnswer) {
  Sent invite = connect_outgoing();
  call_.hang_up(now_);
  Sent bye = only_sent();
  EXPECT_EQ(bye.method(), "BYE");
  EXPECT_EQ(bye.cseq(), "2 BYE");
  EXPECT_EQ(bye.header("Call-ID"), invite.header("Call-ID"));
  EXPECT_EQ(call_.phase(), SipCall::Phase::kEnding);
  feed(response_to(bye, 200, "OK", ""));
  EXPECT_EQ(call_.phase(), SipCall::Phase::kEnded);
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallMidCall, InfoDtmfRelayBecomesADigit) {
  connect_incoming();
  feed(far_request("INFO", 11, "z9hG4bKinfo1", "", "Signal=5\r\nDuration=160\r\n", "application/dtmf-relay"));
  EXPECT_EQ(only_sent().status(), 200);
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kDtmf);
  EXPECT_EQ(e.digit, '5');
  feed(far_request("INFO", 12, "z9hG4bKinfo2", "", "hello", "text/plain"));
  Sent r = only_sent();
  EXPECT_EQ(r.status(), 415);
  EXPECT_EQ(r.header("Accept"), "application/dtmf-relay");
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallMidCall, SessionRefreshedByUpdateAtHalfTheInterval) {
  connect_outgoing("Session-Expires: 180;refresher=uac\r\nRequire: timer\r\nAllow: INVITE, ACK, BYE, CANCEL, UPDATE\r\n");
  EXPECT_TRUE(call_.refreshes_session());
  const TimeMs answered = now_;
  advance(89999);
  EXPECT_TRUE(take_sent().empty());
  advance(1);
  Sent update = only_sent();
  EXPECT_EQ(update.method(), "UPDATE");
  EXPECT_EQ(update.at - answered, 90000);
  EXPECT_EQ(update.header("Session-Expires"), "180;refresher=uac");
  EXPECT_EQ(update.cseq(), "2 UPDATE");
  EXPECT_TRUE(update.body().empty());
  feed(response_to(update, 200, "OK", far_tag_, "Session-Expires: 180;refresher=uac\r\nRequire: timer\r\n"));
  const TimeMs refreshed = now_;
  advance(90000);
  Sent next = only_sent();
  EXPECT_EQ(next.method(), "UPDATE");
  EXPECT_EQ(next.at - refreshed, 90000);
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallMidCall, SessionRefreshedByReinviteWhenUpdateIsNotAllowed) {
  connect_outgoing("Session-Expires: 180\r\nAllow: INVITE, ACK, BYE, CANCEL\r\n");
  advance(90000);
  Sent refresh = only_sent();
  EXPECT_EQ(refresh.method(), "INVITE");
  EXPECT_EQ(refresh.body(), kOffer);  // the session as agreed, unchanged
  EXPECT_EQ(refresh.header("Session-Expires"), "180;refresher=uac");
  feed(response_to(refresh, 200, "OK", far_tag_, "Session-Expires: 180;refresher=uac\r\n", kAnswer));
  EXPECT_EQ(only_sent().method(), "ACK");
  EXPECT_TRUE(take_events().empty());  // a refresh changes nothing the call layer knows
}

TEST_F(SipCallMidCall, SessionEndsWhenTheFarEndStopsRefreshing) {
  connect_outgoing("Session-Expires: 180;refresher=uas\r\nRequire: timer\r\n");
  EXPECT_TRUE(call_.session_timer_active());
  EXPECT_FALSE(call_.refreshes_session());
  advance(100000);
  EXPECT_TRUE(take_sent().empty());
  // Their refresh at 100 s restarts the clock.
  feed(far_request("UPDATE", 1, "z9hG4bKup1", "Session-Expires: 180;refresher=uac\r\nSupported: timer\r\n"));
  Sent ok = only_sent();
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(ok.header("Session-Expires"), "180;refresher=uac");
  EXPECT_EQ(ok.header("Require"), "timer");
  const TimeMs refreshed = now_;
  advance(180000 - 32000 - 1);  // the interval less min(32 s, a third of it)
  EXPECT_TRUE(take_sent().empty());
  advance(1);
  Sent bye = only_sent();
  EXPECT_EQ(bye.method(), "BYE");
  EXPECT_EQ(bye.at - refreshed, 180000 - 32000);
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kEnded);
  EXPECT_EQ(e.end, SipCallEnd::kTimeout);
}

TEST_F(SipCallMidCall, AnIncomingCallAskingForTimersGetsThemInThe200) {
  Sent ok = connect_incoming("Session-Expires: 1800\r\nSupported: timer\r\n");
  EXPECT_EQ(ok.header("Session-Expires"), "1800;refresher=uac");
  EXPECT_EQ(ok.header("Require"), "timer");
  EXPECT_TRUE(call_.session_timer_active());
  EXPECT_FALSE(call_.refreshes_session());  // the caller asked, the caller refreshes
}

TEST_F(SipCallMidCall, AnIncomingCallWhoseProxyAskedForTimersIsRefreshedByUs) {
  Sent ok = connect_incoming("Session-Expires: 600\r\n");  // no Supported: timer from the caller
  EXPECT_EQ(ok.header("Session-Expires"), "600;refresher=uas");
  EXPECT_TRUE(call_.refreshes_session());
  advance(300000);
  Sent refresh = only_sent();
  EXPECT_EQ(refresh.method(), "INVITE");  // the caller did not say it allows UPDATE
  EXPECT_EQ(refresh.header("Session-Expires"), "600;refresher=uac");
}

TEST_F(SipCallMidCall, ASessionIntervalBelowOurMinimumGets422) {
  incoming_ = true;
  EXPECT_EQ(feed(incoming_invite("Session-Expires: 30\r\nSupported: timer\r\n", kAnswer)), Outcome::kRefused);
  Sent r = only_sent();
  EXPECT_EQ(r.status(), 422);
  EXPECT_EQ(r.header("Min-SE"), "90");
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallMidCall, AReinviteWithoutAnswerEndsTheCall) {
  connect_outgoing();
  ASSERT_TRUE(call_.reoffer(now_, kHoldOffer));
  take_sent();
  advance(32000);  // Timer B
  auto sent = take_sent();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().method(), "BYE");
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kEnded);
  EXPECT_EQ(e.end, SipCallEnd::kTimeout);
}

}  // namespace
}  // namespace dialtone::protocol::sip::test
