// The registration engine on virtual time: hours of refreshes, challenges
// and backoff in milliseconds, with the REGISTERs it hands out checked as
// the registrar would see them.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "protocol/sip/registration.hpp"

using namespace dialtone;
using namespace dialtone::protocol::sip;

namespace {

constexpr TimeMs kSecond = 1000;
constexpr TimeMs kMinute = 60 * kSecond;
constexpr TimeMs kHour = 60 * kMinute;

struct Sent {
  TimeMs at = 0;
  std::string request_uri, aor, display_name, from_tag, call_id, branch, via_host, contact, stale_contact,
      authorization, proxy_authorization, route;
  std::uint32_t cseq = 0, expires = 0;
  std::uint16_t via_port = 0;
  SipAccount::Transport transport = SipAccount::Transport::kUdp;
};

struct TestChallenge {
  std::string realm = "acme.sip.example.com";
  std::string nonce;
  std::string opaque;
  std::string algorithm;
  std::string qop = "auth";
  bool stale = false;
};

struct Reply {
  int status = 200;
  std::string received;
  std::uint16_t rport = 0;
  std::optional<std::uint32_t> expires, min_expires, retry_after;
  struct ContactSpec {
    std::string user, host;
    std::uint16_t port = 0;
    std::optional<std::uint32_t> expires;
  };
  std::vector<ContactSpec> contacts;
  std::vector<TestChallenge> www, proxy;
};

Reply status_reply(int status) {
  Reply r;
  r.status = status;
  return r;
}

// "sip:user@host:port;transport=x" -> its parts (the tests' own reading).
Reply::ContactSpec contact_of(const std::string& uri, std::optional<std::uint32_t> expires) {
  Reply::ContactSpec c;
  std::string rest = uri.substr(4);
  c.user = rest.substr(0, rest.find('@'));
  rest = rest.substr(rest.find('@') + 1);
  rest = rest.substr(0, rest.find(';'));
  std::size_t colon = rest.rfind(':');
  c.host = rest.substr(0, colon);
  if (!c.host.empty() && c.host.front() == '[') c.host = c.host.substr(1, c.host.size() - 2);
  c.port = static_cast<std::uint16_t>(std::stoi(rest.substr(colon + 1)));
  c.expires = expires;
  return c;
}

// The value of `name="..."` or `name=token` in an Authorization value.
std::string auth_field(const std::string& v, const std::string& name) {
  for (std::string key : {", " + name + "=", "Digest " + name + "="}) {
    std::size_t at = v.find(key);
    if (at == std::string::npos) continue;
    std::string rest = v.substr(at + key.size());
    if (!rest.empty() && rest.front() == '"') return rest.substr(1, rest.find('"', 1) - 1);
    return rest.substr(0, rest.find(','));
  }
  return "<absent>";
}

int counting_source(void* ctx, unsigned char* out, std::size_t len) {
  auto* n = static_cast<unsigned*>(ctx);
  for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((*n)++ * 37 + 11);
  return 0;
}

SipAccount test_account() {
  SipAccount a;
  a.registrar.assign("sip:acme.sip.example.com");
  a.username.assign("desk-101");
  a.password.assign("secret");
  a.display_name.assign("Front desk");
  a.expires_s = 600;
  a.keepalive_s = 25;
  return a;
}

class Harness {
 public:
  explicit Harness(SipAccount account = test_account()) : reg_(make(account)) {
    reg_->set_local_address("10.0.0.5", 5060);
  }

  Registration& reg() { return *reg_; }
  TimeMs now() const { return now_; }
  const std::vector<Sent>& sent() const { return sent_; }
  const Sent& last() const { return sent_.back(); }
  std::vector<std::string> states;  // "state: reason", one per change

  void start() {
    reg_->start(now_);
    pump();
  }
  void stop() {
    reg_->stop(now_);
    pump();
  }
  void advance(TimeMs dt) { now_ += dt; }

  // Answers the last REGISTER.
  bool answer(const Reply& reply) { return answer_to(last(), reply); }
  bool answer_to(const Sent& to, const Reply& reply) {
    RegisterResponse r;
    r.status = reply.status;
    r.call_id.assign(to.call_id);
    r.cseq = to.cseq;
    r.via_received = reply.received;
    r.via_rport = reply.rport;
    r.expires = reply.expires;
    r.min_expires = reply.min_expires;
    r.retry_after = reply.retry_after;
    for (const auto& c : reply.contacts) {
      bool v6 = c.host.find(':') != std::string::npos && c.host.front() != '[';
      // Appended piece by piece: GCC 12 at -O3 misreads "literal" +
      // std::string as an overlapping copy (-Wrestrict).
      std::string uri = "sip:";
      uri.append(c.user).append("@");
      if (v6) {
        uri.append("[").append(c.host).append("]");
      } else {
        uri.append(c.host);
      }
      if (c.port) uri.append(":").append(std::to_string(c.port));
      RegisterContact rc;
      rc.uri.assign(uri);
      rc.expires = c.expires;
      r.contacts.push_back(rc);
    }
    for (const auto& c : reply.www)
      r.www_authenticate.push_back({"Digest", c.realm, c.nonce, c.opaque, c.algorithm, c.qop, c.stale});
    for (const auto& c : reply.proxy)
      r.proxy_authenticate.push_back({"Digest", c.realm, c.nonce, c.opaque, c.algorithm, c.qop, c.stale});
    bool taken = reg_->on_response(now_, r);
    pump();
    return taken;
  }
  // 200 binding our Contact for `expires` seconds.
  void ok(std::uint32_t expires = 600) {
    Reply r;
    r.contacts.push_back(contact_of(last().contact, expires));
    answer(r);
  }
  void challenge(int status, TestChallenge c) {
    Reply r;
    r.status = status;
    (status == 407 ? r.proxy : r.www).push_back(c);
    answer(r);
  }

