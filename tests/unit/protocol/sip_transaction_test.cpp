// RFC 3261 section 17 timer sequences on virtual time: what goes on the wire
// and when, what the transaction user hears, and when each machine ends.
#include "protocol/sip/transaction.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "protocol/sip/sip_message.hpp"
#include "protocol/sip/sip_pool.hpp"

namespace dialtone::protocol::sip {
namespace {

struct Sent {
  TimeMs at;
  TxId id;
  std::uint32_t peer;
  std::string bytes;
};

class Recorder : public TransactionUser {
 public:
  explicit Recorder(TimeMs& clock) : clock_(clock) {}
  void tx_send(TxId id, std::uint32_t peer, std::string_view bytes) override {
    sent.push_back({clock_, id, peer, std::string(bytes)});
  }
  void tx_response(TxId id, const SipMessage& r) override {
    responses.push_back({id, r.status()});
    if (on_response) on_response(id, r);
  }
  void tx_failed(TxId id, TxFailure why) override { failures.push_back({id, why}); }

  std::vector<TimeMs> send_times() const {
    std::vector<TimeMs> t;
    for (const Sent& s : sent) t.push_back(s.at);
    return t;
  }

  std::vector<Sent> sent;
  std::vector<std::pair<TxId, int>> responses;
  std::vector<std::pair<TxId, TxFailure>> failures;
  std::function<void(TxId, const SipMessage&)> on_response;

 private:
  TimeMs& clock_;
};

class SipTransactionTest : public ::testing::Test {
 protected:
  void SetUp() override { sip_pool_install(); }

  // Runs the layer's timers up to `until` (inclusive), as the loop would.
  void run_until(TimeMs until) {
    for (;;) {
      TimeMs w = layer->next_wakeup();
      if (w > until) break;
      now = w;
      layer->tick(now);
    }
    now = until;
  }

  SipMessage request(std::string_view method, std::string_view branch, std::string_view transport = "UDP") {
    RequestSpec s;
    s.method = method;
    s.request_uri = "sip:bob@biloxi.example.com";
    s.from = {"", "sip:alice@atlanta.example.com", "fromtag1"};
    s.to = {"", "sip:bob@biloxi.example.com", ""};
    s.call_id = "call-1@atlanta.example.com";
    s.cseq = 1;
    s.via = {transport, "192.0.2.101", 5060, branch};
    s.contact = "sip:alice@192.0.2.101:5060";
    SipMessage m;
    EXPECT_EQ(m.build_request(s), SipError::kOk);
    return m;
  }

  SipMessage response_to(const SipMessage& req, int status, std::string_view to_tag = "totag1") {
    SipMessage r;
    EXPECT_EQ(r.build_response(req, status, to_tag), SipError::kOk);
    return r;
  }

  SipMessage parsed(const std::string& bytes) {
    SipMessage m;
    EXPECT_EQ(m.parse(bytes), SipError::kOk) << bytes;
    return m;
  }

  TimeMs now = 0;
  std::unique_ptr<TransactionLayer> layer = std::make_unique<TransactionLayer>();
  Recorder tu{now};
};

TEST_F(SipTransactionTest, InviteClientRetransmitsOnTimerAAndTimesOutOnTimerB) {
  SipMessage inv = request("INVITE", "z9hG4bKa1");
  TxId id = 0;
  ASSERT_EQ(layer->start_client(now, inv, TxTransport::kUnreliable, 7, tu, id), SipError::kOk);
  EXPECT_EQ(layer->state(id), TxState::kCalling);
  run_until(40000);
  // T1 = 500 doubling without a cap, until Timer B = 64*T1 = 32 s.
  EXPECT_EQ(tu.send_times(), (std::vector<TimeMs>{0, 500, 1500, 3500, 7500, 15500, 31500}));
  for (const Sent& s : tu.sent) {
    EXPECT_EQ(s.peer, 7u);
    EXPECT_EQ(s.bytes, tu.sent[0].bytes);  // the same INVITE each time
  }
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, TxFailure::kTimeout));
  EXPECT_EQ(layer->state(id), TxState::kNone);
  EXPECT_EQ(layer->active(), 0u);
  EXPECT_EQ(layer->next_wakeup(), kNever);
}

