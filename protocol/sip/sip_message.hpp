// One SIP message (RFC 3261), parsed or built, over oSIP's osip_message_t:
// the one place the SIP engines meet oSIP. They parse bytes, read what they
// need through the accessors, build requests and responses, and serialize
// into their own buffer; none of them calls oSIP directly.
//
// Memory: every allocation oSIP makes for a message comes from the SIP pool
// (sip_pool.hpp), tagged with the message's owner, and is returned when the
// message is destroyed or replaced. A message of more than
// limits::kSipMessageMax bytes is refused both ways (never truncated), and
// running out of pool is kPoolExhausted, never a crash.
//
// Accessors:
//  - std::string_view results point into the message and stay valid until
//    it is changed (a mutator, parse, a build) or destroyed.
//  - Composite values (URIs, name-addrs) are copied into fixed strings; a
//    value too long for its string is reported as absent (nullopt), never
//    cut short.
//  - Quoted strings (display names, digest parameters) come without their
//    quotes; backslash escapes inside display names are undone.
//
// Values given to the builders and mutators must not contain CR, LF or NUL
// (that would inject headers): such a value is kBadArgument.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

struct osip_message;

namespace dialtone {
class Csprng;
}

namespace dialtone::protocol::sip {

enum class SipError : std::uint8_t {
  kOk,
  kTooLarge,        // more than limits::kSipMessageMax bytes, received or to send
  kPoolExhausted,   // the SIP pool could not hold the message (sip_pool.hpp)
  kMalformed,       // oSIP's grammar refused it, or a number in it is not one
  kMissingHeader,   // no Via, From, To, Call-ID or CSeq, or CSeq's method differs from the request's
  kBufferTooSmall,  // serialize(): the caller's buffer
  kBadArgument,     // a builder's or mutator's value: unparsable, too long, or with CR/LF/NUL
  kEmpty,           // the message holds nothing (never built, or moved from)
  kRandomFailed,    // the random generator refused a draw (make_tag, make_branch, ...)
  kNoRoom,          // every transaction slot is in use (transaction.hpp)
};
const char* to_string(SipError e);

using SipUri = FixedString<limits::kSipUriMax>;
using SipToken = FixedString<limits::kSipTokenMax>;
using SipCallId = FixedString<limits::kSipCallIdMax>;
using SipHeaderText = FixedString<limits::kSipHeaderValueMax>;

// From, To, P-Asserted-Identity.
struct NameAddr {
  FixedString<limits::kSipDisplayNameMax> display;  // unquoted; empty when none
  SipUri uri;                                       // e.g. "sip:alice@atlanta.com"
  SipToken user;                                    // user part of a sip(s) URI; a tel URI's number
  SipToken tag;                                     // ;tag=, empty when none
};

// The top Via, as received: where responses go (RFC 3261 18.2.2, RFC 3581).
struct Via {
  std::string_view transport;  // "UDP", "TCP", "TLS", ...
  std::string_view host;       // sent-by host (IPv6 without brackets)
  std::uint16_t port = 0;      // sent-by port; 0 when none was given
  std::string_view branch;     // empty when none (an RFC 2543 peer)
  std::string_view received;   // ;received=, empty when none
  bool rport = false;          // an ;rport parameter is present
  std::uint16_t rport_value = 0;  // its value; 0 when it has none (a request asking for one)
};

struct CSeq {
  std::uint32_t number = 0;
  std::string_view method;
};

struct Contact {
  SipUri uri;                            // empty for "Contact: *"
  bool star = false;                     // "Contact: *" (REGISTER removing every binding)
  std::optional<std::uint32_t> expires;  // its ;expires= parameter
};

enum class ChallengeKind : std::uint8_t { kWww, kProxy };  // 401 WWW- / 407 Proxy-Authenticate

// One WWW-Authenticate or Proxy-Authenticate value (RFC 7616), quotes
// removed. Absent parameters are empty. oSIP's parser keeps the parameters
// it knows (those below) and drops an empty opaque="" as if absent;
// backslash escapes inside the quotes are left as they came.
struct Challenge {
  std::string_view scheme;     // "Digest"
  std::string_view realm;
  std::string_view nonce;
  std::string_view opaque;
  std::string_view algorithm;  // "MD5", "SHA-256", ... (empty: MD5)
  std::string_view qop;        // "auth", "auth,auth-int", ...
  std::string_view domain;
  bool stale = false;          // stale=true (case-insensitive)
};

// Session-Expires (RFC 4028): "1800;refresher=uac".
struct SessionExpires {
  std::uint32_t seconds = 0;
  std::string_view refresher;  // "uac", "uas" or empty
};

// --- what the builders take -------------------------------------------------

struct AddressSpec {  // a From or To value
  std::string_view display;  // plain text, quoted by the builder; empty: none
  std::string_view uri;      // "sip:desk-101@acme.example.com"
  std::string_view tag;      // empty: none
};

struct ViaSpec {  // our Via: "SIP/2.0/<transport> host:port;branch=...;rport"
  std::string_view transport;  // "UDP", "TCP" or "TLS"
  std::string_view host;       // our address as we know it
  std::uint16_t port = 0;      // 0: no port written
  std::string_view branch;     // "z9hG4bK..." (make_branch)
};

struct RequestSpec {
  std::string_view method;       // "REGISTER", "INVITE", ...
  std::string_view request_uri;
  AddressSpec from;              // with our tag
  AddressSpec to;                // tag only inside a dialog
  std::string_view call_id;
  std::uint32_t cseq = 1;
  ViaSpec via;
  std::span<const std::string_view> routes;  // Route values in order ("<sip:proxy;lr>")
  std::string_view contact;      // a URI ("sip:desk-101@192.0.2.4:5060;transport=tcp"); empty: none
  std::uint8_t max_forwards = 70;
  std::string_view user_agent;   // empty: none
  std::string_view content_type; // with a body: "application/sdp"
  std::string_view body;
};

// What RFC 3261 12.2.1.1 builds a request inside a dialog from.
struct DialogSpec {
  std::string_view call_id;
  AddressSpec local;               // From: our URI and tag
  AddressSpec remote;              // To: their URI and tag
  std::string_view remote_target;  // their Contact URI: the Request-URI
  std::span<const std::string_view> route_set;  // Route values, in the order to send them
};

class SipMessage {
 public:
  SipMessage();
  ~SipMessage();
  SipMessage(SipMessage&& other) noexcept;
  SipMessage& operator=(SipMessage&& other) noexcept;
  SipMessage(const SipMessage&) = delete;
  SipMessage& operator=(const SipMessage&) = delete;