  // Runs the loop as the line adapter would until `until`, answering every
  // REGISTER with `respond` (nothing when it returns nullopt).
  template <typename F>
  void run(TimeMs until, F respond) {
    for (int guard = 0;; ++guard) {
      // A wake-up that changes nothing would come back at once, for ever.
      ASSERT_LT(guard, 100000) << "the engine keeps asking to be woken at " << reg_->next_wakeup();
      std::size_t before = sent_.size();
      TimeMs wake = reg_->next_wakeup();
      if (wake > until) break;
      now_ = std::max(now_, wake);
      reg_->tick(now_);
      if (reg_->take_keepalive()) ++keepalives;
      pump();
      if (sent_.size() > before) {
        std::optional<Reply> reply = respond(last());
        if (reply) answer(*reply);
      }
    }
    now_ = std::max(now_, until);
  }
  void run(TimeMs until) {
    run(until, [](const Sent&) { return std::optional<Reply>{}; });
  }

  int keepalives = 0;

  void pump() {
    RegisterRequest req;
    while (reg_->take_request(req)) {
      Sent s;
      s.at = now_;
      s.request_uri = req.request_uri;
      s.aor = req.aor;
      s.display_name = req.display_name;
      s.from_tag = req.from_tag;
      s.call_id = req.call_id;
      s.branch = req.branch;
      s.via_host = req.via_host;
      s.via_port = req.via_port;
      s.transport = req.transport;
      s.contact = req.contact;
      s.stale_contact = req.stale_contact;
      s.authorization = req.authorization;
      s.proxy_authorization = req.proxy_authorization;
      s.route = req.route;
      s.cseq = req.cseq;
      s.expires = req.expires;
      sent_.push_back(s);
    }
    if (reg_->take_state_change()) states.push_back(std::string(to_string(reg_->state())) + ": " +
                                                    std::string(reg_->reason()));
  }

 private:
  std::unique_ptr<Registration> make(const SipAccount& account) {
    EXPECT_TRUE(rng_.init("test", counting_source, &seed_));
    return std::make_unique<Registration>(account, rng_);
  }

  unsigned seed_ = 1;
  Csprng rng_;
  std::unique_ptr<Registration> reg_;
  TimeMs now_ = 1000 * kSecond;
  std::vector<Sent> sent_;
};

TestChallenge nonce(std::string n, bool stale = false) {
  TestChallenge c;
  c.nonce = std::move(n);
  c.stale = stale;
  return c;
}

// The response an honest registrar expects for this REGISTER's Authorization.
std::string expected_response(const Sent& s, const std::string& value, const TestChallenge& c,
                              const std::string& password = "secret") {
  DigestChallenge ch;
  EXPECT_EQ(digest_challenge_from_fields({"Digest", c.realm, c.nonce, c.opaque, c.algorithm, c.qop, c.stale}, ch),
            DigestError::kOk);
  std::string cnonce = auth_field(value, "cnonce");
  std::uint32_t nc = static_cast<std::uint32_t>(std::stoul(auth_field(value, "nc"), nullptr, 16));
  return std::string(digest_response(ch, {"desk-101", password, "REGISTER", s.request_uri, cnonce, nc}).view());
}

}  // namespace

TEST(RegisterBackoff, FiveSecondsDoublingToTenMinutesWithJitter) {
  const TimeMs base[] = {5, 10, 20, 40, 80, 160, 320, 600, 600, 600};
  for (int n = 1; n <= 10; ++n) {
    TimeMs b = base[n - 1] * kSecond;
    EXPECT_EQ(register_backoff_ms(n, 0), b * 8 / 10) << n;
    EXPECT_EQ(register_backoff_ms(n, 0x80000000u), b) << n;
    EXPECT_LT(register_backoff_ms(n, 0xffffffffu), b * 12 / 10) << n;
    EXPECT_GE(register_backoff_ms(n, 0xffffffffu), b * 12 / 10 - 2) << n;
  }
  EXPECT_EQ(register_backoff_ms(1000, 0x80000000u), 10 * kMinute);
  EXPECT_EQ(register_backoff_ms(0, 0x80000000u), 5 * kSecond);
}