TEST_F(SipTransactionTest, AProvisionalResponseStopsInviteRetransmissionsAndTimerB) {
  SipMessage inv = request("INVITE", "z9hG4bKa2");
  TxId id = 0;
  ASSERT_EQ(layer->start_client(now, inv, TxTransport::kUnreliable, 0, tu, id), SipError::kOk);
  run_until(700);
  EXPECT_TRUE(layer->on_response(now, response_to(inv, 100)));
  EXPECT_EQ(layer->state(id), TxState::kProceeding);
  run_until(10 * 60 * 1000);  // ringing for ten minutes: no retransmission, no timeout
  EXPECT_EQ(tu.send_times(), (std::vector<TimeMs>{0, 500}));
  EXPECT_TRUE(tu.failures.empty());
  EXPECT_EQ(layer->next_wakeup(), kNever);
  ASSERT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(tu.responses[0].second, 100);
  EXPECT_TRUE(layer->on_response(now, response_to(inv, 180)));
  EXPECT_EQ(tu.responses.back().second, 180);
}

TEST_F(SipTransactionTest, InviteClientAcksAFailureAndAbsorbsItsRetransmissions) {
  SipMessage inv = request("INVITE", "z9hG4bKa3");
  TxId id = 0;
  ASSERT_EQ(layer->start_client(now, inv, TxTransport::kUnreliable, 0, tu, id), SipError::kOk);
  run_until(100);
  SipMessage busy = response_to(inv, 486, "bobtag");
  ASSERT_TRUE(layer->on_response(now, busy));
  EXPECT_EQ(layer->state(id), TxState::kCompleted);
  ASSERT_EQ(tu.sent.size(), 2u);
  SipMessage ack = parsed(tu.sent[1].bytes);
  EXPECT_EQ(ack.method(), "ACK");
  EXPECT_EQ(ack.cseq()->number, 1u);
  EXPECT_EQ(ack.cseq()->method, "ACK");
  EXPECT_EQ(ack.to()->tag.view(), "bobtag");
  EXPECT_EQ(ack.top_via()->branch, "z9hG4bKa3");
  EXPECT_EQ(ack.request_uri()->view(), "sip:bob@biloxi.example.com");
  ASSERT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(tu.responses[0].second, 486);

  // The 486 again (our ACK was lost): ACKed again, the TU not bothered.
  run_until(1100);
  EXPECT_TRUE(layer->on_response(now, busy));
  ASSERT_EQ(tu.sent.size(), 3u);
  EXPECT_EQ(tu.sent[2].bytes, tu.sent[1].bytes);
  EXPECT_EQ(tu.responses.size(), 1u);
  // No INVITE retransmission after the failure; Timer D (32 s) ends it.
  run_until(32099);
  EXPECT_EQ(layer->state(id), TxState::kCompleted);
  run_until(32100);
  EXPECT_EQ(layer->state(id), TxState::kNone);
  EXPECT_EQ(tu.sent.size(), 3u);
  EXPECT_TRUE(tu.failures.empty());
}

TEST_F(SipTransactionTest, OverTcpNothingIsRetransmittedAndCompletionIsImmediate) {
  SipMessage inv = request("INVITE", "z9hG4bKa4", "TCP");
  TxId id = 0;
  ASSERT_EQ(layer->start_client(now, inv, TxTransport::kReliable, 0, tu, id), SipError::kOk);
  run_until(31999);
  EXPECT_EQ(tu.send_times(), (std::vector<TimeMs>{0}));
  SipMessage busy = response_to(inv, 603);
  ASSERT_TRUE(layer->on_response(now, busy));
  EXPECT_EQ(tu.sent.size(), 2u);  // the ACK
  EXPECT_EQ(layer->state(id), TxState::kNone);  // Timer D is zero over TCP

  // Timer B still applies over TCP.
  SipMessage inv2 = request("INVITE", "z9hG4bKa5", "TCP");
  TxId id2 = 0;
  ASSERT_EQ(layer->start_client(now, inv2, TxTransport::kReliable, 0, tu, id2), SipError::kOk);
  run_until(now + 32000);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id2, TxFailure::kTimeout));
  EXPECT_EQ(tu.sent.size(), 3u);
}

