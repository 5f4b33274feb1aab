// One SIP call (an INVITE dialog, RFC 3261 sections 12-15) as a sans-I/O
// engine: commands from the line adapter, received messages and `now` in;
// messages to send, call events and the next wake-up time out. It knows
// neither sockets nor the call layer, and reads no clock. A line keeps
// limits::kSipCallEngines of them in fixed storage.
//
// The adapter's side, in the words of the call layer:
//   place(to, offer)          -> place(now, me, target_uri, offer)
//   alert                     -> ring(now)                      180 Ringing
//   send_answer(answer)       -> answer(now, sdp)               200 with SDP
//   send_offer(hold/resume)   -> reoffer(now, sdp)              re-INVITE
//   send_offer_answer(answer) -> answer_offer(now, sdp)         200 to their re-INVITE/UPDATE
//   end(reason)               -> hang_up(now, how)              CANCEL, BYE, 603, 486 or 480
//   refuse(busy)              -> refuse(now, me, invite, how) on a spare engine, or
//                                respond_without_call() when there is none
// and from the network (parsed SipMessages): a new INVITE -> take(now, me,
// invite); anything else that matches() -> receive(now, message); and
// tick(now) at next_wakeup(). After each of these, output() holds what to
// send and what to tell the call layer (SipCallEvent): views valid until
// the next call into the engine, and, for SDP from a received message,
// while that message is.
//
// What the engine does on its own: 100 Trying; retransmissions (INVITE by
// Timer A until a provisional arrives, BYE/CANCEL/UPDATE by Timer E, our
// 2xx until its ACK, a final error response to an INVITE until its ACK);
// the same answer to a retransmitted request; ACK for every final response
// to its INVITEs; CANCEL once a provisional response allows it; a 2xx that
// crosses our CANCEL, or a 2xx from a second fork, ACKed and ended with
// BYE; one answer to a 401/407 with credentials; 491 to a re-INVITE that
// meets ours, and ours again after the random wait of RFC 3261 14.1; 500 to
// a second offer while one is open (14.2) and to a CSeq out of order
// (12.2.2); session timers (RFC 4028) when the far end asks for them:
// refreshes at half the interval (UPDATE when the far end allows it, else a
// re-INVITE with our last SDP), BYE when the far end's refreshes stop;
// 200 to INFO (dtmf-relay becomes a kDtmf event), OPTIONS, BYE and CANCEL.
//
// SDP is opaque here: whether a re-offer holds or resumes is the media
// side's reading of it, in the adapter.
#pragma once
#include <cstdint>
#include <limits>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "protocol/sip/sip_call_types.hpp"
#include "protocol/sip/sip_message.hpp"
#include "protocol/sip/sip_dialog.hpp"

namespace dialtone::protocol::sip {

inline constexpr TimeMs kSipNever = std::numeric_limits<TimeMs>::max();

// RFC 3261 timer bases; tests keep the defaults.
struct SipCallTiming {
  TimeMs t1_ms = limits::kSipT1Ms;
  TimeMs t2_ms = limits::kSipT2Ms;
  TimeMs t4_ms = limits::kSipT4Ms;
};

using SipText = FixedString<limits::kSipMessageMax>;
using SipShortText = FixedString<limits::kSipShortMessageMax>;

class SipCall {
 public:
  enum class Phase : std::uint8_t {
    kIdle,
    kCalling,     // outgoing: INVITE sent, nothing heard yet
    kEarly,       // outgoing: a provisional response came
    kCancelling,  // outgoing: hung up before the answer (CANCEL sent, or waiting for a provisional to allow it)
    kOffered,     // incoming: INVITE taken, 100 (then 180) sent
    kAnswered,    // incoming: our 2xx is out, its ACK is not here yet
    kConfirmed,   // the call is up
    kEnding,      // our BYE is out
    kEnded,       // over; still answers retransmissions until linger time, and may be reused
  };