TEST(Registration, FirstRegisterIsChallengedThenBound) {
  Harness h;
  h.start();
  ASSERT_EQ(h.sent().size(), 1u);
  Sent first = h.last();
  EXPECT_EQ(first.request_uri, "sip:acme.sip.example.com");
  EXPECT_EQ(first.aor, "sip:desk-101@acme.sip.example.com");
  EXPECT_EQ(first.display_name, "Front desk");
  EXPECT_EQ(first.contact, "sip:desk-101@10.0.0.5:5060");
  EXPECT_EQ(first.via_host, "10.0.0.5");
  EXPECT_EQ(first.via_port, 5060);
  EXPECT_EQ(first.expires, 600u);
  EXPECT_EQ(first.authorization, "");
  EXPECT_EQ(first.route, "");
  EXPECT_EQ(first.branch.rfind("z9hG4bK", 0), 0u);
  EXPECT_FALSE(first.call_id.empty());
  EXPECT_FALSE(first.from_tag.empty());
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistering);

  TestChallenge c = nonce("n-1");
  c.algorithm = "SHA-256";
  c.opaque = "op";
  h.challenge(401, c);
  ASSERT_EQ(h.sent().size(), 2u);
  const Sent& second = h.last();
  EXPECT_EQ(second.call_id, first.call_id);
  EXPECT_EQ(second.from_tag, first.from_tag);
  EXPECT_EQ(second.cseq, first.cseq + 1);
  EXPECT_NE(second.branch, first.branch);
  EXPECT_EQ(auth_field(second.authorization, "username"), "desk-101");
  EXPECT_EQ(auth_field(second.authorization, "realm"), "acme.sip.example.com");
  EXPECT_EQ(auth_field(second.authorization, "nonce"), "n-1");
  EXPECT_EQ(auth_field(second.authorization, "uri"), "sip:acme.sip.example.com");
  EXPECT_EQ(auth_field(second.authorization, "algorithm"), "SHA-256");
  EXPECT_EQ(auth_field(second.authorization, "qop"), "auth");
  EXPECT_EQ(auth_field(second.authorization, "nc"), "00000001");
  EXPECT_EQ(auth_field(second.authorization, "opaque"), "op");
  EXPECT_EQ(auth_field(second.authorization, "response"), expected_response(second, second.authorization, c));
  EXPECT_NE(auth_field(second.authorization, "response"),
            expected_response(second, second.authorization, c, "wrong"));
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistering);

  h.ok(600);
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
  EXPECT_EQ(h.reg().reason(), "registered");
  EXPECT_EQ(h.reg().granted_expires_s(), 600u);
  EXPECT_EQ(h.reg().refresh_at(), h.now() + 480 * kSecond);
  EXPECT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.states, (std::vector<std::string>{"registering: registering", "registered: registered"}));

  // The answer to a REGISTER no longer in flight is ignored.
  Reply late;
  late.status = 403;
  EXPECT_FALSE(h.answer_to(first, late));
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
}

TEST(Registration, RefreshesAtEightyPercentForHours) {
  Harness h;
  h.start();
  h.ok(600);
  std::string call_id = h.last().call_id;
  std::uint32_t cseq = h.last().cseq;
  TimeMs bound_at = h.now();
  // The registrar grants 600 s, then 3600 s through our Contact, then only
  // an Expires header of 300 s, then nothing at all (what we asked: 600).
  int n = 0;
  h.run(bound_at + 10 * kHour, [&](const Sent&) {
    Reply r;
    ++n;
    if (n <= 3) {
      r.contacts.push_back(contact_of(h.last().contact, 600));
    } else if (n == 4) {
      r.contacts.push_back(contact_of(h.last().contact, 3600));
      // Another device of the same AOR is listed first, with its own expiry.
      r.contacts.insert(r.contacts.begin(), Reply::ContactSpec{"desk-101", "10.0.0.9", 5060, 30});
    } else if (n == 5) {
      r.expires = 300;
    }
    return r;
  });
  const auto& s = h.sent();
  ASSERT_GE(s.size(), 8u);
  // Every refresh: same Call-ID, CSeq + 1, 80 % of the last grant later.
  std::vector<TimeMs> gaps;
  for (std::size_t i = 1; i < s.size(); ++i) {
    EXPECT_EQ(s[i].call_id, call_id);
    EXPECT_EQ(s[i].cseq, cseq + i);
    EXPECT_EQ(s[i].expires, 600u);
    gaps.push_back(s[i].at - (i == 1 ? bound_at : s[i - 1].at));
  }
  EXPECT_EQ(gaps[0], 480 * kSecond);
  EXPECT_EQ(gaps[3], 480 * kSecond);
  EXPECT_EQ(gaps[4], 2880 * kSecond);  // the 3600 s grant of our Contact
  EXPECT_EQ(gaps[5], 240 * kSecond);   // Expires: 300
  EXPECT_EQ(gaps[6], 480 * kSecond);   // nothing said: what we asked
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
  EXPECT_EQ(h.states.size(), 2u);  // registering, registered: no flapping in 10 hours
  EXPECT_EQ(h.reg().failures(), 0);
}