TEST_F(SipTransactionTest, EveryForkedTwoHundredReachesTheUserUntilTimerM) {
  SipMessage inv = request("INVITE", "z9hG4bKa6");
  TxId id = 0;
  ASSERT_EQ(layer->start_client(now, inv, TxTransport::kUnreliable, 0, tu, id), SipError::kOk);
  run_until(200);
  ASSERT_TRUE(layer->on_response(now, response_to(inv, 200, "fork1")));
  EXPECT_EQ(layer->state(id), TxState::kAccepted);
  run_until(300);
  ASSERT_TRUE(layer->on_response(now, response_to(inv, 200, "fork2")));
  ASSERT_TRUE(layer->on_response(now, response_to(inv, 200, "fork1")));  // a retransmission
  ASSERT_EQ(tu.responses.size(), 3u);
  EXPECT_EQ(tu.send_times(), (std::vector<TimeMs>{0}));  // 2xx ACKs are the dialog's, not the transaction's
  run_until(200 + 32000);
  EXPECT_EQ(layer->state(id), TxState::kNone);
  EXPECT_FALSE(layer->on_response(now, response_to(inv, 200, "fork1")));  // now the dialog's alone
  EXPECT_TRUE(tu.failures.empty());
}

TEST_F(SipTransactionTest, NonInviteClientRetransmitsOnTimerECappedAtT2) {
  SipMessage reg = request("REGISTER", "z9hG4bKr1");
  TxId id = 0;
  ASSERT_EQ(layer->start_client(now, reg, TxTransport::kUnreliable, 0, tu, id), SipError::kOk);
  EXPECT_EQ(layer->state(id), TxState::kTrying);
  run_until(40000);
  EXPECT_EQ(tu.send_times(),
            (std::vector<TimeMs>{0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500}));
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0].second, TxFailure::kTimeout);
  EXPECT_EQ(layer->active(), 0u);
}

TEST_F(SipTransactionTest, NonInviteClientProceedsAtT2ThenCompletesAndAbsorbs) {
  SipMessage reg = request("REGISTER", "z9hG4bKr2");
  TxId id = 0;
  ASSERT_EQ(layer->start_client(now, reg, TxTransport::kUnreliable, 0, tu, id), SipError::kOk);
  run_until(600);
  ASSERT_TRUE(layer->on_response(now, response_to(reg, 100)));
  EXPECT_EQ(layer->state(id), TxState::kProceeding);
  run_until(6000);
  // 1500 was already due (T1 doubled once); from then on every T2.
  EXPECT_EQ(tu.send_times(), (std::vector<TimeMs>{0, 500, 1500, 5500}));
  SipMessage ok = response_to(reg, 200);
  ASSERT_TRUE(layer->on_response(now, ok));
  EXPECT_EQ(layer->state(id), TxState::kCompleted);
  ASSERT_TRUE(layer->on_response(now, ok));  // retransmitted: absorbed
  EXPECT_EQ(tu.responses.size(), 2u);        // 100 and 200, once each
  run_until(6000 + 4999);
  EXPECT_EQ(layer->state(id), TxState::kCompleted);
  run_until(6000 + 5000);  // Timer K = T4
  EXPECT_EQ(layer->state(id), TxState::kNone);
  EXPECT_EQ(tu.sent.size(), 4u);
}

TEST_F(SipTransactionTest, ResponsesMatchByBranchAndCSeqMethodOnly) {
  SipMessage inv = request("INVITE", "z9hG4bKm1");
  TxId id = 0;
  ASSERT_EQ(layer->start_client(now, inv, TxTransport::kUnreliable, 0, tu, id), SipError::kOk);
  // Same branch, other method (the CANCEL's 200): not the INVITE's.
  SipMessage cancel;
  ASSERT_EQ(cancel.build_cancel(inv), SipError::kOk);
  EXPECT_FALSE(layer->on_response(now, response_to(cancel, 200)));
  // Another branch: a stray.
  EXPECT_FALSE(layer->on_response(now, response_to(request("INVITE", "z9hG4bKother"), 180)));
  EXPECT_TRUE(tu.responses.empty());
  // The CANCEL as its own transaction gets its own 200.
  TxId cid = 0;
  ASSERT_EQ(layer->start_client(now, cancel, TxTransport::kUnreliable, 0, tu, cid), SipError::kOk);
  EXPECT_TRUE(layer->on_response(now, response_to(cancel, 200)));
  ASSERT_EQ(tu.responses.size(), 1u);
  EXPECT_EQ(tu.responses[0].first, cid);
  EXPECT_EQ(layer->state(id), TxState::kCalling);
  // An ACK is never a client transaction.
  SipMessage busy = response_to(inv, 486);
  SipMessage ack;
  ASSERT_EQ(ack.build_ack_for_failure(inv, busy), SipError::kOk);
  TxId aid = 0;
  EXPECT_EQ(layer->start_client(now, ack, TxTransport::kUnreliable, 0, tu, aid), SipError::kBadArgument);
}