  explicit SipCall(Csprng& rng, SipCallTiming timing = {}) : rng_(rng), timing_(timing) {}
  SipCall(const SipCall&) = delete;
  SipCall& operator=(const SipCall&) = delete;

  // The line's answerer of digest challenges (nullptr: a 401/407 ends the call).
  void set_credentials(SipCredentials* c) { credentials_ = c; }

  // ---- commands; false when the call's state does not allow it (nothing sent) ----
  // A new outgoing call from an idle (or ended) engine: INVITE with `offer`.
  bool place(TimeMs now, const SipParty& me, std::string_view target_uri, std::string_view offer);
  // A new INVITE for an idle (or ended) engine: 100, and kIncoming. False
  // (and the INVITE answered with an error) when it cannot be taken: a body
  // that is not SDP (415), a session interval below ours (422), no Contact (400).
  bool take(TimeMs now, const SipParty& me, const SipMessage& invite);
  // Refuse a new INVITE on a spare engine (busy, or no slot can take it):
  // 486 / 603 / 480, retransmitted until ACKed.
  bool refuse(TimeMs now, const SipParty& me, const SipMessage& invite, SipHangUp how);
  bool ring(TimeMs now);
  // Incoming: 200 with `sdp` (the answer, or our offer when the INVITE had none).
  bool answer(TimeMs now, std::string_view sdp);
  // In the call: a re-INVITE with our offer (hold, resume, new media).
  bool reoffer(TimeMs now, std::string_view sdp);
  // In the call: our answer to the far end's re-INVITE or UPDATE offer.
  bool answer_offer(TimeMs now, std::string_view sdp);
  // End the call however its state requires; no kEnded follows (the call
  // layer ended it already), the engine only winds the dialog down.
  void hang_up(TimeMs now, SipHangUp how = SipHangUp::kTerminate);

  // ---- the network ----
  // Does this message belong to this call (its dialog or its transactions)?
  bool matches(const SipMessage& m) const;
  void receive(TimeMs now, const SipMessage& m);
  void tick(TimeMs now);
  TimeMs next_wakeup() const;

  const SipCallOutput& output() const { return out_; }

  Phase phase() const { return phase_; }
  // Free for a new call: never used, or ended (what is left of the old one,
  // answering its retransmissions, is given up).
  bool reusable() const { return phase_ == Phase::kIdle || phase_ == Phase::kEnded; }
  bool outgoing() const { return outgoing_; }
  std::string_view call_id() const { return dialog_.call_id.view(); }
  const SipDialog& dialog() const { return dialog_; }
  bool session_timer_active() const { return se_.active; }
  std::uint32_t session_interval_s() const { return se_.interval_s; }
  bool refreshes_session() const { return se_.active && se_.we_refresh; }

 private:
  // A message this engine may send again (RFC 3261 17.1.1.2 Timer A,
  // 17.1.2.2 Timer E, 17.2.1 Timer G, 13.3.1.4 for a 2xx): the interval
  // starts at T1 and doubles, up to `cap` when there is one; at `give_up`
  // the engine stops and acts on the silence.
  struct Resend {
    TimeMs at = kSipNever;
    TimeMs interval = 0;
    TimeMs cap = 0;  // 0: doubling without a cap (Timer A)
    TimeMs give_up = kSipNever;
    void start(TimeMs now, TimeMs t1, TimeMs cap_ms, TimeMs give_up_after, bool retransmit) {
      interval = t1;
      cap = cap_ms;
      at = retransmit ? now + t1 : kSipNever;
      give_up = now + give_up_after;
    }
    void stop() { at = give_up = kSipNever; }
    bool running() const { return at != kSipNever || give_up != kSipNever; }
    void next() {
      interval = cap && interval * 2 > cap ? cap : interval * 2;
      at += interval;
    }
  };

  enum class Refresher : std::uint8_t { kNone, kUac, kUas };

