// One SIP call (an INVITE dialog, RFC 3261 sections 12-15) as a sans-I/O
// engine on the line's transaction layer (transaction.hpp): commands from the
// line adapter, received messages and `now` in; messages out through the
// layer and SipCallWire, call events queued for the adapter, and the next
// wake-up time. It knows neither sockets nor the call layer, and reads no
// clock. A line keeps limits::kSipCallEngines of them in fixed storage, and
// SipCallRouter (sip_call_router.hpp) hands each its messages.
//
// The adapter's side, in the words of the call layer:
//   place(to, offer)          -> place(now, me, target_uri, offer)         INVITE
//   alert                     -> ring(now)                                  180 Ringing
//   send_answer(answer)       -> answer(now, sdp)                           200 with SDP
//   send_offer(hold/resume)   -> reoffer(now, sdp)                          re-INVITE
//   send_offer_answer(answer) -> answer_offer(now, sdp)                     200 to their re-INVITE / UPDATE
//   end(reason)               -> hang_up(now, how)                          CANCEL, BYE, 603, 486 or 480
//   refuse(busy)              -> hang_up(now, SipHangUp::kBusy) on the engine that took the INVITE
// and it reads take_events() after every call into the engine, the router
// or the transaction layer (responses and timeouts arrive through the
// layer's callbacks). SDP in an event points into the message that call
// handled: read it before that call's caller lets the message go.
//
// What the engine does on its own: 100 Trying; ACK for every 2xx of its
// INVITEs, again for each retransmission; CANCEL once a provisional allows
// it; a 2xx that crosses our CANCEL, or a 2xx from a second fork, ACKed and
// ended with BYE; one answer to a 401/407 with credentials; 491 to a
// re-INVITE that meets ours, and ours again after the random wait of RFC
// 3261 14.1; 500 to a second offer while one is open (14.2) and to a CSeq
// out of order (12.2.2); BYE when our 2xx gets no ACK in 64*T1; session
// timers (RFC 4028) when the far end asks for them: refreshes at half the
// interval (UPDATE when the far end allows it, else a re-INVITE with our
// last SDP), BYE when the far end's refreshes stop; 200 to INFO (dtmf-relay
// becomes a kDtmf event), OPTIONS, BYE and CANCEL. Retransmissions and the
// ACK of a failure are the transaction layer's.
//
// SDP is opaque here: whether a re-offer holds or resumes is the media
// side's reading of it, in the adapter.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "protocol/sip/sip_call_types.hpp"
#include "protocol/sip/sip_dialog.hpp"
#include "protocol/sip/sip_message.hpp"
#include "protocol/sip/transaction.hpp"

namespace dialtone::protocol::sip {

// RFC 3261 timer base the engine's own waits derive from (CANCEL give-up,
// glare); the transaction layer has its own copy.
struct SipCallTiming {
  TimeMs t1_ms = limits::kSipT1Ms;
};

using SipShortText = FixedString<limits::kSipShortMessageMax>;

class SipCall final : public TransactionUser {
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
    kEnded,       // over (reusable)
  };

  SipCall(Csprng& rng, TransactionLayer& transactions, SipCallWire& wire, SipCallTiming timing = {})
      : rng_(rng), tx_(transactions), wire_(wire), timing_(timing) {}
  ~SipCall() override;
  SipCall(const SipCall&) = delete;
  SipCall& operator=(const SipCall&) = delete;

  // The line's answerer of digest challenges (nullptr: a 401/407 ends the call).
  void set_credentials(SipCredentials* c) { credentials_ = c; }

  // ---- commands; false when the call's state does not allow it (nothing sent) ----
  // A new outgoing call on a reusable engine: INVITE with `offer`.
  bool place(TimeMs now, const SipParty& me, std::string_view target_uri, std::string_view offer);
  bool ring(TimeMs now);
  // Incoming: 200 with `sdp` (the answer, or our offer when the INVITE had none).
  bool answer(TimeMs now, std::string_view sdp);
  // In the call: a re-INVITE with our offer (hold, resume, new media).
  bool reoffer(TimeMs now, std::string_view sdp);
  // In the call: our answer to the far end's re-INVITE or UPDATE offer.
  bool answer_offer(TimeMs now, std::string_view sdp);
  // End the call however its state requires. No kEnded follows (the call
  // layer ended it already); the engine only winds the dialog down.
  void hang_up(TimeMs now, SipHangUp how = SipHangUp::kTerminate);

