#include "protocol/sip/registration.hpp"

#include <algorithm>
#include <cstdio>

#include "firmware/core/ascii.hpp"

namespace dialtone::protocol::sip {

const char* to_string(RegistrationState s) {
  switch (s) {
    case RegistrationState::kRegistering: return "registering";
    case RegistrationState::kRegistered: return "registered";
    case RegistrationState::kOffline: return "offline";
  }
  return "?";
}

TimeMs register_backoff_ms(int failures, std::uint32_t random) {
  if (failures < 1) failures = 1;
  TimeMs base = Registration::kBackoffFirstMs;
  for (int i = 1; i < failures && base < Registration::kBackoffMaxMs; ++i) base *= 2;
  base = std::min(base, Registration::kBackoffMaxMs);
  // base times a factor in [0.8, 1.2), in integers: 0.8 base + 0.4 base * random / 2^32
  auto b = static_cast<std::uint64_t>(base);
  return static_cast<TimeMs>(b * 4 / 5 + ((b * 2 / 5) * random >> 32));
}

namespace {

using Reason = FixedString<limits::kSipRegReasonMax>;

// The words of a final answer that is neither a success nor a challenge.
Reason status_reason(int status, bool unregistering) {
  char buf[limits::kSipRegReasonMax];
  const char* what = nullptr;
  if (status == 403) {
    what = "registrar refused the credentials";
  } else if (status == 404) {
    what = "registrar does not know this user";
  } else if (status == 408) {
    what = "registrar timed out";
  } else if (status == 423) {
    what = "registrar refused the interval";
  } else if (status == 503) {
    what = "registrar unavailable";
  } else if (status >= 500 && status < 600) {
    what = "registrar failed";
  } else if (status >= 600) {
    what = "registrar declined the registration";
  } else if (status >= 300 && status < 400) {
    what = "registrar redirected the registration, not followed";
  } else {
    what = "registrar refused the registration";
  }
  std::snprintf(buf, sizeof buf, "%s%s (%d)", unregistering ? "unregister failed: " : "", what, status);
  return Reason(buf);
}

// A host we may put in a Contact: a name or an address literal, nothing else
// (the received parameter comes from the network).
bool plain_host(std::string_view h) {
  if (h.empty() || h.size() > limits::kHostMax) return false;
  for (char c : h) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string_view without_brackets(std::string_view h) {
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') return h.substr(1, h.size() - 2);
  return h;
}

// The user part of a SIP URI (RFC 3261 section 25.1: unreserved and
// user-unreserved characters as they are, anything else %XX), so an E.164
// user name keeps its '+'.
template <std::size_t N>
bool append_user(FixedString<N>& out, std::string_view user) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  bool ok = true;
  for (unsigned char c : user) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    for (char m : std::string_view("-_.!~*'()&=+$,;?/")) plain = plain || c == static_cast<unsigned char>(m);
    if (plain) {
      ok = out.push_back(static_cast<char>(c)) && ok;
    } else {
      ok = out.push_back('%') && out.push_back(kHex[c >> 4]) && out.push_back(kHex[c & 15]) && ok;
    }
  }
  return ok;
}

template <std::size_t N>
bool append_host(FixedString<N>& out, std::string_view host) {
  bool v6 = host.find(':') != std::string_view::npos;
  return out.append(v6 ? "[" : "") && out.append(host) && out.append(v6 ? "]" : "");
}

std::uint16_t default_port(SipAccount::Transport t) { return t == SipAccount::Transport::kTls ? 5061 : 5060; }

}  // namespace

Registration::Registration(const SipAccount& account, Csprng& rng) : account_(account), rng_(rng) {
  expires_s_ = account_.expires_s;
  std::string_view realm = sip_uri_host(account_.registrar.view());
  if (!realm.empty() && !account_.username.empty()) {
    bool ok = aor_.append("sip:") && append_user(aor_, account_.username.view()) && aor_.append("@") &&
              append_host(aor_, realm);
    if (!ok) aor_.clear();
  }
  if (!account_.outbound_proxy.empty()) {
    std::string_view proxy = account_.outbound_proxy.view();
    bool lr = proxy.find(";lr") != std::string_view::npos;
    bool ok = route_.append("<") && route_.append(proxy) && route_.append(lr ? "" : ";lr") && route_.append(">");
    if (!ok) route_.clear();
  }
  reason_.assign("not started");
}

