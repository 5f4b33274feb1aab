// SIP registration (sip-line.md section 3, RFC 3261 section 10) as a sans-I/O
// engine. It reads no clock and touches no socket: the line adapter feeds it
// the time, the answers to its REGISTERs and what the transport saw, sends
// the REGISTERs it hands out, and wakes it at next_wakeup().
//
// Driving it, after every input:
//   RegisterRequest req;
//   if (reg.take_request(req)) { build it (register_message.hpp), send it in a
//                                new client transaction; remember req.cseq }
//   if (reg.take_state_change()) { emit the line event: state(), reason() }
//   if (reg.take_keepalive()) { the transport pings (CRLF, or OPTIONS) }
//   arm a timer for next_wakeup(), then call tick(now) when it fires.
//
// Rules:
//  - one Call-ID and From tag for the engine's life, CSeq + 1 per REGISTER;
//  - Contact is the transport's local address until a response's top Via
//    says otherwise (received / rport, RFC 3581); a 200 for a Contact that
//    was not the corrected one is followed at once by a REGISTER with the
//    corrected Contact (and the old one with expires=0);
//  - 401/407: answered with digest credentials (digest.hpp). A challenge
//    with stale=true is answered again without counting as a failure; a
//    challenge to a request that answered a fresh challenge, or that carried
//    credentials for the very nonce challenged again, without stale, is a
//    refusal of the credentials. Later REGISTERs reuse the nonce (nonce
//    count + 1), so a refresh costs no extra round trip until the nonce ages;
//  - 423: again with the server's Min-Expires, which is kept from then on;
//  - 2xx: the granted expiry is our Contact's expires in the answer, else
//    its Expires, else what we asked; refresh at 80 % of it;
//  - any other answer, a transaction timeout or a transport error: offline
//    with a reason in words, retried after 5 s doubling to 10 min, each delay
//    times a random factor in [0.8, 1.2) (and never sooner than a 5xx's
//    Retry-After, up to the cap);
//  - the transport losing its connection (or its keep-alive) while
//    registered: register again at once;
//  - stop(): REGISTER with Expires: 0 for our Contact when a binding may exist;
//  - the line state: registering until the first 2xx (or after a lost
//    connection, or a binding that expired before its refresh was
//    answered); registered through refreshes and their challenges; offline
//    from a failure until a later try succeeds (retries do not flap it back
//    to registering).
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "protocol/sip/digest.hpp"
#include "protocol/sip/sip_account.hpp"
#include "protocol/sip/sip_message.hpp"

namespace dialtone::protocol::sip {

enum class RegistrationState : std::uint8_t { kRegistering, kRegistered, kOffline };
// "registering", "registered", "offline": the `line` event's words.
const char* to_string(RegistrationState s);

// Everything a REGISTER carries. Views point into the engine and stay valid
// until its next input.
struct RegisterRequest {
  std::string_view request_uri;    // the registrar URI
  std::string_view aor;            // To and From: sip:username@realm
  std::string_view display_name;   // From's display name; may be empty
  std::string_view from_tag;
  std::string_view call_id;
  std::uint32_t cseq = 0;
  std::string_view branch;         // Via branch, "z9hG4bK..." (new for every REGISTER)
  SipAccount::Transport transport = SipAccount::Transport::kUdp;  // Via and Contact
  std::string_view via_host;       // the transport's local address (Via sent-by, with rport)
  std::uint16_t via_port = 0;
  std::string_view contact;        // our Contact URI (without <>)
  std::string_view stale_contact;  // a Contact to remove (expires=0) in the same request; may be empty
  std::uint32_t expires = 0;       // the Expires header; 0 unregisters
  std::string_view authorization;        // Authorization value; may be empty
  std::string_view proxy_authorization;  // Proxy-Authorization value; may be empty
  std::string_view route;          // "<outbound-proxy;lr>"; may be empty
};

// One Contact of a 2xx: the engine looks for its own among them.
struct RegisterContact {
  FixedString<limits::kSipUriMax> uri;
  std::optional<std::uint32_t> expires;
};

// What the engine reads from an answer to its REGISTER (filled from a
// message by read_register_response, register_message.hpp). Views are valid
// during the call that hands it over.
struct RegisterResponse {
  int status = 0;
  FixedString<limits::kSipCallIdMax> call_id;
  std::uint32_t cseq = 0;
  std::string_view via_received;  // top Via's received; empty when absent
  std::uint16_t via_rport = 0;    // top Via's rport value; 0 when absent or empty
  std::optional<std::uint32_t> expires;
  std::optional<std::uint32_t> min_expires;
  std::optional<std::uint32_t> retry_after;
  FixedVector<RegisterContact, limits::kSipRegContactsMax> contacts;
  FixedVector<DigestChallengeFields, limits::kSipRegChallengesMax> www_authenticate;    // 401, in order
  FixedVector<DigestChallengeFields, limits::kSipRegChallengesMax> proxy_authenticate;  // 407, in order
};

// Delay before the retry that follows `failures` failures in a row:
// 5 s * 2^(failures-1), at most 10 min, times 0.8 + 0.4 * random / 2^32.
TimeMs register_backoff_ms(int failures, std::uint32_t random);

class Registration {
 public:
  static constexpr TimeMs kBackoffFirstMs = 5000;
  static constexpr TimeMs kBackoffMaxMs = 10 * 60 * 1000;
  // A REGISTER with no outcome reported this long after it was taken is
  // given up as a timeout: Timer F (64*T1 = 32 s) plus slack, so a lost
  // report cannot leave the line registering for ever.
  static constexpr TimeMs kAnswerGuardMs = 40000;
  static constexpr int kStaleMax = 3;           // stale=true answers in a row before giving up
  static constexpr int kIntervalTooBriefMax = 3;  // 423s in a row before giving up
  static constexpr std::uint32_t kRefreshPermille = 800;