TEST(Registration, StaleNonceReauthenticatesWithoutFailing) {
  Harness h;
  h.start();
  h.challenge(401, nonce("n-1"));
  h.ok(600);
  // The refresh reuses the nonce (nonce count 2); the registrar finds it aged.
  h.run(h.now() + 480 * kSecond);
  ASSERT_EQ(h.sent().size(), 3u);
  EXPECT_EQ(auth_field(h.last().authorization, "nonce"), "n-1");
  EXPECT_EQ(auth_field(h.last().authorization, "nc"), "00000002");
  EXPECT_EQ(auth_field(h.last().authorization, "cnonce"), auth_field(h.sent()[1].authorization, "cnonce"));
  h.challenge(401, nonce("n-2", true));
  ASSERT_EQ(h.sent().size(), 4u);
  EXPECT_EQ(auth_field(h.last().authorization, "nonce"), "n-2");
  EXPECT_EQ(auth_field(h.last().authorization, "nc"), "00000001");
  EXPECT_EQ(auth_field(h.last().authorization, "response"),
            expected_response(h.last(), h.last().authorization, nonce("n-2", true)));
  // Stale again on the fresh nonce (a registrar whose clock jumped): still answered.
  h.challenge(401, nonce("n-3", true));
  ASSERT_EQ(h.sent().size(), 5u);
  h.ok(600);
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
  EXPECT_EQ(h.reg().failures(), 0);
  EXPECT_EQ(h.states, (std::vector<std::string>{"registering: registering", "registered: registered"}));
}

TEST(Registration, StaleForEverIsAFailureAfterAFewTries) {
  Harness h;
  h.start();
  for (int i = 0; i <= Registration::kStaleMax; ++i) h.challenge(401, nonce("s-" + std::to_string(i), true));
  EXPECT_EQ(h.reg().state(), RegistrationState::kOffline);
  EXPECT_EQ(h.reg().reason(), "registrar keeps calling the nonce stale (401)");
  EXPECT_EQ(h.sent().size(), 1u + Registration::kStaleMax);
}

TEST(Registration, SecondChallengeForTheSameNonceIsAFailure) {
  Harness h;
  h.start();
  h.challenge(401, nonce("n-1"));
  ASSERT_EQ(h.sent().size(), 2u);
  h.challenge(401, nonce("n-1"));
  EXPECT_EQ(h.sent().size(), 2u);  // not answered again
  EXPECT_EQ(h.reg().state(), RegistrationState::kOffline);
  EXPECT_EQ(h.reg().reason(), "registrar refused the credentials (401)");
  EXPECT_EQ(h.reg().failures(), 1);
  // The retry comes after the backoff, and starts without credentials.
  TimeMs failed_at = h.now();
  h.run(failed_at + 10 * kSecond);
  ASSERT_EQ(h.sent().size(), 3u);
  EXPECT_GE(h.last().at - failed_at, 4 * kSecond);
  EXPECT_LT(h.last().at - failed_at, 6 * kSecond);
  EXPECT_EQ(h.last().authorization, "");
  EXPECT_EQ(h.reg().state(), RegistrationState::kOffline);  // until it succeeds
}

TEST(Registration, ANewNonceForFreshCredentialsIsARefusalToo) {
  // Kamailio and Asterisk answer a wrong password with a new nonce.
  Harness h;
  h.start();
  h.challenge(401, nonce("n-1"));
  h.challenge(401, nonce("n-2"));
  EXPECT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.reg().reason(), "registrar refused the credentials (401)");

  Harness p;
  p.start();
  p.challenge(407, nonce("p-1"));
  EXPECT_EQ(auth_field(p.last().proxy_authorization, "nonce"), "p-1");
  EXPECT_EQ(p.last().authorization, "");
  p.challenge(407, nonce("p-2"));
  EXPECT_EQ(p.reg().reason(), "proxy refused the credentials (407)");
}

TEST(Registration, ARefreshChallengedWithANewNonceIsAnswered) {
  Harness h;
  h.start();
  h.challenge(401, nonce("n-1"));
  h.ok(600);
  h.run(h.now() + 480 * kSecond);
  ASSERT_EQ(h.sent().size(), 3u);
  // A registrar that forgot its nonces (restarted) challenges the reused
  // one without stale: that is a new round, not a refusal.
  h.challenge(401, nonce("n-2"));
  ASSERT_EQ(h.sent().size(), 4u);
  EXPECT_EQ(auth_field(h.last().authorization, "nonce"), "n-2");
  h.ok(600);
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
  EXPECT_EQ(h.reg().failures(), 0);
}

TEST(Registration, ProxyAndRegistrarBothAuthenticated) {
  SipAccount a = test_account();
  a.outbound_proxy.assign("sip:127.0.0.1:5060");
  a.auth_username.assign("auth-101");
  Harness h(a);
  h.start();
  EXPECT_EQ(h.last().route, "<sip:127.0.0.1:5060;lr>");
  h.challenge(407, nonce("p-1"));
  h.challenge(401, nonce("r-1"));
  ASSERT_EQ(h.sent().size(), 3u);
  EXPECT_EQ(auth_field(h.last().proxy_authorization, "nonce"), "p-1");
  EXPECT_EQ(auth_field(h.last().proxy_authorization, "nc"), "00000002");
  EXPECT_EQ(auth_field(h.last().authorization, "nonce"), "r-1");
  EXPECT_EQ(auth_field(h.last().authorization, "username"), "auth-101");
  h.ok(600);
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
}