  // Our INVITE (initial or re-INVITE) as a client transaction.
  struct InviteClient {
    bool active = false;
    bool provisional = false;  // Timer A and B stop at the first provisional
    bool final = false;        // a final response came (or Timer B fired)
    bool reinvite = false;     // sent in the confirmed dialog
    bool refresh = false;      // a session refresh, not the adapter's offer
    bool auth_tried = false;   // one answer to a challenge per request
    std::uint32_t cseq = 0;
    SipToken branch;
    SipUri request_uri;
    SipUri hop;
    SipMessage msg;  // kept until its final response: CANCEL and the ACK of an error are built from it
    Resend resend;
    SipText text;
    void reset();
  };

  // Our request in the dialog that is neither INVITE nor CANCEL.
  struct NonInviteClient {
    enum class Kind : std::uint8_t { kNone, kBye, kUpdate } kind = Kind::kNone;
    std::uint32_t cseq = 0;
    SipToken branch;
    SipUri hop;
    bool auth_tried = false;
    Resend resend;
    SipShortText text;
    void reset();
  };

  // The INVITE (initial or re-INVITE) or UPDATE the far end sent, kept
  // until it has its final response.
  struct InviteServer {
    bool active = false;        // no final response sent yet
    bool acked = true;          // the final response's ACK arrived (or none is due)
    bool final_2xx = false;
    bool offer_in_2xx = false;  // the request had no SDP: our 2xx carries the offer, its ACK the answer
    bool update = false;        // an UPDATE: answered, no ACK to wait for
    bool uac_supports_timer = false;
    std::uint32_t cseq = 0;
    SipToken branch;
    std::uint32_t se_s = 0;  // the session interval the request asked for (0: none)
    Refresher se_refresher = Refresher::kNone;
    SipMessage request;
    Resend resend;
    SipText last;  // the last response sent (provisional or final)
    void reset();
  };

  // RFC 4028 state.
  struct SessionTimer {
    bool active = false;
    bool we_refresh = false;
    std::uint32_t interval_s = 0;
    bool peer_allows_update = false;
    TimeMs refresh_at = kSipNever;
    TimeMs expire_at = kSipNever;
  };

  // What the engine reads of every received message, once.
  struct In {
    const SipMessage* m = nullptr;
    bool request = false;
    std::string_view method;
    int status = 0;
    std::string_view reason;
    std::uint32_t cseq = 0;
    std::string_view cseq_method;
    SipToken from_tag;
    SipToken to_tag;
    std::string_view branch;
    std::string_view sdp;   // the body when it is application/sdp
    bool other_body = false;  // a body of another type
  };
  static bool read(const SipMessage& m, In& in);

  void begin(const SipParty& me);
  TimeMs backoff_ms(TimeMs lo, TimeMs hi);
  ViaSpec via(std::string_view branch) const;
  template <std::size_t N>
  bool serialize_into(const SipMessage& m, FixedString<N>& into);
  void send(std::string_view text, std::string_view next_hop);
  void send_response_text(std::string_view text);
  void emit(const SipCallEvent& e);
  void ended(SipCallEnd why, int status, std::string_view reason);
  void finish(TimeMs now);

  // Our INVITEs.
  bool send_invite(TimeMs now, std::string_view sdp, bool refresh, std::string_view auth_name,
                   std::string_view auth_value);
  void invite_response(TimeMs now, const In& r);
  void initial_invite_response(TimeMs now, const In& r);
  void reinvite_response(TimeMs now, const In& r);
  bool ack_2xx(const In& r, const SipDialog& d, SipShortText& into, SipUri& hop);
  void ack_error(const In& r);
  void fork_answered(TimeMs now, const In& r);
  bool send_cancel(TimeMs now);
  bool retry_with_credentials(TimeMs now, const In& r);
  void invite_timed_out(TimeMs now);
  void glare_retry(TimeMs now);

  // Our other requests in the dialog.
  bool send_bye(TimeMs now);
  bool send_update(TimeMs now);
  void non_invite_response(TimeMs now, const In& r);