void Registration::set_local_address(std::string_view host, std::uint16_t port) {
  host = without_brackets(host);
  if (host == local_host_.view() && port == local_port_) return;
  local_host_.assign(host);
  local_port_ = port;
  // What a NAT showed the registrar belonged to the old address.
  learned_host_.clear();
  learned_port_ = 0;
}

void Registration::set_state(RegistrationState s, std::string_view reason) {
  if (s != state_ || reason != reason_.view()) state_changed_ = true;
  state_ = s;
  reason_.assign(reason);
  if (s != RegistrationState::kRegistered) {
    keepalive_at_ = kNever;
    keepalive_due_ = false;
  }
}

bool Registration::take_state_change() {
  bool changed = state_changed_;
  state_changed_ = false;
  return changed;
}

std::uint32_t Registration::random_u32() {
  std::uint32_t v = 0;
  // Jitter only spreads retries; without a draw every retry waits the
  // middle of its range instead.
  return rng_.uint32(v) ? v : 0x80000000u;
}

bool Registration::ensure_identity() {
  if (!call_id_.empty()) return true;
  // No "@host": the Call-ID stays the same when the address changes.
  if (make_call_id(rng_, {}, call_id_) != SipError::kOk || make_tag(rng_, from_tag_) != SipError::kOk) {
    call_id_.clear();
    return false;
  }
  return true;
}

void Registration::clear_auth() {
  for (AuthSlot* s : {&www_, &proxy_}) {
    s->auth.clear();
    s->fresh = s->sent = s->sent_fresh = false;
  }
}

void Registration::start(TimeMs now) {
  if (mode_ != Mode::kStopped) return;
  if (aor_.empty()) {
    set_state(RegistrationState::kOffline, "registrar is not a sip: URI with a user name");
    return;
  }
  mode_ = Mode::kActive;
  failures_ = 0;
  set_state(RegistrationState::kRegistering, "registering");
  begin_round(now);
}

void Registration::begin_round(TimeMs now) {
  stale_in_row_ = 0;
  too_brief_in_row_ = 0;
  correcting_ = false;
  refresh_at_ = kNever;
  retry_at_ = kNever;
  send_again(now);
}

void Registration::send_again(TimeMs now) {
  pending_ = true;
  pending_since_ = now;
}

bool Registration::build_contact(std::string_view host, std::uint16_t port) {
  contact_.clear();
  contact_host_.assign(host);
  contact_port_ = port;
  char port_text[8];
  std::snprintf(port_text, sizeof port_text, ":%u", static_cast<unsigned>(port));
  bool ok = contact_.append("sip:") && append_user(contact_, account_.username.view()) && contact_.append("@") &&
            append_host(contact_, host) && contact_.append(port_text);
  if (account_.transport != SipAccount::Transport::kUdp) {
    ok = contact_.append(";transport=") && contact_.append(to_string(account_.transport)) && ok;
  }
  return ok;
}