TEST(Registration, UnusableChallengesAreNamed) {
  Harness h;
  h.start();
  TestChallenge c = nonce("n-1");
  c.algorithm = "SHA-512-256";
  h.challenge(401, c);
  EXPECT_EQ(h.reg().reason(), "registrar asked for authentication we cannot answer (401: unsupported digest algorithm)");

  Harness two;
  two.start();
  Reply r;
  r.status = 401;
  r.www.push_back(c);  // the first one we cannot answer, the second one we can
  r.www.push_back(nonce("n-2"));
  two.answer(r);
  ASSERT_EQ(two.sent().size(), 2u);
  EXPECT_EQ(auth_field(two.last().authorization, "nonce"), "n-2");

  Harness none;
  none.start();
  Reply bare;
  bare.status = 401;
  none.answer(bare);
  EXPECT_EQ(none.reg().reason(), "registrar refused the registration (401 without a challenge)");
}

TEST(Registration, IntervalTooBriefRetriesWithMinExpires) {
  Harness h;
  h.start();
  Reply r;
  r.status = 423;
  r.min_expires = 1800;
  h.answer(r);
  ASSERT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.last().expires, 1800u);
  EXPECT_EQ(h.last().cseq, h.sent()[0].cseq + 1);
  h.ok(1800);
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
  EXPECT_EQ(h.reg().refresh_at(), h.now() + 1440 * kSecond);
  // Refreshes keep the longer interval.
  h.run(h.now() + 1440 * kSecond);
  ASSERT_EQ(h.sent().size(), 3u);
  EXPECT_EQ(h.last().expires, 1800u);

  Harness bad;
  bad.start();
  Reply no_min;
  no_min.status = 423;
  bad.answer(no_min);
  EXPECT_EQ(bad.reg().state(), RegistrationState::kOffline);
  EXPECT_EQ(bad.reg().reason(), "registrar wants a longer interval (423) and gave no usable Min-Expires");
  Harness lower;
  lower.start();
  Reply low;
  low.status = 423;
  low.min_expires = 60;  // not longer than what we asked
  lower.answer(low);
  EXPECT_EQ(lower.reg().state(), RegistrationState::kOffline);
}

TEST(Registration, RefusalsSayWhyInWords) {
  struct Case {
    int status;
    const char* reason;
  } cases[] = {
      {403, "registrar refused the credentials (403)"},
      {404, "registrar does not know this user (404)"},
      {408, "registrar timed out (408)"},
      {500, "registrar failed (500)"},
      {503, "registrar unavailable (503)"},
      {603, "registrar declined the registration (603)"},
      {302, "registrar redirected the registration, not followed (302)"},
      {400, "registrar refused the registration (400)"},
  };
  for (const Case& c : cases) {
    Harness h;
    h.start();
    Reply r;
    r.status = c.status;
    h.answer(r);
    EXPECT_EQ(h.reg().state(), RegistrationState::kOffline) << c.status;
    EXPECT_EQ(h.reg().reason(), c.reason);
    EXPECT_EQ(h.states.back(), std::string("offline: ") + c.reason);
  }
}

TEST(Registration, ServerErrorsBackOffWithJitterUpToTenMinutes) {
  Harness h;
  h.start();
  h.answer(status_reply(503));
  // The registrar stays down for five hours.
  TimeMs down_until = h.now() + 5 * kHour;
  h.run(down_until, [&](const Sent&) {
    return h.now() < down_until ? std::optional<Reply>(status_reply(500)) : std::optional<Reply>();
  });
  const auto& s = h.sent();
  ASSERT_GE(s.size(), 12u);
  const TimeMs base[] = {5, 10, 20, 40, 80, 160, 320, 600};
  bool some_below = false, some_above = false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    TimeMs b = base[std::min<std::size_t>(i - 1, 7)] * kSecond;
    TimeMs gap = s[i].at - s[i - 1].at;
    EXPECT_GE(gap, b * 8 / 10) << i;
    EXPECT_LT(gap, b * 12 / 10) << i;
    some_below = some_below || gap < b;
    some_above = some_above || gap > b;
    EXPECT_EQ(s[i].call_id, s[0].call_id);
    EXPECT_EQ(s[i].cseq, s[i - 1].cseq + 1);
  }
  EXPECT_TRUE(some_below && some_above);  // the delays are spread, not fixed
  EXPECT_EQ(h.reg().state(), RegistrationState::kOffline);
  EXPECT_EQ(h.reg().reason(), "registrar failed (500)");
  // Every failure while offline says so once; the line never claimed to be up.
  for (const std::string& st : h.states) EXPECT_EQ(st.find("registered"), std::string::npos) << st;

  // Back up: the next retry binds and the backoff starts over.
  h.run(h.now() + 15 * kMinute, [&](const Sent& sent) {
    Reply r;
    r.contacts.push_back(contact_of(sent.contact, 600));
    return std::optional<Reply>(r);
  });
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
  EXPECT_EQ(h.reg().failures(), 0);
}