constexpr const char* kIncomingInvite =
    "INVITE sip:desk-101@192.0.2.4:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKin1\r\n"
    "From: <sip:+15551230001@acme.example.com>;tag=caller1\r\n"
    "To: <sip:desk-101@acme.example.com>\r\n"
    "Call-ID: in-call-1@203.0.113.5\r\n"
    "CSeq: 10 INVITE\r\n"
    "Contact: <sip:203.0.113.5:5060>\r\n"
    "Max-Forwards: 69\r\n"
    "Content-Length: 0\r\n\r\n";

std::string with_method(std::string text, std::string_view method) {
  text.replace(0, 6, method);
  std::size_t at = text.find("CSeq: 10 INVITE");
  text.replace(at, 15, "CSeq: 10 " + std::string(method));
  return text;
}

TEST_F(SipTransactionTest, InviteServerRetransmitsAFailureOnTimerGUntilItsAck) {
  SipMessage inv = parsed(kIncomingInvite);
  TxId id = 0;
  ASSERT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 3, tu, id), RequestMatch::kNew);
  EXPECT_EQ(layer->state(id), TxState::kProceeding);
  // Retransmitted before any answer: absorbed, nothing to resend.
  TxId again = 0;
  EXPECT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 3, tu, again), RequestMatch::kRetransmission);
  EXPECT_EQ(again, id);
  EXPECT_TRUE(tu.sent.empty());
  ASSERT_EQ(layer->respond(now, id, response_to(inv, 100)), SipError::kOk);
  ASSERT_EQ(layer->respond(now, id, response_to(inv, 180, "me1")), SipError::kOk);
  // Now a retransmitted INVITE gets the 180 again.
  run_until(300);
  EXPECT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 3, tu, again), RequestMatch::kRetransmission);
  ASSERT_EQ(tu.sent.size(), 3u);
  EXPECT_EQ(tu.sent[2].bytes, tu.sent[1].bytes);
  EXPECT_EQ(tu.sent[2].peer, 3u);

  run_until(1000);
  ASSERT_EQ(layer->respond(now, id, response_to(inv, 486, "me1")), SipError::kOk);
  EXPECT_EQ(layer->state(id), TxState::kCompleted);
  EXPECT_EQ(layer->respond(now, id, response_to(inv, 200, "me1")), SipError::kBadArgument);  // final already
  run_until(9000);
  // Timer G: T1 doubling up to T2.
  EXPECT_EQ(tu.send_times(), (std::vector<TimeMs>{0, 0, 300, 1000, 1500, 2500, 4500, 8500}));
  // The ACK (same branch): absorbed, retransmissions stop, Timer I = T4.
  std::string ack_text = with_method(kIncomingInvite, "ACK");
  TxId ack_id = 0;
  EXPECT_EQ(layer->on_request(now, parsed(ack_text), TxTransport::kUnreliable, 3, tu, ack_id),
            RequestMatch::kAckAbsorbed);
  EXPECT_EQ(ack_id, id);
  EXPECT_EQ(layer->state(id), TxState::kConfirmed);
  run_until(9000 + 4999);
  EXPECT_EQ(layer->on_request(now, parsed(ack_text), TxTransport::kUnreliable, 3, tu, ack_id),
            RequestMatch::kAckAbsorbed);
  run_until(9000 + 5000);
  EXPECT_EQ(layer->state(id), TxState::kNone);
  EXPECT_EQ(tu.sent.size(), 8u);
  EXPECT_TRUE(tu.failures.empty());
}

TEST_F(SipTransactionTest, InviteServerGivesUpOnTimerHWithoutAck) {
  SipMessage inv = parsed(kIncomingInvite);
  TxId id = 0;
  ASSERT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 0, tu, id), RequestMatch::kNew);
  ASSERT_EQ(layer->respond(now, id, response_to(inv, 603)), SipError::kOk);
  run_until(40000);
  EXPECT_EQ(tu.send_times(), (std::vector<TimeMs>{0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500,
                                                  31500}));
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, TxFailure::kNoAck));
}

