// The SIP call engines under whatever the network sends: an answered
// incoming call and a ringing outgoing one are set up, then the input's
// messages (separated by a line "====") go through the router and the
// transaction layer, with the timers run between them, and both calls are
// hung up and run out at the end. In the input, $CALLID_OUT, $TAG_OUT,
// $BRANCH_OUT and $TAG_IN stand for the identifiers this device drew (the
// generator is seeded the same for every input), so a seed can speak inside
// the dialogs. Checked: no crash, every event named, and, once every
// transaction has ended and the engines are gone, the SIP pool holds what
// it held before (nothing leaks).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "protocol/sip/sip_call.hpp"
#include "protocol/sip/sip_call_router.hpp"
#include "protocol/sip/sip_pool.hpp"
#include "protocol/sip/transaction.hpp"

using namespace dialtone;
using namespace dialtone::protocol::sip;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

int counting_source(void* ctx, unsigned char* out, std::size_t len) {
  auto* n = static_cast<unsigned*>(ctx);
  for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((*n)++ * 37 + 11);
  return 0;
}

// Drops what is sent, keeping the branch of our first INVITE (the seeds'
// responses to it must carry it).
struct Wire final : SipCallWire {
  std::uint32_t peer_for(std::string_view) override { return 2; }
  void send(std::uint32_t, std::string_view bytes) override {
    check(!bytes.empty());
    if (branch.empty() && bytes.substr(0, 7) == "INVITE ") {
      SipMessage m;
      if (m.parse(bytes) == SipError::kOk)
        if (auto v = m.top_via()) branch.assign(v->branch);
    }
  }
  SipToken branch;
};

constexpr std::string_view kSdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
                                  "m=audio 40000 RTP/AVP 0\r\n";
constexpr std::string_view kInvite =
    "INVITE sip:desk-101@192.0.2.10 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKin1\r\n"
    "From: \"Alice\" <sip:+15550001111@carrier.example>;tag=far1\r\n"
    "To: <sip:desk-101@acme.example.com>\r\n"
    "Call-ID: in-1@192.0.2.20\r\n"
    "CSeq: 10 INVITE\r\n"
    "Contact: <sip:far@192.0.2.20>\r\n"
    "Session-Expires: 120\r\n"
    "Content-Length: 0\r\n\r\n";

SipParty party() {
  return SipParty{.aor = "sip:desk-101@acme.example.com",
                  .display_name = "Front desk",
                  .contact = "sip:desk-101@192.0.2.10:5060",
                  .transport = "UDP",
                  .via_host = "192.0.2.10",
                  .via_port = 5060};
}

struct World {
  unsigned seed = 1;
  Csprng rng;
  Wire wire;
  TransactionLayer layer;
  SipCall in{rng, layer, wire};
  SipCall out{rng, layer, wire};
  SipCall* engines[2] = {&in, &out};
  SipCallRouter router{layer, wire, rng, engines};
  TimeMs now = 1000;
};

void drain(World& w) {
  for (SipCall* c : w.engines)
    for (const SipCallEvent& e : c->take_events()) check(to_string(e.kind)[0] != '?');
}

void run_timers(World& w, TimeMs until) {
  for (int i = 0; i < 200; ++i) {
    TimeMs next = w.router.next_wakeup();
    if (next > until) break;
    if (next > w.now) w.now = next;
    w.router.tick(w.now);
    drain(w);
  }
  if (until > w.now) w.now = until;
}

void feed(World& w, std::string_view text) {
  // The identifiers this device drew replace their names in the input.
  static FixedString<limits::kSipMessageMax> msg;
  msg.clear();
  const std::string_view names[] = {"$CALLID_OUT", "$TAG_OUT", "$BRANCH_OUT", "$TAG_IN"};
  const std::string_view values[] = {w.out.call_id(), w.out.dialog().local.tag.view(), w.wire.branch.view(),
                                     w.in.dialog().local.tag.view()};
  while (!text.empty()) {
    bool replaced = false;
    for (std::size_t i = 0; i < 4 && !replaced; ++i) {
      if (text.substr(0, names[i].size()) == names[i]) {
        msg.append(values[i]);
        text.remove_prefix(names[i].size());
        replaced = true;
      }
    }
    if (!replaced) {
      msg.push_back(text.front());
      text.remove_prefix(1);
    }
  }
  SipMessage m;
  if (m.parse(msg.view()) != SipError::kOk) return;
  w.router.receive(w.now, m, TxTransport::kUnreliable, 1, party());
  drain(w);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sip_pool_install();
  const std::size_t pool_before = sip_pool_stats().used;
  {
    static std::optional<World> world;
    World& w = world.emplace();
    check(w.rng.init("fuzz", counting_source, &w.seed));

    // An incoming call, answered and ACKed; an outgoing one, ringing.
    SipMessage invite;
    check(invite.parse(kInvite) == SipError::kOk);
    check(w.router.receive(w.now, invite, TxTransport::kUnreliable, 1, party()).outcome ==
          SipCallRouter::Outcome::kNewCall);
    check(w.in.ring(w.now) && w.in.answer(w.now, kSdp));
    check(w.out.place(w.now, party(), "sip:+15551234567@acme.example.com", kSdp));
    check(!w.wire.branch.empty());
    drain(w);

    std::string_view input(reinterpret_cast<const char*>(data), size);
    while (!input.empty()) {
      std::size_t sep = input.find("\n====\n");
      feed(w, input.substr(0, sep));
      input = sep == std::string_view::npos ? std::string_view{} : input.substr(sep + 6);
      run_timers(w, w.now + 700);
    }
    w.in.hang_up(w.now);
    w.out.hang_up(w.now);
    drain(w);
    run_timers(w, w.now + 10 * 60 * 1000);
    world.reset();
  }
  check(sip_pool_stats().used == pool_before);
  return 0;
}