bool Registration::take_request(RegisterRequest& out) {
  if (!pending_) return false;
  pending_ = false;
  TimeMs now = pending_since_;
  if (!ensure_identity()) {
    fail(now, "no random bytes for the Call-ID");
    return false;
  }
  if (local_host_.empty() || local_port_ == 0) {
    fail(now, "the transport has no local address for the Contact");
    return false;
  }

  stale_contact_.clear();
  if (mode_ == Mode::kUnregistering && !bound_contact_.empty()) {
    contact_.assign(bound_contact_.view());
  } else {
    bool learned = !learned_host_.empty();
    if (!build_contact(learned ? learned_host_.view() : local_host_.view(), learned ? learned_port_ : local_port_)) {
      fail(now, "the Contact does not fit");
      return false;
    }
    // The registrar still holds the Contact we had: drop it in the same
    // request, so calls are not forked to an address that reaches nobody.
    if (mode_ == Mode::kActive && !bound_contact_.empty() && bound_contact_.view() != contact_.view() &&
        now < binding_until_) {
      stale_contact_.assign(bound_contact_.view());
    }
  }

  if (make_branch(rng_, branch_) != SipError::kOk) {
    fail(now, "no random bytes for the Via branch");
    return false;
  }

  std::string_view uri = account_.registrar.view();
  for (auto [slot, value] : {std::pair{&www_, &www_value_}, std::pair{&proxy_, &proxy_value_}}) {
    value->clear();
    slot->sent = slot->sent_fresh = false;
    if (!slot->auth.has_challenge()) continue;
    DigestError e = slot->auth.authorize(rng_, account_.digest_username(), account_.password.view(), "REGISTER",
                                         uri, *value);
    if (e != DigestError::kOk) {
      char why[limits::kSipRegReasonMax];
      std::snprintf(why, sizeof why, "cannot answer the challenge: %s", to_string(e));
      fail(now, why);
      return false;
    }
    slot->sent = true;
    slot->sent_fresh = slot->fresh;
    slot->fresh = false;
  }

  ++cseq_;
  in_flight_ = true;
  answer_deadline_ = now + kAnswerGuardMs;

  out = RegisterRequest{};
  out.request_uri = uri;
  out.aor = aor_.view();
  out.display_name = account_.display_name.view();
  out.from_tag = from_tag_.view();
  out.call_id = call_id_.view();
  out.cseq = cseq_;
  out.branch = branch_.view();
  out.transport = account_.transport;
  out.via_host = local_host_.view();
  out.via_port = local_port_;
  out.contact = contact_.view();
  out.stale_contact = stale_contact_.view();
  out.expires = mode_ == Mode::kUnregistering ? 0 : expires_s_;
  out.authorization = www_value_.view();
  out.proxy_authorization = proxy_value_.view();
  out.route = route_.view();
  return true;
}

bool Registration::on_response(TimeMs now, const RegisterResponse& r) {
  if (!in_flight_ || r.cseq != cseq_ || r.call_id.view() != call_id_.view()) return false;
  if (r.status < 200) return true;
  in_flight_ = false;
  answer_deadline_ = kNever;
  learn_address(r);
  if (r.status < 300) {
    on_success(now, r);
  } else if (r.status == 401 || r.status == 407) {
    on_challenge(now, r);
  } else if (r.status == 423 && mode_ == Mode::kActive) {
    on_interval_too_brief(now, r);
  } else {
    std::optional<std::uint32_t> retry_after;
    if (r.status >= 500 && r.status < 600) retry_after = r.retry_after;
    fail(now, status_reason(r.status, mode_ == Mode::kUnregistering).view(), retry_after);
  }
  return true;
}

void Registration::learn_address(const RegisterResponse& r) {
  if (r.via_received.empty() && r.via_rport == 0) return;
  std::string_view host = r.via_received.empty() ? local_host_.view() : without_brackets(r.via_received);
  if (!plain_host(host)) return;
  learned_host_.assign(host);
  learned_port_ = r.via_rport ? r.via_rport : local_port_;
}

bool Registration::our_contact(const RegisterContact& c) const {
  SipUriParts theirs, ours;
  if (!sip_uri_parts(c.uri.view(), theirs) || !sip_uri_parts(contact_.view(), ours)) return false;
  std::uint16_t port = theirs.port ? theirs.port : default_port(account_.transport);
  return theirs.user == ours.user && ascii_iequals(theirs.host, ours.host) && port == ours.port;
}