TEST(Registration, RetryAfterOfAServerErrorIsHonouredUpToTheCap) {
  Harness h;
  h.start();
  Reply r = status_reply(503);
  r.retry_after = 120;
  h.answer(r);
  EXPECT_EQ(h.reg().retry_at(), h.now() + 120 * kSecond);
  Harness capped;
  capped.start();
  r.retry_after = 86400;
  capped.answer(r);
  EXPECT_EQ(capped.reg().retry_at(), capped.now() + Registration::kBackoffMaxMs);
}

TEST(Registration, TimeoutAndTransportErrors) {
  Harness h;
  h.start();
  std::uint32_t cseq = h.last().cseq;
  h.reg().on_timeout(h.now(), cseq + 5);  // another transaction's
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistering);
  h.reg().on_timeout(h.now(), cseq);
  h.pump();
  EXPECT_EQ(h.reg().state(), RegistrationState::kOffline);
  EXPECT_EQ(h.reg().reason(), "no answer from the registrar (timeout)");

  // The retry cannot connect.
  h.run(h.reg().retry_at());
  ASSERT_EQ(h.sent().size(), 2u);
  h.reg().on_transport_error(h.now(), h.last().cseq, "connection refused");
  h.pump();
  EXPECT_EQ(h.reg().reason(), "cannot reach the registrar: connection refused");
  EXPECT_EQ(h.reg().failures(), 2);
  EXPECT_GE(h.reg().retry_at() - h.now(), 8 * kSecond);
  EXPECT_LT(h.reg().retry_at() - h.now(), 12 * kSecond);

  // No outcome reported at all: the engine gives up on its own.
  Harness silent;
  silent.start();
  silent.run(silent.now() + Registration::kAnswerGuardMs);
  EXPECT_EQ(silent.reg().state(), RegistrationState::kOffline);
  EXPECT_EQ(silent.reg().reason(), "no answer from the registrar (timeout)");
}

TEST(Registration, ContactFollowsTheAddressTheRegistrarSaw) {
  // The first answer (a challenge) shows the NAT's address: the answer to it
  // already carries the corrected Contact; the Via stays our own.
  Harness h;
  h.start();
  Reply r;
  r.status = 401;
  r.www.push_back(nonce("n-1"));
  r.received = "203.0.113.7";
  r.rport = 40000;
  h.answer(r);
  ASSERT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.last().contact, "sip:desk-101@203.0.113.7:40000");
  EXPECT_EQ(h.last().via_host, "10.0.0.5");
  EXPECT_EQ(h.last().stale_contact, "");
  h.ok(600);
  EXPECT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
  EXPECT_EQ(h.reg().contact(), "sip:desk-101@203.0.113.7:40000");
}

TEST(Registration, A200ForTheUncorrectedContactIsFollowedByTheCorrectedOne) {
  Harness h;
  h.start();
  Reply r;
  r.contacts.push_back(contact_of(h.last().contact, 600));
  r.rport = 40000;  // same address, another port
  h.answer(r);
  ASSERT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.last().contact, "sip:desk-101@10.0.0.5:40000");
  EXPECT_EQ(h.last().stale_contact, "sip:desk-101@10.0.0.5:5060");  // removed in the same request
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistering);
  Reply r2;
  r2.contacts.push_back(contact_of(h.last().contact, 600));
  r2.rport = 40000;
  h.answer(r2);
  EXPECT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
  // Refreshes keep the corrected Contact and remove nothing.
  h.run(h.now() + 480 * kSecond);
  ASSERT_EQ(h.sent().size(), 3u);
  EXPECT_EQ(h.last().contact, "sip:desk-101@10.0.0.5:40000");
  EXPECT_EQ(h.last().stale_contact, "");

  // A registrar that echoes our own address asks for no correction.
  Harness same;
  same.start();
  Reply echo;
  echo.contacts.push_back(contact_of(same.last().contact, 600));
  echo.received = "10.0.0.5";
  echo.rport = 5060;
  same.answer(echo);
  EXPECT_EQ(same.sent().size(), 1u);
  EXPECT_EQ(same.reg().state(), RegistrationState::kRegistered);

  // A received value that is not a host is not put in a Contact.
  Harness junk;
  junk.start();
  Reply bad;
  bad.contacts.push_back(contact_of(junk.last().contact, 600));
  bad.received = "1.2.3.4>;evil=1";
  junk.answer(bad);
  EXPECT_EQ(junk.sent().size(), 1u);
  EXPECT_EQ(junk.reg().contact(), "sip:desk-101@10.0.0.5:5060");
}

