// The words a SIP call engine (sip_call.hpp) and its line adapter share:
// who this device is on the line, where messages go, and what the engine
// reports. Nothing here knows the call layer; the adapter translates.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "protocol/sip/digest.hpp"
#include "protocol/sip/sip_message.hpp"

namespace dialtone::protocol::sip {

// Who this device is on its line, the same for every call of the line. The
// engine copies what it needs when a call starts.
struct SipParty {
  std::string_view aor{};           // sip:desk-101@acme.sip.example.com
  std::string_view display_name{};  // may be empty
  std::string_view contact{};       // our Contact URI, rport-corrected once registered
  std::string_view transport{};     // Via transport: "UDP", "TCP" or "TLS"
  std::string_view via_host{};      // Via sent-by: the transport's local address
  std::uint16_t via_port = 0;       // 0: none written
  std::string_view user_agent{};    // may be empty
  // TCP/TLS: requests are not retransmitted (RFC 3261 17.1.1.2, 17.1.2.2);
  // a 2xx to an INVITE still is, whatever the transport (13.3.1.4).
  bool reliable = false;
};

// How a call ended, as the engine saw it. The adapter maps these to the
// call layer's causes (busy tone for kBusy and kDeclined, reorder for the rest).
enum class SipCallEnd : std::uint8_t {
  kRemoteHangUp,  // the far end sent BYE
  kCancelled,     // the caller gave up before the answer (CANCEL, or BYE on the early dialog)
  kBusy,          // 486 Busy Here, 600 Busy Everywhere
  kDeclined,      // 603 Decline
  kRejected,      // any other final response to our INVITE (404, 480, 484, 403, 408, 5xx, ...)
  kTimeout,       // no final response, no ACK for our 2xx, the session expired, a request in the call timed out
  kDialogGone,    // 481 (or 408) to a request in the call: the far end no longer knows it
  kFailed,        // this device could not carry the call on (no credentials, a message that would not fit)
};
const char* to_string(SipCallEnd e);

// What this device says when it ends a call not yet answered here.
enum class SipHangUp : std::uint8_t {
  kTerminate,  // 480 Temporarily Unavailable to an unanswered INVITE; else CANCEL or BYE
  kDecline,    // 603 Decline
  kBusy,       // 486 Busy Here
};

struct SipCallEvent {
  enum class Kind : std::uint8_t {
    kIncoming,       // a new call: peer, peer_name, sdp (the offer; empty: the INVITE had none,
                     //   so answer() carries our offer and kConfirmed brings the far end's answer)
    kTrying,         // outgoing: the first provisional response that neither rings nor carries SDP
    kRinging,        // outgoing: 180 (never after early media)
    kEarlyMedia,     // outgoing: the first provisional response with SDP: sdp
    kAnswered,       // outgoing: the 2xx: sdp (the answer)
    kConfirmed,      // incoming: the ACK of our 2xx: sdp (the answer when our 2xx carried the offer)
    kRemoteOffer,    // in the call: a re-INVITE or UPDATE with an offer: sdp; reply with answer_offer()
    kOfferAnswered,  // in the call: the answer to our offer: sdp (in the 2xx to our re-INVITE, or in
                     //   the ACK when a re-INVITE without SDP made our 2xx carry the offer)
    kOfferFailed,    // in the call: our re-INVITE was refused (status) or timed out; nothing changed
    kDtmf,           // INFO application/dtmf-relay: digit, duration_ms
    kEnded,          // end, status (0: none), reason (the reason phrase or our words)
  };
  Kind kind = Kind::kEnded;
  std::string_view sdp{};
  std::string_view peer{};
  std::string_view peer_name{};
  std::string_view reason{};
  SipCallEnd end = SipCallEnd::kRemoteHangUp;
  int status = 0;
  char digit = 0;
  std::uint32_t duration_ms = 0;
};
const char* to_string(SipCallEvent::Kind k);

// Where the engine's messages go: the line's side of the wire.
class SipCallWire {
 public:
  virtual ~SipCallWire() = default;
  // The line's handle for where a request goes first. `next_hop` is the URI
  // RFC 3261 routing names (the first Route, else the Request-URI); the line
  // may choose its outbound proxy instead (sip-line.md section 1).
  virtual std::uint32_t peer_for(std::string_view next_hop) = 0;
  // Bytes to put on the wire towards `peer`: a handle from peer_for(), or
  // the one the line gave the transaction layer with a received request
  // (responses go back the way it came, RFC 3261 18.2.2).
  virtual void send(std::uint32_t peer, std::string_view bytes) = 0;
};

// Answers a digest challenge (RFC 3261 22, RFC 7616) for the engine: the
// line owns the credentials and the nonce counts (sip_call_auth.hpp has the
// one made of a SipAccount).
class SipCredentials {
 public:
  virtual ~SipCredentials() = default;
  // The Authorization value (a 401) or Proxy-Authorization value (a 407)
  // answering the challenge in `response` for a request `method` sent to
  // `uri`; false when it cannot.
  virtual bool authorize(const SipMessage& response, std::string_view method, std::string_view uri,
                         DigestValue& out) = 0;
};

}  // namespace dialtone::protocol::sip
