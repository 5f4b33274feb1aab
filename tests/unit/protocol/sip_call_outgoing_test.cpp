// Outgoing calls (sip-line.md section 4): INVITE with our offer, progress,
// answer, challenges, failures, CANCEL, and forked answers.
#include "protocol/sip/sip_account.hpp"
#include "protocol/sip/sip_call_auth.hpp"
#include "tests/unit/protocol/sip_call_harness.hpp"

namespace dialtone::protocol::sip::test {
namespace {

using K = SipCallEvent::Kind;

class SipCallOutgoing : public SipCallHarness {
 protected:
  Sent place() {
    EXPECT_TRUE(call_.place(now_, me(), kTarget, kOffer));
    collect();
    Sent invite = only_sent();
    local_tag_ = invite.from_tag();
    return invite;
  }
};

TEST_F(SipCallOutgoing, InviteCarriesOfferAndIdentity) {
  Sent invite = place();
  EXPECT_EQ(invite.method(), "INVITE");
  EXPECT_EQ(invite.request_uri(), kTarget);
  EXPECT_EQ(invite.hop, kTarget);
  EXPECT_NE(invite.header("From").find("\"Front desk\" <sip:desk-101@acme.example.com>"), std::string::npos);
  EXPECT_FALSE(invite.from_tag().empty());
  EXPECT_EQ(invite.header("To"), std::string("<") + kTarget + ">");
  EXPECT_EQ(invite.cseq(), "1 INVITE");
  EXPECT_EQ(invite.branch().rfind("z9hG4bK", 0), 0u);
  EXPECT_EQ(invite.header("Contact"), "<sip:desk-101@192.0.2.10:5060>");
  EXPECT_EQ(invite.header("Content-Type"), "application/sdp");
  EXPECT_EQ(invite.body(), kOffer);
  EXPECT_NE(invite.header("Supported").find("timer"), std::string::npos);
  EXPECT_EQ(invite.header("User-Agent"), "Dialtone");
  EXPECT_EQ(call_.phase(), SipCall::Phase::kCalling);
}

TEST_F(SipCallOutgoing, InviteRetransmittedUntilA100) {
  Sent invite = place();
  advance(1600);  // Timer A: T1, then 2*T1 later
  auto again = take_sent();
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].text, invite.text);
  EXPECT_EQ(again[0].at, 100500);
  EXPECT_EQ(again[1].at, 101500);
  feed(response_to(invite, 100, "Trying", ""));
  EXPECT_EQ(only_event().kind, K::kTrying);
  advance(60000);
  EXPECT_TRUE(take_sent().empty());  // Proceeding: no retransmission, no Timer B
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallOutgoing, NoResponseAtAllEndsInTimeout) {
  place();
  advance(32000);  // Timer B: 64*T1
  auto sent = take_sent();
  EXPECT_EQ(sent.size(), 6u);  // at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kEnded);
  EXPECT_EQ(e.end, SipCallEnd::kTimeout);
  EXPECT_EQ(call_.phase(), SipCall::Phase::kEnded);
}

TEST_F(SipCallOutgoing, RingingThenAnswerIsAckedAlongTheRouteSet) {
  Sent invite = place();
  feed(response_to(invite, 180, "Ringing", far_tag_));
  EXPECT_EQ(only_event().kind, K::kRinging);
  feed(response_to(invite, 200, "OK", far_tag_,
                   "Record-Route: <sip:p2.example.net;lr>\r\nRecord-Route: <sip:p1.example.net;lr>\r\n", kAnswer));
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kAnswered);
  EXPECT_EQ(e.sdp, kAnswer);
  Sent ack = only_sent();
  EXPECT_EQ(ack.method(), "ACK");
  EXPECT_EQ(ack.request_uri(), "sip:far@192.0.2.20:5060");  // the 2xx's Contact
  EXPECT_EQ(ack.all("Route"), (std::vector<std::string>{"<sip:p1.example.net;lr>", "<sip:p2.example.net;lr>"}));
  EXPECT_EQ(ack.hop, "sip:p1.example.net;lr");
  EXPECT_EQ(ack.cseq(), "1 ACK");
  EXPECT_NE(ack.branch(), invite.branch());  // a new transaction
  EXPECT_EQ(ack.to_tag(), far_tag_);
  EXPECT_TRUE(ack.body().empty());
  EXPECT_EQ(call_.phase(), SipCall::Phase::kConfirmed);

  // The 200 again (our ACK was lost): the same ACK, no second answer.
  feed(response_to(invite, 200, "OK", far_tag_,
                   "Record-Route: <sip:p2.example.net;lr>\r\nRecord-Route: <sip:p1.example.net;lr>\r\n", kAnswer));
  EXPECT_EQ(only_sent().text, ack.text);
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallOutgoing, EarlyMediaKeepsRingbackAway) {
  Sent invite = place();
  feed(response_to(invite, 183, "Session Progress", far_tag_, "", kAnswer));
  Event early = only_event();
  EXPECT_EQ(early.kind, K::kEarlyMedia);
  EXPECT_EQ(early.sdp, kAnswer);
  feed(response_to(invite, 180, "Ringing", far_tag_));
  EXPECT_TRUE(take_events().empty());  // no ringback after early media
  feed(response_to(invite, 200, "OK", far_tag_, "", kAnswer));
  EXPECT_EQ(only_event().kind, K::kAnswered);
}