TEST(Registration, TcpContactsNameTheirTransport) {
  SipAccount a = test_account();
  a.transport = SipAccount::Transport::kTls;
  a.registrar.assign("sips:[2001:db8::5]:5061");
  Harness h(a);
  h.reg().set_local_address("[2001:db8::9]", 49152);
  h.start();
  EXPECT_EQ(h.last().aor, "sip:desk-101@[2001:db8::5]");
  EXPECT_EQ(h.last().contact, "sip:desk-101@[2001:db8::9]:49152;transport=tls");
  EXPECT_EQ(h.last().via_host, "2001:db8::9");
  EXPECT_EQ(h.last().transport, SipAccount::Transport::kTls);
  // The registrar lists our Contact without a port (5061 for TLS) and a
  // different expiry than its Expires header: ours wins.
  Reply r;
  r.contacts.push_back({"desk-101", "[2001:db8::9]", 49152, 900});
  r.expires = 100;
  h.answer(r);
  EXPECT_EQ(h.reg().granted_expires_s(), 900u);
}

TEST(Registration, ConnectionLostWhileRegisteredRegistersAtOnce) {
  Harness h;
  h.start();
  h.ok(600);
  h.advance(100 * kSecond);
  h.reg().set_local_address("10.0.0.5", 5070);  // the new connection's port
  h.reg().on_connection_lost(h.now(), "keep-alive unanswered");
  h.pump();
  ASSERT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.last().at, h.now());
  EXPECT_EQ(h.last().contact, "sip:desk-101@10.0.0.5:5070");
  EXPECT_EQ(h.last().stale_contact, "sip:desk-101@10.0.0.5:5060");
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistering);
  EXPECT_EQ(h.reg().reason(), "connection lost: keep-alive unanswered");
  h.ok(600);
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);

  // Lost again: registering at once; lost while that REGISTER is in flight:
  // a failure (backoff), so a connection that keeps dropping causes no storm.
  h.reg().on_connection_lost(h.now(), "reset");
  h.pump();
  ASSERT_EQ(h.sent().size(), 3u);
  h.reg().on_connection_lost(h.now(), "reset");
  h.pump();
  EXPECT_EQ(h.reg().state(), RegistrationState::kOffline);
  EXPECT_EQ(h.reg().reason(), "connection lost: reset");
  // And while offline it changes nothing: the retry stays where it was.
  TimeMs retry = h.reg().retry_at();
  h.reg().on_connection_lost(h.now(), "reset");
  h.pump();
  EXPECT_EQ(h.sent().size(), 3u);
  EXPECT_EQ(h.reg().retry_at(), retry);
}

TEST(Registration, PathThatCannotOpenFailsTheWaitingRoundWithBackoff) {
  Harness h;
  h.start();
  h.ok(600);
  h.advance(100 * kSecond);
  // The connection broke: a REGISTER waits for the line to open a new one.
  h.reg().on_connection_lost(h.now(), "reset");
  EXPECT_TRUE(h.reg().request_waiting());
  EXPECT_EQ(h.reg().next_wakeup(), h.now());
  // It cannot be opened: that round failed, and the next waits its backoff
  // instead of reopening at once for as long as the registrar refuses.
  h.reg().on_unreachable(h.now(), "cannot reach 10.0.0.1:5060: connection refused");
  EXPECT_FALSE(h.reg().request_waiting());
  h.pump();
  EXPECT_EQ(h.sent().size(), 1u);
  EXPECT_EQ(h.reg().state(), RegistrationState::kOffline);
  EXPECT_EQ(h.reg().reason(), "cannot reach the registrar: cannot reach 10.0.0.1:5060: connection refused");
  EXPECT_EQ(h.reg().failures(), 1);
  const TimeMs retry = h.reg().retry_at();
  EXPECT_GE(retry - h.now(), 4 * kSecond);
  EXPECT_LE(retry - h.now(), 6 * kSecond);
  EXPECT_EQ(h.reg().next_wakeup(), retry);
  // With nothing waiting, another report changes nothing.
  h.reg().on_unreachable(h.now(), "connection refused");
  EXPECT_EQ(h.reg().retry_at(), retry);
  h.run(retry);
  ASSERT_EQ(h.sent().size(), 2u);
  EXPECT_EQ(h.last().at, retry);
}

TEST(Registration, KeepAliveIsDueEveryIntervalWhileRegistered) {
  Harness h;
  h.start();
  EXPECT_EQ(h.reg().next_keepalive(), kNever);
  h.ok(600);
  EXPECT_EQ(h.reg().next_keepalive(), h.now() + 25 * kSecond);
  EXPECT_FALSE(h.reg().take_keepalive());
  h.run(h.now() + 10 * kMinute, [&](const Sent& s) {
    Reply r;
    r.contacts.push_back(contact_of(s.contact, 600));
    return std::optional<Reply>(r);
  });
  EXPECT_EQ(h.keepalives, 24);  // 600 s / 25 s
  Reply fail = status_reply(500);
  h.run(h.now() + 10 * kMinute, [&](const Sent&) { return std::optional<Reply>(fail); });
  int before = h.keepalives;
  h.run(h.now() + 10 * kMinute, [&](const Sent&) { return std::optional<Reply>(fail); });
  EXPECT_EQ(h.keepalives, before);  // offline: no pings

  SipAccount quiet = test_account();
  quiet.keepalive_s = 0;
  Harness q(quiet);
  q.start();
  q.ok(600);
  EXPECT_EQ(q.reg().next_keepalive(), kNever);
}