  // ---- the network (SipCallRouter calls these) ----
  // Does this message belong to this call's dialog or transactions?
  bool matches(const SipMessage& m) const;
  // A new INVITE on a reusable engine, whose server transaction `id` the
  // router opened with this engine as its user: 100, and kIncoming. False
  // when it cannot be taken (answered with an error: 400 without Contact,
  // 415 for a body that is not SDP, 422 for a session interval below ours).
  bool take(TimeMs now, const SipParty& me, const SipMessage& invite, TxId id);
  // A request of this call: a new server transaction `id`, or (id 0) the
  // ACK of our 2xx, which belongs to no transaction. Or a response no
  // transaction took (a 2xx again after its transaction ended).
  void receive(TimeMs now, const SipMessage& m, TxId id);
  void tick(TimeMs now);
  TimeMs next_wakeup() const;
  // The time of the transaction layer's callbacks, which carry none: the
  // router sets it before every call into the layer.
  void set_now(TimeMs now) { if (now > now_) now_ = now; }

  // ---- TransactionUser (the layer calls these) ----
  void tx_send(TxId id, std::uint32_t peer, std::string_view bytes) override;
  void tx_response(TxId id, const SipMessage& response) override;
  void tx_failed(TxId id, TxFailure why) override;

  // Events since the last take: read them, then the queue is empty.
  FixedVector<SipCallEvent, 8> take_events();

  Phase phase() const { return phase_; }
  // Free for a new call: never used, or over.
  bool reusable() const { return phase_ == Phase::kIdle || phase_ == Phase::kEnded; }
  // When its last call ended (0: never used).
  TimeMs ended_at() const { return ended_at_; }
  bool outgoing() const { return outgoing_; }
  std::string_view call_id() const { return dialog_.call_id.view(); }
  const SipDialog& dialog() const { return dialog_; }
  bool session_timer_active() const { return se_.active; }
  std::uint32_t session_interval_s() const { return se_.interval_s; }
  bool refreshes_session() const { return se_.active && se_.we_refresh; }

 private:
  enum class Refresher : std::uint8_t { kNone, kUac, kUas };

  // What the engine reads of every received message, once.
  struct In {
    const SipMessage* m = nullptr;
    TxId id = 0;
    bool request = false;
    std::string_view method;
    int status = 0;
    std::string_view reason;
    std::uint32_t cseq = 0;
    std::string_view cseq_method;
    SipToken from_tag;
    SipToken to_tag;
    std::string_view sdp;     // the body when it is application/sdp
    bool other_body = false;  // a body of another type
  };

  // Our INVITE (initial or re-INVITE).
  struct InviteClient {
    TxId tx = 0;
    bool active = false;       // sent and no final response yet
    bool reinvite = false;     // sent in the confirmed dialog
    bool refresh = false;      // a session refresh, not the adapter's offer
    bool auth_tried = false;   // one answer to a challenge per request
    std::uint32_t cseq = 0;
    SipUri request_uri;
    SipMessage msg;  // kept until its final response: a CANCEL is built from it
    void reset();
  };

  // Our request in the dialog that is neither INVITE nor CANCEL.
  struct NonInviteClient {
    enum class Kind : std::uint8_t { kNone, kBye, kUpdate } kind = Kind::kNone;
    TxId tx = 0;
    bool auth_tried = false;
  };

  // The far end's INVITE (initial or re-INVITE) or UPDATE, kept until it
  // has its final response, and its ACK awaited after.
  struct InviteServer {
    TxId tx = 0;
    bool active = false;        // no final response sent yet
    bool acked = true;          // our 2xx's ACK arrived (or none is due)
    bool offer_in_2xx = false;  // the request had no SDP: our 2xx carries the offer, its ACK the answer
    bool update = false;        // an UPDATE: answered, no ACK to wait for
    bool uac_supports_timer = false;
    std::uint32_t cseq = 0;
    std::uint32_t se_s = 0;  // the session interval the request asked for (0: none)
    Refresher se_refresher = Refresher::kNone;
    SipMessage request;
    void reset();
  };

  // RFC 4028 state.
  struct SessionTimer {
    bool active = false;
    bool we_refresh = false;
    std::uint32_t interval_s = 0;
    bool peer_allows_update = false;
    TimeMs refresh_at = kNever;
    TimeMs expire_at = kNever;
  };

