// A far end on paper for the SIP call engine's tests: it writes requests
// and responses as SIP text and feeds them through the parser (SipMessage),
// the router and the transaction layer into SipCall engines, the way the
// line does; it keeps what went on the wire (parsed again) and what the
// engines reported. Time is virtual: advance() runs the wake-ups.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "firmware/core/random.hpp"
#include "protocol/sip/sip_call.hpp"
#include "protocol/sip/sip_call_router.hpp"
#include "protocol/sip/sip_message.hpp"
#include "protocol/sip/transaction.hpp"

namespace dialtone::protocol::sip::test {

// Deterministic "entropy" for the generator: tests see the same identifiers
// on every run.
inline int counting_source(void* ctx, unsigned char* out, std::size_t len) {
  auto* n = static_cast<unsigned*>(ctx);
  for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((*n)++ * 37 + 11);
  return 0;
}

// One message the engine sent, as text and parsed back.
struct Sent {
  std::string text;
  std::string hop;
  bool response = false;
  TimeMs at = 0;

  // Header values by name (case-insensitive), in order, from the text.
  std::vector<std::string> all(const std::string& name) const;
  std::string header(const std::string& name) const;  // the first; "" when none
  std::string start_line() const { return text.substr(0, text.find("\r\n")); }
  std::string method() const;  // requests
  int status() const;          // responses
  std::string request_uri() const;
  std::string body() const;
  std::string cseq() const { return header("CSeq"); }
  std::string branch() const;  // top Via's branch
  std::string to_tag() const;
  std::string from_tag() const;
};

// One event the engine reported, copied out of its views.
struct Event {
  SipCallEvent::Kind kind;
  std::string sdp, peer, peer_name, reason;
  SipCallEnd end;
  int status;
  char digit;
  TimeMs at;
};

// A tag parameter of a From / To value.
std::string tag_of(const std::string& value);

class SipCallHarness : public ::testing::Test, public SipCallWire {
 protected:
  // SipCallWire: requests go to a peer per next hop (1 is the far end's
  // address for responses, as the line would give it with a request).
  std::uint32_t peer_for(std::string_view next_hop) override;
  void send(std::uint32_t peer, std::string_view bytes) override;

  static constexpr const char* kTarget = "sip:+15551234567@acme.example.com";
  static constexpr const char* kFarContact = "<sip:far@192.0.2.20:5060>";
  static constexpr const char* kOffer =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
      "m=audio 40000 RTP/AVP 0 101\r\na=sendrecv\r\n";
  static constexpr const char* kAnswer =
      "v=0\r\no=- 7 7 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
      "m=audio 50000 RTP/AVP 0 101\r\na=sendrecv\r\n";
  static constexpr const char* kHoldOffer =
      "v=0\r\no=- 1 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
      "m=audio 40000 RTP/AVP 0 101\r\na=sendonly\r\n";

  void SetUp() override;

  SipParty me() const;

  // Feeds SIP text from the far end: parsed and routed as the line would.
  SipCallRouter::Outcome feed(const std::string& text);
  // Runs the engine's wake-ups up to `to` (absolute virtual time).
  void advance_to(TimeMs to);
  void advance(TimeMs by) { advance_to(now_ + by); }
  // Copies the events the engines queued.
  void collect();

  // A response of the far end to one of our requests, echoing its Via,
  // From, To (with `to_tag` added), Call-ID and CSeq.
  static std::string response_to(const Sent& req, int status, const std::string& reason,
                                 const std::string& to_tag, const std::string& headers = "",
                                 const std::string& body = "", const std::string& contact = kFarContact);

  // An INVITE from the far end (a new incoming call).
  std::string incoming_invite(const std::string& headers, const std::string& body, const std::string& branch = "z9hG4bKfar1",
                              int cseq = 10) const;
  // A request of the far end inside the dialog of an incoming call (our tag
  // in To) or an outgoing one (roles reversed): `local_tag` is our tag.
  std::string far_request(const std::string& method, int cseq, const std::string& branch,
                          const std::string& headers = "", const std::string& body = "",
                          const std::string& content_type = "application/sdp") const;

  // Outgoing call up to an answer (200 with `answer_headers`); returns the INVITE.
  Sent connect_outgoing(const std::string& answer_headers = "");
  // Incoming call up to its ACK; returns our 200.
  Sent connect_incoming(const std::string& invite_headers = "");

  std::vector<Sent> take_sent() { return std::exchange(sent_, {}); }
  std::vector<Event> take_events() { return std::exchange(events_, {}); }
  // The only message sent since the last take (fails otherwise).
  Sent only_sent();
  Event only_event();

  static constexpr std::uint32_t kFarPeer = 1;
  unsigned seed_ = 1;
  Csprng rng_;
  TransactionLayer layer_;
  SipCall call_{rng_, layer_, *this};
  SipCall spare_{rng_, layer_, *this};
  SipCall* engines_[2] = {&call_, &spare_};
  SipCallRouter router_{layer_, *this, rng_, engines_};
  std::vector<std::string> hops_{"", "far end"};
  TimeMs now_ = 100000;
  std::vector<Sent> sent_;
  std::vector<Event> events_;
  // The dialog as the far end sees it.
  std::string far_tag_ = "far1";
  std::string local_tag_;  // our tag, once known
  std::string far_call_id_ = "far-call-1@192.0.2.20";
  bool incoming_ = false;
};

}  // namespace dialtone::protocol::sip::test