  // --- in and out -----------------------------------------------------------

  // Replaces this message with the one in `bytes` (a whole message: a UDP
  // datagram, or a TCP/TLS message framed by Content-Length). On error the
  // message is empty. Besides oSIP's grammar it requires Via, From, To,
  // Call-ID and a CSeq whose method is the request's (kMissingHeader).
  SipError parse(std::string_view bytes);

  // Writes the message into `out`; `len` is its length. Content-Length is
  // computed. kTooLarge beyond limits::kSipMessageMax, kBufferTooSmall when
  // `out` cannot hold it (nothing usable is written either way).
  SipError serialize(std::span<char> out, std::size_t& len) const;

  // A deep copy of `other` (to keep a request after its buffer is gone).
  SipError copy_from(const SipMessage& other);

  void clear();
  bool empty() const { return msg_ == nullptr; }

  // --- builders (each replaces this message) --------------------------------

  // A new request (RFC 3261 8.1.1): request line, Via with branch and rport,
  // Max-Forwards, From, To, Call-ID, CSeq, Route, Contact, User-Agent, body.
  SipError build_request(const RequestSpec& spec);

  // A request inside a dialog (RFC 3261 12.2.1.1): Request-URI is the remote
  // target and the route set becomes Route, except that a first route
  // without ;lr (a strict router) becomes the Request-URI and the remote
  // target goes last in Route. `contact`: empty for none. For an ACK of a
  // 2xx, method "ACK" with the INVITE's CSeq number.
  SipError build_in_dialog(const DialogSpec& dialog, std::string_view method, std::uint32_t cseq,
                           const ViaSpec& via, std::string_view contact = {});

  // A response to `request` (RFC 3261 8.2.6.2): its Vias, From, To, Call-ID
  // and CSeq copied; `to_tag` added to To when the request's has none and
  // the status is not 100; Record-Route copied for 101-299 (a response that
  // may set up a dialog, RFC 3261 12.1.1). `reason` empty: the standard
  // phrase for the status.
  SipError build_response(const SipMessage& request, int status, std::string_view to_tag,
                          std::string_view reason = {});

  // CANCEL for a pending INVITE (RFC 3261 9.1): its Request-URI, Call-ID,
  // From, To, CSeq number, top Via (same branch) and Route.
  SipError build_cancel(const SipMessage& invite);

  // ACK for a non-2xx final response to `invite` (RFC 3261 17.1.1.3): as
  // CANCEL, with the To of the response (its tag).
  SipError build_ack_for_failure(const SipMessage& invite, const SipMessage& response);

