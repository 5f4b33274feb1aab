// Incoming calls refused before they are answered (sip-line.md section 4):
// each way of hanging up an unanswered INVITE gives its final response.
#include "tests/unit/protocol/sip_call_harness.hpp"

namespace dialtone::protocol::sip::test {
namespace {

using K = SipCallEvent::Kind;

class SipCallRefuse : public SipCallHarness {
 protected:
  // A new incoming call, taken (100 Trying) and reported; what was sent is
  // taken too.
  void offered() {
    incoming_ = true;
    ASSERT_EQ(feed(incoming_invite("", kAnswer)), SipCallRouter::Outcome::kNewCall);
    collect();
    auto sent = take_sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].status(), 100);
    auto events = take_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, K::kIncoming);
  }
  int refused_with(SipHangUp how) {
    offered();
    call_.hang_up(now_, how);
    collect();
    Sent final = only_sent();
    EXPECT_TRUE(take_events().empty());  // the adapter ended it: no event back
    EXPECT_TRUE(call_.reusable());
    return final.status();
  }
};

TEST_F(SipCallRefuse, Terminated480) {
  EXPECT_EQ(refused_with(SipHangUp::kTerminate), 480);
}
TEST_F(SipCallRefuse, Declined603) { EXPECT_EQ(refused_with(SipHangUp::kDecline), 603); }
TEST_F(SipCallRefuse, Busy486) { EXPECT_EQ(refused_with(SipHangUp::kBusy), 486); }
TEST_F(SipCallRefuse, OfferThatCannotBeUsed488) { EXPECT_EQ(refused_with(SipHangUp::kNotAcceptable), 488); }

TEST_F(SipCallRefuse, OptionsReusingTheCallIdIsNotTheCalls) {
  // An OPTIONS without a To tag is outside every dialog, even with the
  // Call-ID and From tag of a call that was refused: answered 200, not 481.
  EXPECT_EQ(refused_with(SipHangUp::kNotAcceptable), 488);
  std::string options = incoming_invite("", "", "z9hG4bKfaropt", 11);
  options.replace(0, 6, "OPTIONS");
  options.replace(options.find("CSeq: 11 INVITE"), 15, "CSeq: 11 OPTIONS");
  EXPECT_EQ(feed(options), SipCallRouter::Outcome::kAnswered);
  Sent ok = only_sent();
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(ok.cseq(), "11 OPTIONS");
}

}  // namespace
}  // namespace dialtone::protocol::sip::test