void Registration::on_success(TimeMs now, const RegisterResponse& r) {
  if (mode_ == Mode::kUnregistering) {
    finish_unregister("unregistered");
    return;
  }
  failures_ = 0;
  std::optional<std::uint32_t> granted;
  for (const RegisterContact& c : r.contacts) {
    if (our_contact(c) && c.expires) {
      granted = c.expires;
      break;
    }
  }
  if (!granted) granted = r.expires;
  if (!granted) granted = expires_s_;
  if (*granted == 0) {
    char why[limits::kSipRegReasonMax];
    std::snprintf(why, sizeof why, "registrar granted no time (%d with expires 0)", r.status);
    fail(now, why);
    return;
  }
  granted_s_ = *granted;
  bound_contact_.assign(contact_.view());
  binding_until_ = now + static_cast<TimeMs>(granted_s_) * 1000;

  // The registrar saw us at another address than the Contact says (a NAT):
  // bind the address it saw, at once. Once per round, so a registrar whose
  // view keeps moving cannot keep us re-registering.
  bool corrected = !learned_host_.empty() &&
                   (learned_host_.view() != contact_host_.view() || learned_port_ != contact_port_);
  if (corrected && !correcting_) {
    correcting_ = true;
    send_again(now);
    return;
  }
  correcting_ = false;
  refresh_at_ = now + std::max<TimeMs>(1000, static_cast<TimeMs>(granted_s_) * kRefreshPermille);
  if (state_ != RegistrationState::kRegistered) {
    set_state(RegistrationState::kRegistered, "registered");
    keepalive_at_ = account_.keepalive_s ? now + static_cast<TimeMs>(account_.keepalive_s) * 1000 : kNever;
  }
}

void Registration::on_challenge(TimeMs now, const RegisterResponse& r) {
  bool proxy = r.status == 407;
  AuthSlot& slot = proxy ? proxy_ : www_;
  const auto& values = proxy ? r.proxy_authenticate : r.www_authenticate;
  const char* who = proxy ? "proxy" : "registrar";
  char why[limits::kSipRegReasonMax];

  DigestChallenge c;
  DigestError first_error = DigestError::kOk;
  bool usable = false;
  for (const DigestChallengeFields& v : values) {
    DigestError e = digest_challenge_from_fields(v, c);
    if (e == DigestError::kOk) {
      usable = true;
      break;
    }
    if (first_error == DigestError::kOk) first_error = e;
  }
  if (!usable) {
    if (values.empty()) {
      std::snprintf(why, sizeof why, "%s refused the registration (%d without a challenge)", who, r.status);
    } else {
      std::snprintf(why, sizeof why, "%s asked for authentication we cannot answer (%d: %s)", who, r.status,
                    to_string(first_error));
    }
    fail(now, why);
    return;
  }

  if (c.stale) {
    // The credentials were right, the nonce had aged: answer the new one.
    if (++stale_in_row_ > kStaleMax) {
      std::snprintf(why, sizeof why, "%s keeps calling the nonce stale (%d)", who, r.status);
      fail(now, why);
      return;
    }
  } else {
    bool same_nonce = slot.auth.has_challenge() && slot.auth.challenge().nonce.view() == c.nonce.view() &&
                      slot.auth.challenge().realm.view() == c.realm.view();
    if (slot.sent && (slot.sent_fresh || same_nonce)) {
      std::snprintf(why, sizeof why, "%s refused the credentials (%d)", who, r.status);
      fail(now, why);
      return;
    }
  }
  slot.auth.adopt(c);
  slot.fresh = true;
  send_again(now);
}

void Registration::on_interval_too_brief(TimeMs now, const RegisterResponse& r) {
  if (!r.min_expires || *r.min_expires <= expires_s_) {
    fail(now, "registrar wants a longer interval (423) and gave no usable Min-Expires");
    return;
  }
  if (++too_brief_in_row_ > kIntervalTooBriefMax) {
    fail(now, "registrar keeps refusing the interval (423)");
    return;
  }
  expires_s_ = *r.min_expires;
  send_again(now);
}

void Registration::fail(TimeMs now, std::string_view reason, std::optional<std::uint32_t> retry_after_s) {
  pending_ = false;
  in_flight_ = false;
  answer_deadline_ = kNever;
  correcting_ = false;
  if (mode_ == Mode::kUnregistering) {
    finish_unregister(reason);
    return;
  }
  if (mode_ != Mode::kActive) return;
  ++failures_;
  TimeMs delay = register_backoff_ms(failures_, random_u32());
  if (retry_after_s) {
    delay = std::max(delay, std::min(static_cast<TimeMs>(*retry_after_s) * 1000, kBackoffMaxMs));
  }
  retry_at_ = now + delay;
  refresh_at_ = kNever;
  // A refused or unanswered round starts the next one without credentials.
  clear_auth();
  set_state(RegistrationState::kOffline, reason);
}

