// The call layer: two call slots and the policy between them (call waiting,
// flash, recall), the one queue every input goes through, and routing by
// line call id. Lines, media and the phone are recording fakes.
#include "firmware/call/call_layer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dialtone::call {
namespace {

using K = Event::Kind;

struct Log {
  std::vector<std::string> lines;
  void add(std::string s) { lines.push_back(std::move(s)); }
  bool has(const std::string& s) const {
    for (const auto& l : lines)
      if (l == s) return true;
    return false;
  }
};

struct FakeLine : CallLine {
  explicit FakeLine(Log& l) : log(l) {}
  Log& log;
  std::string why;
  std::string_view name() const override { return "fake"; }
  std::string_view unavailable_reason() const override { return why; }
  void place(const CallMachine& c, std::string_view to, std::string_view) override {
    log.add("place " + std::to_string(c.id()) + " " + std::string(to));
  }
  void alert(const CallMachine& c) override { log.add("alert " + std::string(c.call_id())); }
  void send_answer(const CallMachine& c, std::string_view) override { log.add("answer " + std::string(c.call_id())); }
  void send_offer(const CallMachine& c, OfferPurpose p, std::string_view) override {
    log.add(std::string(p == OfferPurpose::kHold ? "hold " : p == OfferPurpose::kResume ? "resume " : "offer ") +
            std::string(c.call_id()));
  }
  void send_offer_answer(const CallMachine& c, RemotePurpose, std::string_view) override {
    log.add("offer-answer " + std::string(c.call_id()));
  }
  void end(const CallMachine& c, EndReason r) override {
    log.add("end " + std::string(c.call_id()) + " " + end_reason_name(r));
  }
  void refuse(std::string_view call_id, EndReason r) override {
    log.add("refuse " + std::string(call_id) + " " + end_reason_name(r));
  }
};

struct FakeMedia : CallMedia {
  FakeMedia(Log& l, int s) : log(l), slot(s) {}
  Log& log;
  int slot;
  CallLayer* layer = nullptr;
  bool synchronous = false;  // reports its SDP from inside the request, as a cached gather would
  bool send = false, play = false;
  void made() {
    if (synchronous) layer->from_media(static_cast<std::uint8_t>(slot), Event{.kind = K::kLocalSdp});
  }
  bool create_offer(MediaDirection, bool) override {
    log.add("media" + std::to_string(slot) + " offer");
    made();
    return true;
  }
  bool create_answer(std::string_view, MediaDirection) override {
    log.add("media" + std::to_string(slot) + " answer");
    made();
    return true;
  }
  bool apply_answer(std::string_view) override { return true; }
  std::string_view local_sdp() const override { return "v=0 local"; }
  void set_flow(bool s, bool p) override { send = s; play = p; }
  bool send_dtmf(char) override { return true; }
  void close() override { log.add("media" + std::to_string(slot) + " close"); }
};

struct FakeUi : CallUi {
  std::vector<std::string> events;
  int settled = 0;
  void call_changed(const CallMachine& c, std::string_view) override {
    events.push_back(std::to_string(c.id()) + " " + state_name(c.state()));
  }
  void calls_settled() override { ++settled; }
};

class CallLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    layer.set_ui(ui);
    layer.set_media(0, &m0);
    layer.set_media(1, &m1);
    m0.layer = m1.layer = &layer;
    line_index = layer.add_line(line);
  }
  void from_line(const Event& e) { layer.from_line(line_index, 0, e); }
  void sdp(int slot) { layer.from_media(static_cast<std::uint8_t>(slot), Event{.kind = K::kLocalSdp}); }
  // An incoming call answered and confirmed, in slot 0.
  void first_call_connected() {
    from_line(Event{.kind = K::kIncoming, .number = "tel:+1001", .call_id = "A", .sdp = "v=0 offer"});
    sdp(0);
    layer.answer();
    from_line(Event{.kind = K::kConfirmed, .call_id = "A"});
    ASSERT_EQ(layer.slot(0).state(), State::kConnected);
  }
  void second_call_waiting() {
    from_line(Event{.kind = K::kIncoming, .number = "tel:+1002", .call_id = "B", .peer_name = "Bea",
                    .sdp = "v=0 offer"});
    sdp(1);
    ASSERT_EQ(layer.slot(1).state(), State::kWaiting);
  }

  Log log;
  FakeLine line{log};
  FakeMedia m0{log, 0}, m1{log, 1};
  FakeUi ui;
  CallLayer layer;
  std::uint8_t line_index = 0;
};