TEST(Registration, BindingThatExpiresBeforeItsRefreshIsAnsweredIsNotRegistered) {
  Harness h;
  h.start();
  h.ok(30);  // refresh at 24 s, gone at 30 s
  h.run(h.now() + 24 * kSecond);
  ASSERT_EQ(h.sent().size(), 2u);
  h.run(h.now() + 7 * kSecond);  // the refresh is still unanswered
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistering);
  EXPECT_EQ(h.reg().reason(), "registration expired before it was refreshed");
  h.ok(30);
  EXPECT_EQ(h.reg().state(), RegistrationState::kRegistered);
}

TEST(Registration, StopUnregistersTheBinding) {
  Harness h;
  h.start();
  h.challenge(401, nonce("n-1"));
  h.ok(600);
  h.advance(kMinute);
  h.stop();
  ASSERT_EQ(h.sent().size(), 3u);
  EXPECT_EQ(h.last().expires, 0u);
  EXPECT_EQ(h.last().contact, "sip:desk-101@10.0.0.5:5060");
  EXPECT_EQ(h.last().call_id, h.sent()[0].call_id);
  EXPECT_EQ(h.last().cseq, h.sent()[1].cseq + 1);
  EXPECT_EQ(auth_field(h.last().authorization, "nc"), "00000002");
  EXPECT_EQ(h.reg().state(), RegistrationState::kOffline);
  EXPECT_EQ(h.reg().reason(), "unregistering");
  EXPECT_FALSE(h.reg().stopped());
  // The nonce aged meanwhile: the unregister is challenged and answered.
  h.challenge(401, nonce("n-2", true));
  ASSERT_EQ(h.sent().size(), 4u);
  EXPECT_EQ(h.last().expires, 0u);
  Reply r;
  h.answer(r);
  EXPECT_TRUE(h.reg().stopped());
  EXPECT_EQ(h.reg().reason(), "unregistered");
  EXPECT_EQ(h.reg().next_wakeup(), kNever);
  h.run(h.now() + kHour);
  EXPECT_EQ(h.sent().size(), 4u);

  // Started again later: the same Call-ID, the CSeq goes on.
  h.start();
  ASSERT_EQ(h.sent().size(), 5u);
  EXPECT_EQ(h.last().call_id, h.sent()[0].call_id);
  EXPECT_EQ(h.last().cseq, h.sent()[3].cseq + 1);
  EXPECT_EQ(h.last().expires, 600u);
}

TEST(Registration, StopWithoutABindingSendsNothing) {
  Harness h;
  h.start();
  h.answer(status_reply(403));
  h.stop();
  EXPECT_EQ(h.sent().size(), 1u);
  EXPECT_TRUE(h.reg().stopped());
  EXPECT_EQ(h.reg().reason(), "stopped");

  // An unregister nobody answers ends anyway.
  Harness u;
  u.start();
  u.ok(600);
  u.stop();
  ASSERT_EQ(u.sent().size(), 2u);
  u.run(u.now() + Registration::kAnswerGuardMs);
  EXPECT_TRUE(u.reg().stopped());
  EXPECT_EQ(u.reg().reason(), "unregister not answered (timeout)");

  // Stopped while the first REGISTER is in flight: it may have bound, so unregister.
  Harness f;
  f.start();
  f.stop();
  ASSERT_EQ(f.sent().size(), 2u);
  EXPECT_EQ(f.last().expires, 0u);
  EXPECT_FALSE(f.answer_to(f.sent()[0], status_reply(200)));  // the old REGISTER's late answer
  f.answer(status_reply(200));
  EXPECT_TRUE(f.reg().stopped());
}

TEST(Registration, NothingWithoutALocalAddressOrAUsableRegistrar) {
  SipAccount bad = test_account();
  bad.registrar.assign("http://acme.example.com");
  Harness h(bad);
  h.start();
  EXPECT_TRUE(h.sent().empty());
  EXPECT_EQ(h.reg().state(), RegistrationState::kOffline);
  EXPECT_EQ(h.reg().reason(), "registrar is not a sip: URI with a user name");
}

TEST(Registration, PasswordNeverAppearsInWhatIsSent) {
  SipAccount a = test_account();
  a.password.assign("hunter2-very-secret");
  Harness h(a);
  h.start();
  h.challenge(401, nonce("n-1"));
  h.challenge(401, nonce("n-1"));
  for (const Sent& s : h.sent()) {
    for (const std::string& v : {s.authorization, s.contact, s.aor, s.display_name, s.route})
      EXPECT_EQ(v.find("hunter2"), std::string::npos);
  }
  for (const std::string& st : h.states) EXPECT_EQ(st.find("hunter2"), std::string::npos);
}