void Registration::finish_unregister(std::string_view reason) {
  mode_ = Mode::kStopped;
  pending_ = false;
  in_flight_ = false;
  answer_deadline_ = kNever;
  refresh_at_ = retry_at_ = binding_until_ = kNever;
  bound_contact_.clear();
  granted_s_ = 0;
  set_state(RegistrationState::kOffline, reason);
}

void Registration::stop(TimeMs now) {
  if (mode_ != Mode::kActive) return;
  bool bound = !bound_contact_.empty() && now < binding_until_;
  if (!bound && !in_flight_) {
    finish_unregister("stopped");
    return;
  }
  // A binding may exist (or the REGISTER in flight may be making one).
  mode_ = Mode::kUnregistering;
  in_flight_ = false;
  refresh_at_ = retry_at_ = kNever;
  stale_in_row_ = 0;
  set_state(RegistrationState::kOffline, "unregistering");
  send_again(now);
}

void Registration::on_timeout(TimeMs now, std::uint32_t cseq) {
  if (!in_flight_ || cseq != cseq_) return;
  fail(now, mode_ == Mode::kUnregistering ? "unregister not answered (timeout)"
                                          : "no answer from the registrar (timeout)");
}

void Registration::on_transport_error(TimeMs now, std::uint32_t cseq, std::string_view words) {
  if (!in_flight_ || cseq != cseq_) return;
  Reason why(mode_ == Mode::kUnregistering ? "unregister not sent: " : "cannot reach the registrar: ");
  why.append(words);
  fail(now, why.view());
}

void Registration::on_connection_lost(TimeMs now, std::string_view words) {
  if (mode_ == Mode::kUnregistering) {
    if (in_flight_) {
      Reason why("unregister not answered: connection lost: ");
      why.append(words);
      fail(now, why.view());
    }
    return;
  }
  if (mode_ != Mode::kActive) return;
  Reason why("connection lost: ");
  why.append(words);
  if (state_ == RegistrationState::kRegistered) {
    // The registrar can no longer reach us: register again at once.
    in_flight_ = false;
    answer_deadline_ = kNever;
    set_state(RegistrationState::kRegistering, why.view());
    begin_round(now);
  } else if (in_flight_) {
    fail(now, why.view());
  }
  // Offline and waiting: the retry already scheduled stands.
}

void Registration::on_unreachable(TimeMs now, std::string_view words) {
  if (!pending_ || in_flight_ || mode_ == Mode::kStopped) return;
  Reason why(mode_ == Mode::kUnregistering ? "unregister not sent: " : "cannot reach the registrar: ");
  why.append(words);
  fail(now, why.view());
}

void Registration::tick(TimeMs now) {
  if (in_flight_ && now >= answer_deadline_) {
    fail(now, mode_ == Mode::kUnregistering ? "unregister not answered (timeout)"
                                            : "no answer from the registrar (timeout)");
  }
  if (mode_ != Mode::kActive) return;
  if (state_ == RegistrationState::kRegistered && now >= keepalive_at_) {
    keepalive_due_ = true;
    keepalive_at_ = now + static_cast<TimeMs>(account_.keepalive_s) * 1000;
  }
  if (state_ == RegistrationState::kRegistered && now >= binding_until_) {
    set_state(RegistrationState::kRegistering, "registration expired before it was refreshed");
  }
  if (in_flight_ || pending_) return;
  if (state_ == RegistrationState::kRegistered && now >= refresh_at_) {
    begin_round(now);
  } else if (state_ == RegistrationState::kOffline && now >= retry_at_) {
    begin_round(now);
  }
}

TimeMs Registration::next_wakeup() const {
  if (pending_) return pending_since_;
  TimeMs t = kNever;
  if (in_flight_) t = std::min(t, answer_deadline_);
  if (mode_ != Mode::kActive) return t;
  if (state_ == RegistrationState::kRegistered) {
    t = std::min({t, binding_until_, keepalive_at_});
    if (!in_flight_) t = std::min(t, refresh_at_);
  } else if (state_ == RegistrationState::kOffline && !in_flight_) {
    t = std::min(t, retry_at_);
  }
  return t;
}

bool Registration::take_keepalive() {
  bool due = keepalive_due_;
  keepalive_due_ = false;
  return due;
}

}  // namespace dialtone::protocol::sip