  static bool read(const SipMessage& m, TxId id, In& in);
  void begin(const SipParty& me);
  void forget_transactions();
  TimeMs backoff_ms(TimeMs lo, TimeMs hi);
  ViaSpec via(std::string_view branch) const;
  TxTransport transport() const { return reliable_ ? TxTransport::kReliable : TxTransport::kUnreliable; }
  bool start(TimeMs now, const SipMessage& request, std::string_view next_hop, TxId& id, const char* what);
  void emit(const SipCallEvent& e);
  void ended(SipCallEnd why, int status, std::string_view reason);
  void finish();

  // Our INVITEs.
  bool send_invite(TimeMs now, std::string_view sdp, bool refresh, std::string_view auth_name,
                   std::string_view auth_value);
  void initial_invite_response(TimeMs now, const In& r);
  void reinvite_response(TimeMs now, const In& r);
  bool ack_2xx(const In& r, const SipDialog& d, SipShortText& into, std::uint32_t& peer);
  void answer_again(const In& r);
  void fork_answered(TimeMs now, const In& r);
  bool send_cancel(TimeMs now);
  bool retry_with_credentials(TimeMs now, const In& r);
  void invite_failed(TimeMs now);
  void glare_retry(TimeMs now);

  // Our other requests in the dialog.
  bool send_in_dialog(TimeMs now, const SipDialog& d, std::string_view method, bool contact, bool allow,
                      TxId& id);
  bool send_bye(TimeMs now);
  bool send_update(TimeMs now);
  void non_invite_response(TimeMs now, const In& r);

  // The far end's requests.
  void request(TimeMs now, const In& q);
  bool keep_request(const In& q, bool update);
  bool respond_invite(TimeMs now, int status, std::string_view extra_name = {}, std::string_view extra_value = {},
                      std::string_view body = {});
  void respond(TimeMs now, const In& q, int status, std::string_view extra_name = {},
               std::string_view extra_value = {});
  bool add_common(SipMessage& m, bool allow, bool session, bool response);
  void on_ack(TimeMs now, const In& q);
  void on_cancel(TimeMs now, const In& q);
  void on_bye(TimeMs now, const In& q);
  void on_reinvite(TimeMs now, const In& q, bool update);
  void on_info(TimeMs now, const In& q);

  // Session timers.
  void session_from_response(TimeMs now, const In& r);
  void session_from_request(TimeMs now);
  void arm_session(TimeMs now);
  void refresh_session(TimeMs now);

  Csprng& rng_;
  TransactionLayer& tx_;
  SipCallWire& wire_;
  SipCallTiming timing_;
  SipCredentials* credentials_ = nullptr;
  FixedVector<SipCallEvent, 8> events_;

  TimeMs now_ = 0;
  TimeMs ended_at_ = 0;
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
  TxId cancel_tx_ = 0;
  // The ACK of our latest 2xx, sent again when the 2xx is (our ACK was lost).
  SipShortText ack_;
  std::uint32_t ack_peer_ = 0;
  std::uint32_t ack_cseq_ = 0;
  std::uint32_t dialog_cseq_ = 0;  // CSeq of the INVITE whose 2xx made the dialog (forks answer it too)
  bool cancel_wanted_ = false;  // hung up before any provisional: CANCEL waits for one
  bool cancel_sent_ = false;
  TimeMs cancel_give_up_at_ = kNever;  // RFC 3261 9.1: no final response 64*T1 after CANCEL
  bool bye_wanted_ = false;            // hung up while our 2xx waits for its ACK
  // A second fork's 2xx: ACKed and ended with BYE (the latest one is kept).
  SipToken fork_tag_;
  SipShortText fork_ack_;
  std::uint32_t fork_peer_ = 0;

  bool early_media_ = false;  // a provisional brought SDP: no ringback after it
  bool ringing_ = false;
  bool trying_ = false;
  // The SDP of the session as last agreed (for a refresh re-INVITE, and the
  // offer in a 2xx to a re-INVITE without SDP), and of our INVITE in flight
  // (for a retry after 401/407 or 491).
  FixedString<limits::kSdpMax> local_sdp_;
  FixedString<limits::kSdpMax> offer_sdp_;
  TimeMs glare_at_ = kNever;
  bool glare_refresh_ = false;
  SessionTimer se_;
  FixedString<limits::kCallReasonMax> ended_reason_;
};

}  // namespace dialtone::protocol::sip