TEST_F(CallLayerTest, ASecondCallerWaitsWithTheCallWaitingTone) {
  first_call_connected();
  EXPECT_EQ(layer.tone(), handset::Tone::kNone);
  second_call_waiting();
  EXPECT_TRUE(log.has("alert B"));
  EXPECT_EQ(layer.tone(), handset::Tone::kCallWaiting);
  EXPECT_FALSE(layer.ringing()) << "the handset is in use: no ringing";
  EXPECT_TRUE(m0.send && m0.play) << "the first call goes on";
  EXPECT_FALSE(m1.send || m1.play);
}

TEST_F(CallLayerTest, FlashHoldsTheCallAndAnswersTheWaitingOneThenSwaps) {
  first_call_connected();
  second_call_waiting();
  layer.flash();
  EXPECT_TRUE(log.has("answer B"));
  EXPECT_EQ(layer.foreground(), &layer.slot(1));
  sdp(0);  // the hold offer of call A is gathered
  EXPECT_TRUE(log.has("hold A"));
  from_line(Event{.kind = K::kRemoteHold, .call_id = "A", .sdp = "v=0 recvonly"});
  from_line(Event{.kind = K::kConfirmed, .call_id = "B"});
  EXPECT_EQ(layer.slot(0).state(), State::kHeld);
  EXPECT_EQ(layer.slot(1).state(), State::kConnected);
  EXPECT_EQ(layer.tone(), handset::Tone::kNone) << "the waiting tone stops once answered";
  EXPECT_TRUE(m1.send && m1.play);
  EXPECT_FALSE(m0.send || m0.play);

  layer.flash();  // swap back
  sdp(1);
  sdp(0);
  EXPECT_TRUE(log.has("hold B"));
  EXPECT_TRUE(log.has("resume A"));
  from_line(Event{.kind = K::kRemoteHold, .call_id = "B", .sdp = "v=0 recvonly"});
  from_line(Event{.kind = K::kRemoteResume, .call_id = "A", .sdp = "v=0 sendrecv"});
  EXPECT_EQ(layer.slot(0).state(), State::kConnected);
  EXPECT_EQ(layer.slot(1).state(), State::kHeld);
  EXPECT_TRUE(m0.send && m0.play);
  EXPECT_FALSE(m1.send || m1.play);
}

TEST_F(CallLayerTest, AnswerDuringACallAnswersTheWaitingOneAsFlashDoes) {
  first_call_connected();
  second_call_waiting();
  layer.answer();
  EXPECT_TRUE(log.has("answer B"));
  EXPECT_EQ(layer.foreground(), &layer.slot(1));
  sdp(0);
  EXPECT_TRUE(log.has("hold A"));
}

TEST_F(CallLayerTest, HangingUpWithACallOnHoldRingsThePhoneBack) {
  first_call_connected();
  second_call_waiting();
  layer.flash();
  sdp(0);
  from_line(Event{.kind = K::kRemoteHold, .call_id = "A", .sdp = "v=0 recvonly"});
  from_line(Event{.kind = K::kConfirmed, .call_id = "B"});
  layer.hang_up();
  EXPECT_TRUE(log.has("end B Terminated"));
  EXPECT_TRUE(layer.ringing()) << "recall of the held call";
  layer.answer();
  EXPECT_FALSE(layer.ringing());
  EXPECT_EQ(layer.foreground(), &layer.slot(0));
  sdp(0);
  EXPECT_TRUE(log.has("resume A"));
}

TEST_F(CallLayerTest, AWaitingCallerWhoGivesUpStopsTheTone) {
  first_call_connected();
  second_call_waiting();
  from_line(Event{.kind = K::kRemoteEnded, .call_id = "B", .cause = EndCause::kCancelled});
  EXPECT_EQ(layer.slot(1).state(), State::kEnded);
  EXPECT_EQ(layer.tone(), handset::Tone::kNone);
  EXPECT_EQ(layer.slot(0).state(), State::kConnected);
}

TEST_F(CallLayerTest, WithCallWaitingOffASecondCallerIsRefusedBusy) {
  layer.set_call_waiting(false);
  first_call_connected();
  from_line(Event{.kind = K::kIncoming, .number = "tel:+1002", .call_id = "B", .sdp = "v=0 offer"});
  EXPECT_TRUE(log.has("refuse B Busy"));
  EXPECT_FALSE(layer.has_waiting());
}

TEST_F(CallLayerTest, AThirdCallerIsRefusedBusy) {
  first_call_connected();
  second_call_waiting();
  from_line(Event{.kind = K::kIncoming, .number = "tel:+1003", .call_id = "C", .sdp = "v=0 offer"});
  EXPECT_TRUE(log.has("refuse C Busy"));
}

