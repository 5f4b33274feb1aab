#include "firmware/line/sip_line.hpp"

#include <algorithm>
#include <cstdio>

#include "firmware/core/log.hpp"
#include "protocol/sip/register_message.hpp"

namespace dialtone::line {
namespace {

namespace sip = protocol::sip;

sip::SipAccount account_from(const config::SipConfig& c) {
  sip::SipAccount a;
  a.registrar.assign(c.registrar.uri.view());
  a.username.assign(c.username.view());
  a.auth_username.assign(c.auth_username.view());
  a.password.assign(c.password.view());
  a.display_name.assign(c.display_name.view());
  switch (c.transport) {
    case config::SipTransportKind::kUdp: a.transport = sip::SipAccount::Transport::kUdp; break;
    case config::SipTransportKind::kTcp: a.transport = sip::SipAccount::Transport::kTcp; break;
    case config::SipTransportKind::kTls: a.transport = sip::SipAccount::Transport::kTls; break;
  }
  a.outbound_proxy.assign(c.outbound_proxy.uri.view());
  a.expires_s = static_cast<std::uint32_t>(c.expires_s);
  a.keepalive_s = static_cast<std::uint32_t>(c.keepalive_s);
  return a;
}

status::LineState line_state(sip::RegistrationState s) {
  switch (s) {
    case sip::RegistrationState::kRegistering: return status::LineState::kRegistering;
    case sip::RegistrationState::kRegistered: return status::LineState::kRegistered;
    case sip::RegistrationState::kOffline: break;
  }
  return status::LineState::kOffline;
}

// The one peer of this line: everything goes to the configured next hop
// (sip-line.md 1: the outbound proxy, whatever the Request-URI).
constexpr std::uint32_t kServer = 1;

}  // namespace

SipLine::SipLine(EventLoop& loop, Csprng& rng, const config::SipConfig& cfg, LineObserver& observer)
    : loop_(loop),
      rng_(rng),
      cfg_(cfg),
      observer_(observer),
      account_(account_from(cfg)),
      transport_(loop, rng, cfg, *this),
      reg_(account_, rng),
      credentials_(account_, rng) {}

bool SipLine::start() {
  started_ = true;
  if (!transport_.init()) {
    reason_.assign(transport_.failure());
    observer_.on_line_state(status::LineState::kOffline, reg_.aor(), reason_.view());
    return false;
  }
  // The engine starts once the transport knows this end's address (the
  // Contact and Via need it); until then the line is registering.
  observer_.on_line_state(status::LineState::kRegistering, reg_.aor(), {});
  transport_.open();
  return true;
}

void SipLine::stop() {
  if (!started_) return;
  started_ = false;
  reg_.stop(loop_.now());
  pump();
}

status::LineState SipLine::state() const {
  if (!registered_once_ && reg_.stopped()) return reason_.empty() ? status::LineState::kRegistering
                                                                  : status::LineState::kOffline;
  return line_state(reg_.state());
}

std::string_view SipLine::realm() const { return sip::sip_uri_host(account_.registrar.view()); }

std::string_view SipLine::unavailable_reason() const {
  if (state() == status::LineState::kRegistered) return {};
  if (!reason_.empty()) return reason_.view();
  return status::line_unavailable_reason(state());
}

sip::SipParty SipLine::party() const {
  return sip::SipParty{.aor = reg_.aor(),
                       .display_name = account_.display_name.view(),
                       .contact = reg_.contact(),
                       .transport = transport_.via_transport(),
                       .via_host = transport_.local_host(),
                       .via_port = transport_.local_port(),
                       .user_agent = "Dialtone",
                       .reliable = transport_.reliable()};
}

// ---- the wire --------------------------------------------------------------------

std::uint32_t SipLine::peer_for(std::string_view) { return kServer; }

void SipLine::send(std::uint32_t, std::string_view bytes) {
  if (!transport_.send(bytes)) DT_LOGW("sip", "a message of %zu bytes could not be sent", bytes.size());
}

void SipLine::tx_send(sip::TxId, std::uint32_t peer, std::string_view bytes) { send(peer, bytes); }

void SipLine::on_sip_transport_up() {
  path_up_ = true;
  reg_.set_local_address(transport_.local_host(), transport_.local_port());
  if (started_ && reg_.stopped()) reg_.start(loop_.now());
  pump();
}

void SipLine::on_sip_transport_down(std::string_view why) {
  const TimeMs now = loop_.now();
  const bool was_up = path_up_;
  path_up_ = false;
  if (reg_tx_ != 0) tx_.transport_error(reg_tx_);  // -> tx_failed: the REGISTER in flight failed
  reg_.on_connection_lost(now, why);
  // The path never came up: the REGISTER waiting for it cannot go, and
  // that round failed (offline, backoff) rather than reopening at once, for
  // ever, while the registrar refuses connections.
  if (!was_up) reg_.on_unreachable(now, why);
  if (reg_.stopped() && started_) {
    // Never reached the server yet: offline with the transport's words,
    // and again after the registration's own backoff.
    reason_.assign(why);
    observer_.on_line_state(status::LineState::kOffline, reg_.aor(), reason_.view());
    loop_.cancel_timer(reopen_timer_);
    reopen_timer_ = loop_.add_timer(sip::register_backoff_ms(1, random_u32()), [this] {
      reopen_timer_ = TimerId{};
      if (started_) transport_.open();
    });
    return;
  }
  pump();
}

void SipLine::on_sip_message(std::span<const std::uint8_t> bytes, bool reliable) {
  const TimeMs now = loop_.now();
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (sip::SipError e = scratch_.parse(text); e != sip::SipError::kOk) {
    DT_LOGW("sip", "a message of %zu bytes that does not parse (%s): dropped", bytes.size(), sip::to_string(e));
    return;
  }
  const sip::TxTransport transport = reliable ? sip::TxTransport::kReliable : sip::TxTransport::kUnreliable;
  if (scratch_.is_response()) {
    const auto cseq = scratch_.cseq();
    if (cseq && cseq->method == "REGISTER") {
      tx_.on_response(now, scratch_);  // -> tx_response
      pump();
      return;
    }
  }
  if (calls_) calls_->on_sip_message(scratch_, transport, kServer);
  else if (scratch_.is_request()) DT_LOGI("sip", "%.*s dropped: no calls on this line",
                                          static_cast<int>(scratch_.method().size()), scratch_.method().data());
  rearm();
}

void SipLine::tx_response(sip::TxId id, const sip::SipMessage& response) {
  if (id != reg_tx_) return;
  if (response.status() >= 200) reg_tx_ = 0;
  static sip::RegisterResponse r;  // large (challenges, contacts): kept out of the stack
  r = sip::RegisterResponse{};
  if (sip::read_register_response(response, r) != sip::SipError::kOk) {
    DT_LOGW("sip", "an answer to REGISTER without Call-ID or CSeq: ignored");
    return;
  }
  reg_.on_response(loop_.now(), r);
}

void SipLine::tx_failed(sip::TxId id, sip::TxFailure why) {
  if (id != reg_tx_) return;
  reg_tx_ = 0;
  if (why == sip::TxFailure::kTimeout) reg_.on_timeout(loop_.now(), reg_cseq_);
  else reg_.on_transport_error(loop_.now(), reg_cseq_, transport_.failure());
}

// ---- the registration engine -------------------------------------------------------

void SipLine::pump() {
  const TimeMs now = loop_.now();
  if (transport_.is_up()) {
    sip::RegisterRequest req;
    if (reg_.take_request(req)) {
      if (reg_tx_ != 0) tx_.abandon(reg_tx_);  // an older REGISTER is of no interest any more
      reg_tx_ = 0;
      reg_cseq_ = req.cseq;
      sip::SipError e = sip::build_register(req, request_);
      if (e == sip::SipError::kOk) e = tx_.start_client(now, request_, tx_transport(), kServer, *this, reg_tx_);
      if (e != sip::SipError::kOk) {
        char words[96];
        std::snprintf(words, sizeof words, "the REGISTER could not be sent (%s)", sip::to_string(e));
        reg_.on_transport_error(now, req.cseq, words);
      }
    }
  } else if (reg_.request_waiting()) {
    transport_.open();  // the REGISTER waits in the engine until the path is up
  }
  // One keep-alive schedule, the engine's (every keepalive_s while registered).
  if (reg_.take_keepalive() && transport_.is_up()) transport_.send_keepalive();
  report();
  rearm();
}

void SipLine::report() {
  if (!reg_.take_state_change()) return;
  const status::LineState s = line_state(reg_.state());
  if (s == status::LineState::kRegistered) registered_once_ = true;
  // "registering" and "registered" say it all; an offline line says why.
  reason_.assign(s == status::LineState::kOffline ? reg_.reason() : std::string_view{});
  observer_.on_line_state(s, reg_.aor(), reason_.view());
}

void SipLine::rearm() {
  // A REGISTER waiting for the path goes out from on_sip_transport_up (or
  // fails with on_sip_transport_down): a timer for it now would only spin.
  const TimeMs reg_next = reg_.request_waiting() && !transport_.is_up() ? kNever : reg_.next_wakeup();
  TimeMs next = std::min<TimeMs>(reg_next, tx_.next_wakeup());
  if (calls_) next = std::min<TimeMs>(next, calls_->next_sip_wakeup());
  if (timer_.valid() && next == timer_at_) return;
  if (next == kNever) {
    loop_.cancel_timer(timer_);
    return;
  }
  loop_.cancel_timer(timer_);
  timer_at_ = next;
  timer_ = loop_.add_timer_at(next, [this] {
    timer_ = TimerId{};
    on_timer();
  });
}

void SipLine::on_timer() {
  const TimeMs now = loop_.now();
  tx_.tick(now);
  reg_.tick(now);
  if (calls_) calls_->on_sip_tick();
  pump();
}

std::uint32_t SipLine::random_u32() {
  std::uint32_t r = 0;
  if (!rng_.uint32(r)) r = 0x80000000u;  // no jitter rather than no retry
  return r;
}

}  // namespace dialtone::line