TEST_F(SipTransactionTest, InviteServerRetransmitsItsTwoHundredUntilTheDialogSeesTheAck) {
  SipMessage inv = parsed(kIncomingInvite);
  TxId id = 0;
  ASSERT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 0, tu, id), RequestMatch::kNew);
  ASSERT_EQ(layer->respond(now, id, response_to(inv, 200)), SipError::kOk);
  EXPECT_EQ(layer->state(id), TxState::kAccepted);
  run_until(4000);
  EXPECT_EQ(tu.send_times(), (std::vector<TimeMs>{0, 500, 1500, 3500}));
  // A retransmitted INVITE meanwhile is answered with the same 200.
  TxId again = 0;
  EXPECT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 0, tu, again), RequestMatch::kRetransmission);
  EXPECT_EQ(tu.sent.back().bytes, tu.sent[0].bytes);
  // The ACK of a 2xx has its own branch: no transaction owns it.
  std::string ack_text = with_method(kIncomingInvite, "ACK");
  ack_text.replace(ack_text.find("z9hG4bKin1"), 10, "z9hG4bKin2");
  TxId ack_id = 0;
  EXPECT_EQ(layer->on_request(now, parsed(ack_text), TxTransport::kUnreliable, 0, tu, ack_id),
            RequestMatch::kStrayAck);
  layer->ack_received(id);  // the dialog matched it
  std::size_t sent = tu.sent.size();
  run_until(31999);
  EXPECT_EQ(tu.sent.size(), sent);  // no more 200s
  EXPECT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 0, tu, again), RequestMatch::kRetransmission);
  EXPECT_EQ(tu.sent.size(), sent);  // late INVITE copies absorbed
  run_until(32000);
  EXPECT_EQ(layer->state(id), TxState::kNone);
  EXPECT_TRUE(tu.failures.empty());
}

TEST_F(SipTransactionTest, ATwoHundredNeverAcknowledgedFailsAfter64T1) {
  SipMessage inv = parsed(kIncomingInvite);
  TxId id = 0;
  ASSERT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 0, tu, id), RequestMatch::kNew);
  ASSERT_EQ(layer->respond(now, id, response_to(inv, 200)), SipError::kOk);
  run_until(40000);
  EXPECT_EQ(tu.send_times(), (std::vector<TimeMs>{0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500,
                                                  31500}));
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id, TxFailure::kNoAck));
}

TEST_F(SipTransactionTest, NonInviteServerAnswersRetransmissionsWithTheSameResponseUntilTimerJ) {
  std::string bye_text = with_method(kIncomingInvite, "BYE");
  SipMessage bye = parsed(bye_text);
  TxId id = 0;
  ASSERT_EQ(layer->on_request(now, bye, TxTransport::kUnreliable, 0, tu, id), RequestMatch::kNew);
  EXPECT_EQ(layer->state(id), TxState::kTrying);
  TxId again = 0;
  EXPECT_EQ(layer->on_request(now, bye, TxTransport::kUnreliable, 0, tu, again), RequestMatch::kRetransmission);
  EXPECT_TRUE(tu.sent.empty());  // nothing to answer with yet
  ASSERT_EQ(layer->respond(now, id, response_to(bye, 200)), SipError::kOk);
  EXPECT_EQ(layer->state(id), TxState::kCompleted);
  run_until(20000);
  EXPECT_EQ(layer->on_request(now, bye, TxTransport::kUnreliable, 0, tu, again), RequestMatch::kRetransmission);
  ASSERT_EQ(tu.sent.size(), 2u);
  EXPECT_EQ(tu.sent[1].bytes, tu.sent[0].bytes);
  EXPECT_EQ(tu.send_times(), (std::vector<TimeMs>{0, 20000}));  // no timer-driven resends on the server side
  run_until(32000);  // Timer J = 64*T1
  EXPECT_EQ(layer->state(id), TxState::kNone);
  EXPECT_EQ(layer->on_request(now, bye, TxTransport::kUnreliable, 0, tu, again), RequestMatch::kNew);
  EXPECT_NE(again, id);

  // Over TCP, J is zero: the transaction ends with its final response.
  std::string info_text = with_method(kIncomingInvite, "INFO");
  SipMessage info = parsed(info_text);
  TxId iid = 0;
  ASSERT_EQ(layer->on_request(now, info, TxTransport::kReliable, 0, tu, iid), RequestMatch::kNew);
  ASSERT_EQ(layer->respond(now, iid, response_to(info, 200)), SipError::kOk);
  EXPECT_EQ(layer->state(iid), TxState::kNone);
}