TEST_F(CallLayerTest, InputsRunToCompletionInOrder) {
  // The media session answers from inside the request: its report must wait
  // until the dial has been handled to the end.
  m0.synchronous = true;
  FixedString<limits::kCallReasonMax> why;
  ASSERT_TRUE(layer.dial(line_index, "+14255550199", false, why));
  ASSERT_GE(log.lines.size(), 2u);
  EXPECT_EQ(log.lines[0], "media0 offer");
  EXPECT_EQ(log.lines[1], "place 1 +14255550199");
  ASSERT_EQ(ui.events.size(), 1u);
  EXPECT_EQ(ui.events[0], "1 dialing");
  EXPECT_EQ(ui.settled, 1) << "one settle for the whole batch";
}

TEST_F(CallLayerTest, DialIsRefusedWhenTheLineCannotCarryIt) {
  line.why = "the network is unreachable";
  FixedString<limits::kCallReasonMax> why;
  EXPECT_FALSE(layer.dial(line_index, "+14255550199", false, why));
  EXPECT_EQ(why.view(), "the network is unreachable");
  EXPECT_TRUE(ui.events.empty());
}

TEST_F(CallLayerTest, AnEmergencyCallIsNeverRefusedAndSaysWhyItEnded) {
  line.why = "the network is unreachable";
  FixedString<limits::kCallReasonMax> why;
  EXPECT_TRUE(layer.dial(line_index, "911", true, why));
  ASSERT_EQ(ui.events.size(), 2u);
  EXPECT_EQ(ui.events[1], "1 ended");
  EXPECT_EQ(layer.slot(0).reason(), "line unavailable: the network is unreachable");
  EXPECT_EQ(layer.tone(), handset::Tone::kReorder);
}

TEST_F(CallLayerTest, HangUpBeforeTheLineAnsweredIsStillSentToTheLine) {
  FixedString<limits::kCallReasonMax> why;
  layer.dial(line_index, "+14255550199", false, why);
  sdp(0);
  layer.hang_up();
  EXPECT_TRUE(log.has("end  Terminated"));
  EXPECT_TRUE(log.has("media0 close"));
}

TEST_F(CallLayerTest, AStatusForAnUnknownCallChangesNothing) {
  first_call_connected();
  const auto before = ui.events.size();
  from_line(Event{.kind = K::kRemoteEnded, .call_id = "nope"});
  EXPECT_EQ(ui.events.size(), before);
  EXPECT_EQ(layer.slot(0).state(), State::kConnected);
}

TEST_F(CallLayerTest, EndAllEndsEveryCall) {
  first_call_connected();
  second_call_waiting();
  layer.end_all();
  EXPECT_TRUE(log.has("end A Terminated"));
  EXPECT_TRUE(log.has("end B Declined"));
  EXPECT_FALSE(layer.any_active());
  EXPECT_FALSE(layer.ringing());
}

TEST(EventQueue, CopiesEveryStringOutOfTheCallersBuffer) {
  EventQueue q;
  std::string sdp = "v=0 offer", id = "call-1";
  Input in{.source = Source::kLine};
  in.event = Event{.kind = K::kIncoming, .call_id = id, .sdp = sdp};
  ASSERT_TRUE(q.push(in));
  sdp.assign("overwritten");
  id.assign("xxxxxx");
  ASSERT_NE(q.front(), nullptr);
  EXPECT_EQ(q.front()->event.sdp, "v=0 offer");
  EXPECT_EQ(q.front()->event.call_id, "call-1");
  q.pop();
  EXPECT_EQ(q.front(), nullptr);
}

TEST(EventQueue, IsBoundedAndReportsItsHighWater) {
  EventQueue q;
  for (std::size_t i = 0; i < limits::kCallEventsQueued; ++i) ASSERT_TRUE(q.push(Input{}));
  EXPECT_FALSE(q.push(Input{}));
  EXPECT_EQ(q.high_water(), limits::kCallEventsQueued);
}

TEST(EventQueue, SdpSlotsAreReturnedOnPop) {
  EventQueue q;
  Input in{.source = Source::kLine};
  in.event = Event{.kind = K::kAnswered, .sdp = "v=0"};
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < limits::kCallSdpSlots; ++i) ASSERT_TRUE(q.push(in));
    EXPECT_FALSE(q.push(in)) << "every SDP slot is taken";
    while (q.front()) q.pop();
  }
}

}  // namespace
}  // namespace dialtone::call
