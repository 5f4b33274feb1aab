// Incoming calls (sip-line.md section 4): 100 and 180, the answer sent until
// its ACK, delayed offer, decline, busy, CANCEL, caller ID, and what the
// router answers for calls it does not know.
#include "tests/unit/protocol/sip_call_harness.hpp"

namespace dialtone::protocol::sip::test {
namespace {

using K = SipCallEvent::Kind;
using Outcome = SipCallRouter::Outcome;

class SipCallIncoming : public SipCallHarness {
 protected:
  void SetUp() override {
    SipCallHarness::SetUp();
    incoming_ = true;
  }
  // A new INVITE taken by the call engine; returns the 100.
  Sent offer(const std::string& headers = "", const std::string& body = kAnswer) {
    EXPECT_EQ(feed(incoming_invite(headers, body)), Outcome::kNewCall);
    return only_sent();
  }
};

TEST_F(SipCallIncoming, InviteGets100ThenRingingWhenTheAdapterAlerts) {
  Sent trying = offer();
  EXPECT_EQ(trying.status(), 100);
  EXPECT_EQ(trying.to_tag(), "");  // no tag on a 100
  EXPECT_EQ(trying.all("Via").size(), 2u);
  EXPECT_EQ(trying.cseq(), "10 INVITE");
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kIncoming);
  EXPECT_EQ(e.sdp, kAnswer);
  EXPECT_EQ(e.peer, "+15550001111");
  EXPECT_EQ(e.peer_name, "Alice");
  EXPECT_EQ(call_.phase(), SipCall::Phase::kOffered);

  ASSERT_TRUE(call_.ring(now_));
  Sent ringing = only_sent();
  EXPECT_EQ(ringing.status(), 180);
  EXPECT_FALSE(ringing.to_tag().empty());
  EXPECT_EQ(ringing.header("Contact"), "<sip:desk-101@192.0.2.10:5060>");
  EXPECT_EQ(ringing.header("Record-Route"), "<sip:192.0.2.30;lr>");
  EXPECT_EQ(ringing.all("Via").size(), 2u);

  // The INVITE again: the transaction answers with the 180 again; no new call.
  EXPECT_EQ(feed(incoming_invite("", kAnswer)), Outcome::kAbsorbed);
  EXPECT_EQ(only_sent().text, ringing.text);
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallIncoming, CallerIdPrefersPAssertedIdentity) {
  offer("P-Asserted-Identity: \"Reception\" <sip:+15559998888@carrier.example>\r\n");
  Event e = only_event();
  EXPECT_EQ(e.peer, "+15559998888");
  EXPECT_EQ(e.peer_name, "Reception");
}

TEST_F(SipCallIncoming, AnIdentityWithoutANameBorrowsFroms) {
  offer("P-Asserted-Identity: <tel:+15559998888>\r\n");
  Event e = only_event();
  EXPECT_EQ(e.peer, "+15559998888");
  EXPECT_EQ(e.peer_name, "Alice");
}

TEST_F(SipCallIncoming, AnswerIsRetransmittedUntilItsAck) {
  offer();
  take_events();
  ASSERT_TRUE(call_.answer(now_, kOffer));
  Sent ok = only_sent();
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(ok.body(), kOffer);
  EXPECT_EQ(ok.header("Content-Type"), "application/sdp");
  EXPECT_EQ(ok.header("Contact"), "<sip:desk-101@192.0.2.10:5060>");
  EXPECT_EQ(ok.header("Record-Route"), "<sip:192.0.2.30;lr>");
  EXPECT_NE(ok.header("Allow").find("UPDATE"), std::string::npos);
  local_tag_ = ok.to_tag();
  EXPECT_EQ(call_.phase(), SipCall::Phase::kAnswered);
  advance(7600);  // T1 doubling: 0.5, 1.5, 3.5, 7.5 s
  auto again = take_sent();
  ASSERT_EQ(again.size(), 4u);
  EXPECT_EQ(again[3].at - again[2].at, 4000);
  for (const Sent& s : again) EXPECT_EQ(s.text, ok.text);
  EXPECT_TRUE(take_events().empty());  // not connected before the ACK

  feed(far_request("ACK", 10, "z9hG4bKack1"));
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kConfirmed);
  EXPECT_EQ(e.sdp, "");
  EXPECT_EQ(call_.phase(), SipCall::Phase::kConfirmed);
  advance(60000);
  EXPECT_TRUE(take_sent().empty());  // no more 200s
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallIncoming, NoAckIn64T1EndsTheCallWithBye) {
  offer();
  take_events();
  ASSERT_TRUE(call_.answer(now_, kOffer));
  local_tag_ = only_sent().to_tag();
  advance(32000);
  auto sent = take_sent();
  ASSERT_FALSE(sent.empty());
  Sent bye = sent.back();
  EXPECT_EQ(bye.method(), "BYE");
  EXPECT_EQ(bye.request_uri(), "sip:far@192.0.2.20:5060");  // the INVITE's Contact
  EXPECT_EQ(bye.all("Route"), std::vector<std::string>{"<sip:192.0.2.30;lr>"});  // Record-Route, in order
  EXPECT_EQ(bye.hop, "sip:192.0.2.30;lr");
  EXPECT_EQ(bye.from_tag(), local_tag_);
  EXPECT_EQ(bye.to_tag(), far_tag_);
  EXPECT_EQ(bye.cseq(), "1 BYE");  // our own CSeq space
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kEnded);
  EXPECT_EQ(e.end, SipCallEnd::kTimeout);
  feed(response_to(bye, 200, "OK", ""));
  EXPECT_EQ(call_.phase(), SipCall::Phase::kEnded);
}