TEST_F(SipTransactionTest, CancelFindsItsInviteAndIsATransactionOfItsOwn) {
  SipMessage inv = parsed(kIncomingInvite);
  TxId id = 0;
  ASSERT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 0, tu, id), RequestMatch::kNew);
  SipMessage cancel = parsed(with_method(kIncomingInvite, "CANCEL"));
  ASSERT_EQ(layer->find_invite_for_cancel(cancel), id);
  TxId cid = 0;
  ASSERT_EQ(layer->on_request(now, cancel, TxTransport::kUnreliable, 0, tu, cid), RequestMatch::kNew);
  EXPECT_NE(cid, id);
  ASSERT_EQ(layer->respond(now, cid, response_to(cancel, 200)), SipError::kOk);
  ASSERT_EQ(layer->respond(now, id, response_to(inv, 487)), SipError::kOk);
  std::string other = kIncomingInvite;
  other.replace(other.find("z9hG4bKin1"), 10, "z9hG4bKxx9");
  EXPECT_FALSE(layer->find_invite_for_cancel(parsed(with_method(other, "CANCEL"))));
}

TEST_F(SipTransactionTest, Rfc2543RequestsMatchWithoutABranchCookie) {
  std::string old = kIncomingInvite;
  old.replace(old.find(";branch=z9hG4bKin1"), 18, "");
  SipMessage inv = parsed(old);
  TxId id = 0;
  ASSERT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 0, tu, id), RequestMatch::kNew);
  ASSERT_EQ(layer->respond(now, id, response_to(inv, 486)), SipError::kOk);
  TxId again = 0;
  EXPECT_EQ(layer->on_request(now, inv, TxTransport::kUnreliable, 0, tu, again), RequestMatch::kRetransmission);
  EXPECT_EQ(again, id);
  EXPECT_EQ(layer->on_request(now, parsed(with_method(old, "ACK")), TxTransport::kUnreliable, 0, tu, again),
            RequestMatch::kAckAbsorbed);
  EXPECT_EQ(layer->state(id), TxState::kConfirmed);
}

TEST_F(SipTransactionTest, AFullTableRefusesCleanly) {
  std::vector<SipMessage> reqs;
  for (std::size_t i = 0; i < limits::kSipTransactionsMax; ++i) {
    reqs.push_back(request("OPTIONS", "z9hG4bKfull" + std::to_string(i)));
    TxId id = 0;
    ASSERT_EQ(layer->start_client(now, reqs.back(), TxTransport::kUnreliable, 0, tu, id), SipError::kOk);
  }
  EXPECT_EQ(layer->active(), limits::kSipTransactionsMax);
  TxId id = 0;
  EXPECT_EQ(layer->start_client(now, request("OPTIONS", "z9hG4bKone-more"), TxTransport::kUnreliable, 0, tu, id),
            SipError::kNoRoom);
  EXPECT_EQ(id, 0u);
  EXPECT_TRUE(layer->last_full());
  EXPECT_EQ(layer->on_request(now, parsed(kIncomingInvite), TxTransport::kUnreliable, 0, tu, id),
            RequestMatch::kNoRoom);
  run_until(32000);  // all time out, the table empties
  EXPECT_EQ(layer->active(), 0u);
  EXPECT_EQ(tu.failures.size(), limits::kSipTransactionsMax);
}

TEST_F(SipTransactionTest, TheUserMayStartAndEndTransactionsFromInsideCallbacks) {
  // A 401 answered at once with a new REGISTER, as the registration engine does.
  SipMessage reg = request("REGISTER", "z9hG4bKcb1");
  SipMessage reg2 = request("REGISTER", "z9hG4bKcb2");
  TxId id = 0, id2 = 0;
  tu.on_response = [&](TxId from, const SipMessage& r) {
    if (r.status() == 401) {
      EXPECT_EQ(layer->start_client(now, reg2, TxTransport::kUnreliable, 0, tu, id2), SipError::kOk);
      layer->abandon(from);
    }
  };
  ASSERT_EQ(layer->start_client(now, reg, TxTransport::kUnreliable, 0, tu, id), SipError::kOk);
  ASSERT_TRUE(layer->on_response(now, response_to(reg, 401)));
  EXPECT_EQ(layer->state(id), TxState::kNone);
  EXPECT_EQ(layer->state(id2), TxState::kTrying);
  EXPECT_EQ(tu.sent.size(), 2u);
  layer->transport_error(id2);
  ASSERT_EQ(tu.failures.size(), 1u);
  EXPECT_EQ(tu.failures[0], std::make_pair(id2, TxFailure::kTransport));
  EXPECT_EQ(layer->active(), 0u);
  layer->abandon(id2);  // already gone: harmless
  EXPECT_EQ(layer->state(id2), TxState::kNone);
}

}  // namespace
}  // namespace dialtone::protocol::sip
