#include "protocol/sip/register_message.hpp"

#include <cstdio>

namespace dialtone::protocol::sip {

namespace {

const char* via_transport(SipAccount::Transport t) {
  switch (t) {
    case SipAccount::Transport::kUdp: return "UDP";
    case SipAccount::Transport::kTcp: return "TCP";
    case SipAccount::Transport::kTls: return "TLS";
  }
  return "UDP";
}

// Retry-After: "120", "120;duration=3600" or "120 (maintenance)".
std::optional<std::uint32_t> leading_seconds(std::string_view v) {
  std::size_t i = 0;
  while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
  std::uint64_t n = 0;
  std::size_t digits = 0;
  for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i, ++digits) {
    n = n * 10 + static_cast<std::uint64_t>(v[i] - '0');
    if (n > UINT32_MAX) return std::nullopt;
  }
  if (digits == 0) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

}  // namespace

SipError build_register(const RegisterRequest& req, SipMessage& out) {
  std::string_view routes[1] = {req.route};
  RequestSpec spec;
  spec.method = "REGISTER";
  spec.request_uri = req.request_uri;
  spec.from = {req.display_name, req.aor, req.from_tag};
  spec.to = {req.display_name, req.aor, {}};
  spec.call_id = req.call_id;
  spec.cseq = req.cseq;
  spec.via = {via_transport(req.transport), req.via_host, req.via_port, req.branch};
  if (!req.route.empty()) spec.routes = routes;
  spec.contact = req.contact;
  if (SipError e = out.build_request(spec); e != SipError::kOk) return e;
  if (!req.stale_contact.empty()) {
    if (SipError e = out.add_contact(req.stale_contact, 0); e != SipError::kOk) return e;
  }
  char expires[12];
  std::snprintf(expires, sizeof expires, "%u", static_cast<unsigned>(req.expires));
  if (SipError e = out.add_header("Expires", expires); e != SipError::kOk) return e;
  if (!req.authorization.empty()) {
    if (SipError e = out.add_header("Authorization", req.authorization); e != SipError::kOk) return e;
  }
  if (!req.proxy_authorization.empty()) {
    if (SipError e = out.add_header("Proxy-Authorization", req.proxy_authorization); e != SipError::kOk) return e;
  }
  return SipError::kOk;
}

SipError read_register_response(const SipMessage& msg, RegisterResponse& out) {
  out = RegisterResponse{};
  if (!msg.is_response()) return SipError::kMissingHeader;
  auto call_id = msg.call_id();
  auto cseq = msg.cseq();
  if (!call_id || !cseq) return SipError::kMissingHeader;
  out.status = msg.status();
  out.call_id.assign(call_id->view());
  out.cseq = cseq->method == "REGISTER" ? cseq->number : 0;
  if (auto via = msg.top_via()) {
    out.via_received = via->received;
    out.via_rport = via->rport_value;
  }
  out.expires = msg.expires();
  out.min_expires = msg.min_expires();
  if (auto ra = msg.header("Retry-After")) out.retry_after = leading_seconds(*ra);
  for (std::size_t i = 0; i < msg.contact_count() && !out.contacts.full(); ++i) {
    auto c = msg.contact(i);
    if (!c || c->star) continue;
    RegisterContact rc;
    rc.uri.assign(c->uri.view());
    rc.expires = c->expires;
    out.contacts.push_back(rc);
  }
  for (ChallengeKind kind : {ChallengeKind::kWww, ChallengeKind::kProxy}) {
    auto& list = kind == ChallengeKind::kWww ? out.www_authenticate : out.proxy_authenticate;
    for (std::size_t i = 0; i < msg.challenge_count(kind) && !list.full(); ++i) {
      auto c = msg.challenge(kind, i);
      if (!c) continue;
      list.push_back({c->scheme, c->realm, c->nonce, c->opaque, c->algorithm, c->qop, c->stale});
    }
  }
  return SipError::kOk;
}

}  // namespace dialtone::protocol::sip