  // The far end's requests.
  void request(TimeMs now, const In& q);
  bool keep_request(const In& q, bool update);
  bool respond_invite(TimeMs now, int status, std::string_view extra_name = {}, std::string_view extra_value = {},
                      std::string_view body = {});
  void respond(const In& q, int status, std::string_view extra_name = {}, std::string_view extra_value = {});
  bool add_common(SipMessage& m, bool allow, bool session, bool response);
  void on_ack(TimeMs now, const In& q);
  void on_cancel(TimeMs now, const In& q);
  void on_bye(TimeMs now, const In& q);
  void on_reinvite(TimeMs now, const In& q, bool update);
  void on_info(const In& q);

  // Session timers.
  void session_from_response(TimeMs now, const In& r);
  void session_from_request(TimeMs now);
  void arm_session(TimeMs now);
  void refresh_session(TimeMs now);

  Csprng& rng_;
  SipCallTiming timing_;
  SipCredentials* credentials_ = nullptr;
  SipCallOutput out_;

  Phase phase_ = Phase::kIdle;
  bool outgoing_ = false;
  bool silent_ = false;  // the call layer is done with this call: no more events
  SipDialog dialog_;
  // Our side, copied from SipParty when the call starts.
  SipUri contact_;
  FixedString<8> transport_;
  FixedString<limits::kHostMax> via_host_;
  std::uint16_t via_port_ = 0;
  FixedString<limits::kPeerNameMax> user_agent_;
  bool reliable_ = false;
  // Who called, for the kIncoming event.
  FixedString<limits::kPeerMax> peer_;
  FixedString<limits::kPeerNameMax> peer_name_;

  InviteClient ic_;
  NonInviteClient nic_;
  InviteServer is_;
  // The ACK of the latest final response to our INVITE, sent again when that
  // response is (a lost ACK).
  SipShortText ack_;
  SipUri ack_hop_;
  std::uint32_t ack_cseq_ = 0;
  SipShortText cancel_;
  Resend cancel_resend_;
  bool cancel_wanted_ = false;  // hung up before any provisional: CANCEL waits for one
  bool cancel_sent_ = false;
  bool bye_wanted_ = false;     // hung up while our 2xx waits for its ACK
  // A second fork's 2xx: ACKed and ended with BYE (the latest one is kept).
  SipToken fork_tag_;
  SipShortText fork_ack_;
  SipShortText fork_bye_;
  SipUri fork_hop_;
  std::uint32_t fork_bye_cseq_ = 0;
  SipToken fork_bye_branch_;
  Resend fork_resend_;
  // The last answer to a request that is not an INVITE, for its retransmissions.
  SipToken nis_branch_;
  FixedString<16> nis_method_;
  SipShortText nis_last_;

  bool early_media_ = false;  // a provisional brought SDP: no ringback after it
  bool ringing_ = false;
  bool trying_ = false;
  // The SDP of the session as we last agreed it (for a refresh re-INVITE,
  // and the offer in a 2xx to a re-INVITE without SDP), and of our INVITE
  // in flight (kept for a retry after 401/407 or 491).
  FixedString<limits::kSdpMax> local_sdp_;
  FixedString<limits::kSdpMax> offer_sdp_;
  TimeMs glare_at_ = kSipNever;
  bool glare_refresh_ = false;
  SessionTimer se_;
  TimeMs linger_until_ = kSipNever;
  FixedString<limits::kSipHeaderValueMax> ended_reason_;
};

// A response with no engine behind it: 481 to a request for a dialog no
// engine knows, 486 or 503 to an INVITE when every engine is busy (its ACK
// then finds no engine and is dropped). A To without a tag gets a random
// one. False when it cannot be built.
bool respond_without_call(Csprng& rng, const SipMessage& request, int status, SipShortText& out);

}  // namespace dialtone::protocol::sip