TEST_F(SipCallIncoming, DelayedOfferTakesTheAnswerFromTheAck) {
  offer("", "");
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kIncoming);
  EXPECT_EQ(e.sdp, "");  // no offer: ours goes in the 200
  ASSERT_TRUE(call_.answer(now_, kOffer));
  Sent ok = only_sent();
  EXPECT_EQ(ok.body(), kOffer);
  local_tag_ = ok.to_tag();
  feed(far_request("ACK", 10, "z9hG4bKack1", "", kAnswer));
  Event confirmed = only_event();
  EXPECT_EQ(confirmed.kind, K::kConfirmed);
  EXPECT_EQ(confirmed.sdp, kAnswer);
}

TEST_F(SipCallIncoming, DeclineSends603UntilItsAck) {
  offer();
  take_events();
  call_.hang_up(now_, SipHangUp::kDecline);
  Sent decline = only_sent();
  EXPECT_EQ(decline.status(), 603);
  EXPECT_FALSE(decline.to_tag().empty());
  local_tag_ = decline.to_tag();
  advance(1600);
  EXPECT_EQ(take_sent().size(), 2u);  // Timer G over UDP
  EXPECT_EQ(feed(on_invite_transaction("ACK", local_tag_)), Outcome::kAbsorbed);  // the transaction's own
  advance(60000);
  EXPECT_TRUE(take_sent().empty());
  EXPECT_TRUE(take_events().empty());  // the call layer declined it: nothing to tell
  EXPECT_TRUE(call_.reusable());
}

TEST_F(SipCallIncoming, BusySends486) {
  offer();
  take_events();
  call_.hang_up(now_, SipHangUp::kBusy);
  EXPECT_EQ(only_sent().status(), 486);
}

TEST_F(SipCallIncoming, CancelGets200AndTheInvite487) {
  offer();
  take_events();
  ASSERT_TRUE(call_.ring(now_));
  take_sent();
  EXPECT_EQ(feed(on_invite_transaction("CANCEL")), Outcome::kCall);
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].status(), 200);
  EXPECT_EQ(sent[0].cseq(), "10 CANCEL");
  EXPECT_EQ(sent[1].status(), 487);
  EXPECT_EQ(sent[1].cseq(), "10 INVITE");
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kEnded);
  EXPECT_EQ(e.end, SipCallEnd::kCancelled);
  EXPECT_EQ(call_.phase(), SipCall::Phase::kEnded);
}

TEST_F(SipCallIncoming, ASecondInviteWhileBothEnginesAreBusyGets486) {
  offer();
  take_events();
  far_call_id_ = "far-call-2@192.0.2.20";
  EXPECT_EQ(feed(incoming_invite("", kAnswer, "z9hG4bKfar2")), Outcome::kNewCall);  // the spare engine
  take_sent();
  take_events();
  far_call_id_ = "far-call-3@192.0.2.20";
  EXPECT_EQ(feed(incoming_invite("", kAnswer, "z9hG4bKfar3")), Outcome::kRefused);
  Sent busy = only_sent();
  EXPECT_EQ(busy.status(), 486);
  // Its ACK ends the refusal's transaction: the 486 goes out no more.
  std::string ack = incoming_invite("", "", "z9hG4bKfar3");
  ack.replace(0, 6, "ACK");
  ack.replace(ack.find("CSeq: 10 INVITE"), 15, "CSeq: 10 ACK");
  ack.insert(ack.find("\r\n", ack.find("To: ")), ";tag=" + busy.to_tag());
  EXPECT_EQ(feed(ack), Outcome::kAbsorbed);
  advance(30000);
  EXPECT_TRUE(take_sent().empty());
}

TEST_F(SipCallIncoming, AnInviteWithABodyThatIsNotSdpGets415) {
  std::string invite = incoming_invite("", "hello");
  invite.replace(invite.find("application/sdp"), 15, "text/plain");
  EXPECT_EQ(feed(invite), Outcome::kRefused);
  Sent r = only_sent();
  EXPECT_EQ(r.status(), 415);
  EXPECT_EQ(r.header("Accept"), "application/sdp");
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallIncoming, ByeForAnUnknownDialogGets481) {
  local_tag_ = "nosuchtag";
  EXPECT_EQ(feed(far_request("BYE", 11, "z9hG4bKbye9")), Outcome::kAnswered);
  Sent r = only_sent();
  EXPECT_EQ(r.status(), 481);
  EXPECT_EQ(r.cseq(), "11 BYE");
}

TEST_F(SipCallIncoming, OptionsOutsideADialogGets200WithAllow) {
  far_call_id_ = "probe-1@192.0.2.30";
  EXPECT_EQ(feed(on_invite_transaction("OPTIONS")), Outcome::kAnswered);
  Sent r = only_sent();
  EXPECT_EQ(r.status(), 200);
  EXPECT_NE(r.header("Allow").find("INVITE"), std::string::npos);
}

}  // namespace
}  // namespace dialtone::protocol::sip::test
