// SIP messages from the network: oSIP's parser behind SipMessage, every
// accessor the engines use, a response built from what was read, and the
// serialized form read back. The same input is then parsed again with the
// SIP pool cut short at a point picked from the input, so running out of
// pool is fuzzed at every depth of oSIP's parser. After each message is
// gone the pool must be exactly as full as before: nothing leaks.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "firmware/core/limits.hpp"
#include "protocol/sip/sip_message.hpp"
#include "protocol/sip/sip_pool.hpp"

using namespace dialtone::protocol::sip;

namespace {

std::array<char, dialtone::limits::kSipMessageMax> g_out;

void read_everything(const SipMessage& m) {
  volatile std::size_t sink = 0;
  sink = sink + m.method().size() + static_cast<std::size_t>(m.status()) + m.reason().size();
  if (auto u = m.request_uri()) sink = sink + u->size();
  if (auto c = m.call_id()) sink = sink + c->size();
  if (auto c = m.cseq()) sink = sink + c->number + c->method.size();
  for (auto a : {m.from(), m.to(), m.p_asserted_identity()})
    if (a) sink = sink + a->display.size() + a->uri.size() + a->user.size() + a->tag.size();
  if (auto v = m.top_via())
    sink = sink + v->transport.size() + v->host.size() + v->port + v->branch.size() + v->received.size() +
           v->rport_value;
  sink = sink + m.via_count();
  for (std::size_t i = 0; i < m.contact_count(); ++i)
    if (auto c = m.contact(i)) sink = sink + c->uri.size() + c->expires.value_or(0);
  sink = sink + m.expires().value_or(0) + m.min_expires().value_or(0);
  for (std::size_t i = 0; i < m.record_route_count(); ++i)
    if (auto r = m.record_route(i)) sink = sink + r->size();
  for (std::size_t i = 0; i < m.route_count(); ++i)
    if (auto r = m.route(i)) sink = sink + r->size();
  for (ChallengeKind k : {ChallengeKind::kWww, ChallengeKind::kProxy})
    for (std::size_t i = 0; i < m.challenge_count(k); ++i)
      if (auto c = m.challenge(k, i))
        sink = sink + c->scheme.size() + c->realm.size() + c->nonce.size() + c->opaque.size() +
               c->algorithm.size() + c->qop.size() + c->domain.size() + c->stale;
  if (auto s = m.session_expires()) sink = sink + s->seconds + s->refresher.size();
  sink = sink + m.requires_option("timer") + m.supports_option("100rel");
  sink = sink + m.content_type().size() + m.body().size();
  if (auto h = m.header("Max-Forwards")) sink = sink + h->size();
}

// Parse, read, answer, write, read back.
void exercise(std::string_view text) {
  SipMessage m;
  if (m.parse(text) != SipError::kOk) return;
  read_everything(m);
  std::size_t len = 0;
  if (m.serialize(g_out, len) == SipError::kOk) {
    SipMessage back;
    // What we write from what we accepted must read back.
    if (back.parse({g_out.data(), len}) == SipError::kOk) read_everything(back);
  }
  if (m.is_request() && m.method() != "ACK") {
    SipMessage r;
    if (r.build_response(m, 200, "fuzztag") == SipError::kOk) {
      read_everything(r);
      if (r.serialize(g_out, len) == SipError::kOk) {
        SipMessage back;
        back.parse({g_out.data(), len});
      }
    }
    if (m.method() == "INVITE") {
      SipMessage cancel;
      if (cancel.build_cancel(m) == SipError::kOk) cancel.serialize(g_out, len);
      SipMessage busy;
      if (busy.build_response(m, 486, "t") == SipError::kOk) {
        SipMessage ack;
        if (ack.build_ack_for_failure(m, busy) == SipError::kOk) ack.serialize(g_out, len);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sip_pool_install();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t base = sip_pool_stats().used;

  sip_pool_reset_peak();
  exercise(text);
  if (sip_pool_stats().used != base) std::abort();  // a leak in the pool

  // Again with the pool cut somewhere below what the first run needed.
  std::size_t need = sip_pool_stats().peak - base;
  if (need > 0) {
    std::size_t h = 2166136261u;
    for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 16777619u;
    sip_pool_set_budget(base + h % need + 1);
    exercise(text);
    sip_pool_set_budget(0);
    if (sip_pool_stats().used != base) std::abort();
  }
  return 0;
}