TEST_F(SipCallOutgoing, ChallengeIsAnsweredOnceWithCredentials) {
  SipAccount account;
  account.registrar.assign("sip:acme.example.com");
  account.username.assign("desk-101");
  account.password.assign("secret");
  SipAccountCredentials credentials(account, rng_);
  call_.set_credentials(&credentials);
  Sent invite = place();
  const std::string challenge =
      "Proxy-Authenticate: Digest realm=\"acme.example.com\", nonce=\"4f2a9c\", qop=\"auth\", algorithm=MD5\r\n";
  feed(response_to(invite, 407, "Proxy Authentication Required", "px1", challenge));
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 2u);
  // The transaction's ACK of the 407: the INVITE's branch and Request-URI.
  EXPECT_EQ(sent[0].method(), "ACK");
  EXPECT_EQ(sent[0].branch(), invite.branch());
  EXPECT_EQ(sent[0].cseq(), "1 ACK");
  EXPECT_EQ(sent[0].to_tag(), "px1");
  // The INVITE again: same Call-ID and From tag, a new CSeq and branch, credentials.
  const Sent& again = sent[1];
  EXPECT_EQ(again.method(), "INVITE");
  EXPECT_EQ(again.header("Call-ID"), invite.header("Call-ID"));
  EXPECT_EQ(again.from_tag(), invite.from_tag());
  EXPECT_EQ(again.cseq(), "2 INVITE");
  EXPECT_NE(again.branch(), invite.branch());
  const std::string auth = again.header("Proxy-Authorization");
  EXPECT_NE(auth.find("Digest username=\"desk-101\""), std::string::npos) << auth;
  EXPECT_NE(auth.find("nonce=\"4f2a9c\""), std::string::npos);
  EXPECT_NE(auth.find(std::string("uri=\"") + kTarget + "\""), std::string::npos);
  EXPECT_EQ(again.body(), kOffer);
  EXPECT_TRUE(take_events().empty());

  // Challenged again: no second answer; the call fails.
  feed(response_to(again, 407, "Proxy Authentication Required", "px2", challenge));
  sent = take_sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method(), "ACK");
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kEnded);
  EXPECT_EQ(e.end, SipCallEnd::kRejected);
  EXPECT_EQ(e.status, 407);
}

TEST_F(SipCallOutgoing, ChallengeWithoutCredentialsEndsTheCall) {
  Sent invite = place();
  feed(response_to(invite, 401, "Unauthorized", "ua1", "WWW-Authenticate: Digest realm=\"x\", nonce=\"y\"\r\n"));
  Event e = only_event();
  EXPECT_EQ(e.end, SipCallEnd::kRejected);
  EXPECT_EQ(e.status, 401);
}

struct Outcome {
  int status;
  SipCallEnd end;
};

class SipCallFinalFailure : public SipCallOutgoing, public ::testing::WithParamInterface<Outcome> {};