  Registration(const SipAccount& account, Csprng& rng);

  // The address the transport sends from (Via sent-by, and the Contact
  // until a response corrects it). A new address (a new TCP connection)
  // forgets the correction learned on the old one.
  void set_local_address(std::string_view host, std::uint16_t port);

  // Inputs.
  void start(TimeMs now);
  void stop(TimeMs now);
  // An answer to a REGISTER. False when it is not for the one in flight (a
  // stray or late answer: ignored). 1xx are accepted and ignored.
  bool on_response(TimeMs now, const RegisterResponse& r);
  // The transaction of REGISTER `cseq` timed out, or could not be sent
  // (`words` say why: "connection refused", "TLS certificate not trusted").
  void on_timeout(TimeMs now, std::uint32_t cseq);
  void on_transport_error(TimeMs now, std::uint32_t cseq, std::string_view words);
  // The connection broke or its keep-alive went unanswered.
  void on_connection_lost(TimeMs now, std::string_view words);
  // The path to the registrar could not be opened while a REGISTER waited
  // for it (`words` say why): that round failed as if the REGISTER had been
  // sent, so a registrar that stays away is retried with backoff, not at
  // the speed of connection refusals.
  void on_unreachable(TimeMs now, std::string_view words);
  void tick(TimeMs now);

  // Outputs.
  bool take_request(RegisterRequest& out);
  // A REGISTER waits to be taken (next_wakeup() is then "now"): the line
  // takes it once its path is up.
  bool request_waiting() const { return pending_; }
  bool take_state_change();
  RegistrationState state() const { return state_; }
  std::string_view reason() const { return reason_.view(); }
  TimeMs next_wakeup() const;
  // True once per keep-alive ping due (every keepalive_s while registered,
  // counted by tick()); the transport sends it and reports a failure with
  // on_connection_lost.
  bool take_keepalive();
  TimeMs next_keepalive() const { return keepalive_at_; }

  // For status and tests.
  bool stopped() const { return mode_ == Mode::kStopped; }
  std::string_view aor() const { return aor_.view(); }
  std::string_view contact() const { return contact_.view(); }
  std::string_view call_id() const { return call_id_.view(); }
  std::uint32_t granted_expires_s() const { return granted_s_; }
  std::uint32_t requested_expires_s() const { return expires_s_; }
  int failures() const { return failures_; }
  TimeMs retry_at() const { return retry_at_; }
  TimeMs refresh_at() const { return refresh_at_; }

 private:
  enum class Mode : std::uint8_t { kStopped, kActive, kUnregistering };
  struct AuthSlot {
    DigestAuth auth;
    bool fresh = false;       // adopted from the last answer, not sent yet
    bool sent = false;        // the last REGISTER carried credentials from it
    bool sent_fresh = false;  // ... and they answered the REGISTER before it
  };

  void begin_round(TimeMs now);
  void send_again(TimeMs now);
  void fail(TimeMs now, std::string_view reason, std::optional<std::uint32_t> retry_after_s = {});
  void finish_unregister(std::string_view reason);
  void set_state(RegistrationState s, std::string_view reason);
  void on_success(TimeMs now, const RegisterResponse& r);
  void on_challenge(TimeMs now, const RegisterResponse& r);
  void on_interval_too_brief(TimeMs now, const RegisterResponse& r);
  void learn_address(const RegisterResponse& r);
  bool build_contact(std::string_view host, std::uint16_t port);
  bool our_contact(const RegisterContact& c) const;
  bool ensure_identity();
  void clear_auth();
  std::uint32_t random_u32();

  SipAccount account_;
  Csprng& rng_;
  Mode mode_ = Mode::kStopped;
  RegistrationState state_ = RegistrationState::kOffline;
  FixedString<limits::kSipRegReasonMax> reason_;
  bool state_changed_ = false;

  // Identity of the binding.
  FixedString<limits::kSipUriMax> aor_;
  FixedString<limits::kSipUriMax> route_;
  SipCallId call_id_;
  SipToken from_tag_;
  std::uint32_t cseq_ = 0;
  std::uint32_t expires_s_ = 0;  // what we ask for: expires_s, or a 423's Min-Expires

  // Addresses.
  FixedString<limits::kHostMax> local_host_;
  std::uint16_t local_port_ = 0;
  FixedString<limits::kHostMax> learned_host_;  // from received/rport; empty until learned
  std::uint16_t learned_port_ = 0;
  FixedString<limits::kSipUriMax> contact_;        // the Contact of the request in flight / next one
  FixedString<limits::kHostMax> contact_host_;        // ... its host and port
  std::uint16_t contact_port_ = 0;
  FixedString<limits::kSipUriMax> bound_contact_;  // the Contact the registrar holds (last 2xx)
  FixedString<limits::kSipUriMax> stale_contact_;
  bool correcting_ = false;  // the request in flight only corrects the Contact

  // The REGISTER being built, sent or answered.
  bool pending_ = false;
  TimeMs pending_since_ = 0;
  bool in_flight_ = false;
  TimeMs answer_deadline_ = kNever;
  SipToken branch_;
  DigestValue www_value_;
  DigestValue proxy_value_;
  AuthSlot www_;
  AuthSlot proxy_;
  int stale_in_row_ = 0;
  int too_brief_in_row_ = 0;

  // Timers.
  int failures_ = 0;
  TimeMs retry_at_ = kNever;
  TimeMs refresh_at_ = kNever;
  TimeMs keepalive_at_ = kNever;
  bool keepalive_due_ = false;
  TimeMs binding_until_ = kNever;  // when the registrar drops our binding
  std::uint32_t granted_s_ = 0;
};

}  // namespace dialtone::protocol::sip