  // --- mutators --------------------------------------------------------------

  // Adds a header line ("Authorization", "Expires", "Supported", ...).
  // Via, Route, Record-Route, From, To, Call-ID, CSeq, Contact and
  // Content-Type are parsed as they are added (an unparsable value is
  // kBadArgument) so the accessors see them; every other header is kept as
  // the text given and written as such. Content-Length is always computed.
  SipError add_header(std::string_view name, std::string_view value);
  // Removes every header of that name that oSIP keeps as text (the ones
  // header() reads: Expires, Supported, ...). Returns how many it removed.
  std::size_t remove_header(std::string_view name);
  // Replaces the body and its Content-Type (an empty body removes both).
  SipError set_body(std::string_view content_type, std::string_view body);
  // Adds a Contact ("<uri>" plus ";expires=N" when given).
  SipError add_contact(std::string_view uri, std::optional<std::uint32_t> expires = std::nullopt);

  // --- accessors ------------------------------------------------------------

  bool is_request() const;
  bool is_response() const;
  std::string_view method() const;  // a request's method; empty for a response
  int status() const;               // a response's status; 0 for a request
  std::string_view reason() const;  // a response's reason phrase
  std::optional<SipUri> request_uri() const;

  std::optional<SipCallId> call_id() const;
  std::optional<CSeq> cseq() const;
  std::optional<NameAddr> from() const;
  std::optional<NameAddr> to() const;
  std::optional<Via> top_via() const;
  std::size_t via_count() const;

  std::size_t contact_count() const;
  std::optional<Contact> contact(std::size_t index = 0) const;
  std::optional<std::uint32_t> expires() const;      // Expires (delta-seconds)
  std::optional<std::uint32_t> min_expires() const;  // Min-Expires (423)

  // Record-Route values in the order received ("<sip:p1.example.com;lr>").
  std::size_t record_route_count() const;
  std::optional<SipHeaderText> record_route(std::size_t index) const;
  std::size_t route_count() const;
  std::optional<SipHeaderText> route(std::size_t index) const;

  std::size_t challenge_count(ChallengeKind kind) const;
  std::optional<Challenge> challenge(ChallengeKind kind, std::size_t index = 0) const;

  // The first P-Asserted-Identity (RFC 3325) that parses; nullopt when none.
  std::optional<NameAddr> p_asserted_identity() const;
  std::optional<SessionExpires> session_expires() const;  // or its compact form "x"
  // Whether an option tag is listed in any Require / Supported header
  // (compact "k" included), case-insensitively.
  bool requires_option(std::string_view option_tag) const;
  bool supports_option(std::string_view option_tag) const;
  // Whether Allow lists `method` (case-insensitively); nullopt when the
  // message has no Allow at all (RFC 3261 20.5: nothing is known then).
  std::optional<bool> allows(std::string_view method) const;

  // "type/subtype" of Content-Type, lower case, without parameters; empty
  // when there is none.
  FixedString<2 * limits::kSipTokenMax + 1> content_type() const;
  // The body (the first part of a multipart body, as oSIP splits them).
  std::string_view body() const;

  // The value of the index-th header of that name among those oSIP keeps as
  // text (every header it does not parse itself: Expires, Min-Expires,
  // Max-Forwards, User-Agent, Supported, Require, Allow, Event, Session-
  // Expires, P-Asserted-Identity, ...). The name is case-insensitive; a
  // comma-separated value may be split into several headers.
  std::optional<std::string_view> header(std::string_view name, std::size_t index = 0) const;

 private:
  SipError start(std::uint32_t& owner);  // a fresh osip_message_t under a new owner
  void adopt(osip_message* m, std::uint32_t owner);
  bool option_listed(std::string_view long_name, std::string_view compact, std::string_view tag) const;

  osip_message* msg_ = nullptr;
  std::uint32_t owner_ = 0;
};

// --- identifiers (RFC 3261 8.1.1.7, 19.3) -------------------------------------

// A branch: "z9hG4bK" and 16 random hex characters (64 bits).
SipError make_branch(Csprng& rng, SipToken& out);
// A tag: 16 random hex characters.
SipError make_tag(Csprng& rng, SipToken& out);
// A Call-ID: a random UUID, "@host" appended when `host` is not empty.
SipError make_call_id(Csprng& rng, std::string_view host, SipCallId& out);

// The standard reason phrase of a status (RFC 3261 21, and the few others
// the line uses); "Unknown" for the rest.
const char* reason_phrase(int status);

}  // namespace dialtone::protocol::sip