TEST_P(SipCallFinalFailure, IsAckedAndEndsTheCallWithItsTone) {
  Sent invite = place();
  feed(response_to(invite, 183, "Session Progress", far_tag_));
  take_events();
  feed(response_to(invite, GetParam().status, "Whatever", far_tag_));
  Sent ack = only_sent();
  EXPECT_EQ(ack.method(), "ACK");
  EXPECT_EQ(ack.branch(), invite.branch());
  EXPECT_EQ(ack.request_uri(), kTarget);
  Event e = only_event();
  EXPECT_EQ(e.kind, K::kEnded);
  EXPECT_EQ(e.end, GetParam().end);
  EXPECT_EQ(e.status, GetParam().status);
  EXPECT_EQ(e.reason, "Whatever");
  // The response again: the ACK again, nothing more to tell.
  feed(response_to(invite, GetParam().status, "Whatever", far_tag_));
  EXPECT_EQ(only_sent().text, ack.text);
  EXPECT_TRUE(take_events().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, SipCallFinalFailure,
    ::testing::Values(Outcome{486, SipCallEnd::kBusy}, Outcome{600, SipCallEnd::kBusy},
                      Outcome{603, SipCallEnd::kDeclined}, Outcome{404, SipCallEnd::kRejected},
                      Outcome{480, SipCallEnd::kRejected}, Outcome{484, SipCallEnd::kRejected},
                      Outcome{403, SipCallEnd::kRejected}, Outcome{408, SipCallEnd::kRejected},
                      Outcome{500, SipCallEnd::kRejected}, Outcome{503, SipCallEnd::kRejected}),
    [](const ::testing::TestParamInfo<Outcome>& i) { return "Status" + std::to_string(i.param.status); });

TEST_F(SipCallOutgoing, HangingUpBeforeTheAnswerCancels) {
  Sent invite = place();
  feed(response_to(invite, 180, "Ringing", far_tag_));
  take_events();
  call_.hang_up(now_);
  collect();
  Sent cancel = only_sent();
  EXPECT_EQ(cancel.method(), "CANCEL");
  EXPECT_EQ(cancel.request_uri(), kTarget);
  EXPECT_EQ(cancel.branch(), invite.branch());
  EXPECT_EQ(cancel.cseq(), "1 CANCEL");
  EXPECT_EQ(cancel.header("To"), invite.header("To"));  // no tag: the INVITE's To
  EXPECT_EQ(cancel.header("Call-ID"), invite.header("Call-ID"));
  feed(response_to(cancel, 200, "OK", far_tag_));
  EXPECT_TRUE(take_sent().empty());
  feed(response_to(invite, 487, "Request Terminated", far_tag_));
  Sent ack = only_sent();
  EXPECT_EQ(ack.method(), "ACK");
  EXPECT_EQ(ack.branch(), invite.branch());
  EXPECT_TRUE(take_events().empty());  // the call layer ended it already
  EXPECT_EQ(call_.phase(), SipCall::Phase::kEnded);
  EXPECT_TRUE(call_.reusable());
}

TEST_F(SipCallOutgoing, CancelWaitsForAProvisionalResponse) {
  Sent invite = place();
  call_.hang_up(now_);
  collect();
  EXPECT_TRUE(take_sent().empty());  // RFC 3261 9.1: not before a provisional
  feed(response_to(invite, 100, "Trying", ""));
  Sent cancel = only_sent();
  EXPECT_EQ(cancel.method(), "CANCEL");
  EXPECT_TRUE(take_events().empty());
}

TEST_F(SipCallOutgoing, AnAnswerCrossingTheCancelIsAckedThenEnded) {
  Sent invite = place();
  feed(response_to(invite, 180, "Ringing", far_tag_));
  take_events();
  call_.hang_up(now_);
  collect();
  ASSERT_EQ(only_sent().method(), "CANCEL");
  feed(response_to(invite, 200, "OK", far_tag_, "", kAnswer));
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].method(), "ACK");
  EXPECT_EQ(sent[0].cseq(), "1 ACK");
  EXPECT_EQ(sent[1].method(), "BYE");
  EXPECT_EQ(sent[1].cseq(), "2 BYE");
  EXPECT_EQ(sent[1].request_uri(), "sip:far@192.0.2.20:5060");
  EXPECT_EQ(sent[1].to_tag(), far_tag_);
  EXPECT_TRUE(take_events().empty());
  feed(response_to(sent[1], 200, "OK", ""));
  EXPECT_EQ(call_.phase(), SipCall::Phase::kEnded);
}

TEST_F(SipCallOutgoing, ASecondForksAnswerIsAckedAndEndedWithBye) {
  Sent invite = place();
  feed(response_to(invite, 200, "OK", "forkA", "", kAnswer, "<sip:a@192.0.2.21>"));
  EXPECT_EQ(only_event().kind, K::kAnswered);
  EXPECT_EQ(only_sent().request_uri(), "sip:a@192.0.2.21");
  const std::string fork_b = response_to(invite, 200, "OK", "forkB", "", kAnswer, "<sip:b@192.0.2.22>");
  feed(fork_b);
  auto sent = take_sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].method(), "ACK");
  EXPECT_EQ(sent[0].request_uri(), "sip:b@192.0.2.22");
  EXPECT_EQ(sent[0].to_tag(), "forkB");
  EXPECT_EQ(sent[1].method(), "BYE");
  EXPECT_EQ(sent[1].request_uri(), "sip:b@192.0.2.22");
  EXPECT_EQ(sent[1].to_tag(), "forkB");
  EXPECT_TRUE(take_events().empty());  // the first answer is the call
  EXPECT_EQ(call_.phase(), SipCall::Phase::kConfirmed);
  // Fork B's 200 again: ACKed again, no second BYE.
  feed(fork_b);
  auto again = take_sent();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].text, sent[0].text);
  // The BYE is retransmitted until answered.
  advance(600);
  auto bye_again = take_sent();
  ASSERT_EQ(bye_again.size(), 1u);
  EXPECT_EQ(bye_again[0].text, sent[1].text);
  feed(response_to(sent[1], 200, "OK", ""));
  advance(10000);
  EXPECT_TRUE(take_sent().empty());
  // The call itself goes on: our BYE goes to fork A.
  call_.hang_up(now_);
  collect();
  Sent bye = only_sent();
  EXPECT_EQ(bye.request_uri(), "sip:a@192.0.2.21");
  EXPECT_EQ(bye.to_tag(), "forkA");
}

}  // namespace
}  // namespace dialtone::protocol::sip::test
