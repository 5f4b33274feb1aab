// Interoperation with an independent stack: Debian's aiortc (aioice +
// OpenSSL DTLS + libsrtp via pylibsrtp) as the far end, both as offerer and
// answerer. SDP goes over pipes to aiortc_peer.py. Each side sends a PCMU
// tone and finds the other's tone by frequency. Private netns, lo only.
//
// The 20 s call (AiortcOffersWeAnswer) also covers consent freshness:
// libnice 0.1.21 declares consent lost 10 s after the last check response.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/unit/media/aiortc_process.hpp"
#include "tests/unit/media/media_net_test_util.hpp"
#include "tests/unit/media/transport_test_util.hpp"

namespace dialtone::media {
namespace {

using testing::LoopWithGlib;
using testing::Peer;

// --- G.711 mu-law (test-only; the codec module has the product one) --------
std::uint8_t ulaw_encode(int pcm) {
  const int sign = pcm < 0 ? 0x80 : 0;
  if (pcm < 0) pcm = -pcm;
  if (pcm > 32635) pcm = 32635;
  pcm += 0x84;
  int exp = 7;
  for (int mask = 0x4000; (pcm & mask) == 0 && exp > 0; mask >>= 1) --exp;
  const int mant = (pcm >> (exp + 3)) & 0x0f;
  return static_cast<std::uint8_t>(~(sign | exp << 4 | mant));
}
int ulaw_decode(std::uint8_t u) {
  u = static_cast<std::uint8_t>(~u);
  const int t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return (u & 0x80) ? 0x84 - t : t - 0x84;
}
double goertzel(const std::vector<double>& x, double freq, double rate) {
  const double w = 2 * M_PI * freq / rate, c = 2 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (double v : x) {
    const double s = v + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

using testing::AiortcProcess;
using testing::json_number;
using testing::json_quote;
using testing::json_sdp;


// --- The SDP our side needs for this test (the product SDP is media/sdp's) --
std::string our_sdp(const MediaTransport& t, const char* setup) {
  std::string s =
      "v=0\r\no=- 4242 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n";
  s += "a=ice-ufrag:" + std::string(t.local_ufrag()) + "\r\n";
  s += "a=ice-pwd:" + std::string(t.local_pwd()) + "\r\n";
  s += "a=fingerprint:" + std::string(t.local_fingerprint()) + "\r\n";
  s += std::string("a=setup:") + setup + "\r\n";
  s += "a=rtpmap:0 PCMU/8000\r\na=ssrc:305419896 cname:dialtone\r\n";
  for (const auto& c : t.local_candidates()) s += std::string(c.view()) + "\r\n";
  return s + "a=end-of-candidates\r\n";
}

struct ParsedSdp {
  Peer::Offer o;
  std::string setup;
};
ParsedSdp parse_sdp(const std::string& sdp) {
  ParsedSdp p;
  std::size_t pos = 0;
  while (pos < sdp.size()) {
    std::size_t e = sdp.find('\n', pos);
    if (e == std::string::npos) e = sdp.size();
    std::string l = sdp.substr(pos, e - pos);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    pos = e + 1;
    auto val = [&](const char* k) { return l.rfind(k, 0) == 0 ? l.substr(std::strlen(k)) : std::string(); };
    if (l.rfind("a=ice-ufrag:", 0) == 0) p.o.ufrag = val("a=ice-ufrag:");
    if (l.rfind("a=ice-pwd:", 0) == 0) p.o.pwd = val("a=ice-pwd:");
    if (l.rfind("a=fingerprint:sha-256 ", 0) == 0) p.o.fingerprint = val("a=fingerprint:");
    if (l.rfind("a=setup:", 0) == 0) p.setup = val("a=setup:");
    if (l.rfind("a=candidate:", 0) == 0) p.o.candidates.push_back(l);
  }
  return p;
}

void run_call(bool we_offer, int seconds) {
  LoopWithGlib env;
  DtlsCertificate cert;
  ASSERT_TRUE(cert.generate());
  Peer us(env.loop, env.ctx, cert);
  IceConfig cfg;
  cfg.host_addresses.push_back(IpString("127.0.0.1"));
  cfg.controlling = we_offer;
  ASSERT_TRUE(us.start(cfg));
  ASSERT_TRUE(env.run_until([&] { return us.gathered; }, 5000));

  AiortcProcess far;
  ASSERT_TRUE(far.spawn(env.loop, we_offer ? "answer" : "offer", seconds, 440));
  const TimeMs t0 = monotonic_ms();
  ParsedSdp theirs;
  if (we_offer) {
    far.send_line("{\"sdp\": " + json_quote(our_sdp(us.t, "actpass")) + "}");
    ASSERT_TRUE(env.run_until([&] { return !far.lines.empty(); }, 20000));
    theirs = parse_sdp(json_sdp(far.lines[0]));
    ASSERT_EQ(theirs.setup, "active");  // aiortc answers as the DTLS client
    ASSERT_TRUE(us.set_remote(theirs.o, DtlsRole::kServer));
  } else {
    ASSERT_TRUE(env.run_until([&] { return !far.lines.empty(); }, 20000));
    theirs = parse_sdp(json_sdp(far.lines[0]));
    ASSERT_EQ(theirs.setup, "actpass");
    ASSERT_TRUE(us.set_remote(theirs.o, DtlsRole::kClient));  // we answer a=setup:active
    far.send_line("{\"sdp\": " + json_quote(our_sdp(us.t, "active")) + "}");
  }
  ASSERT_FALSE(theirs.o.candidates.empty());
  ASSERT_TRUE(env.run_until([&] { return us.connected || us.failed; }, 20000));
  ASSERT_TRUE(us.connected) << us.reason;
  std::printf("aiortc %s: ICE+DTLS up %lld ms after the SDP exchange began\n", we_offer ? "answers" : "offers",
              static_cast<long long>(monotonic_ms() - t0));

  // Our tone: 1000 Hz PCMU, one packet per 20 ms, until aiortc reports.
  std::uint16_t seq = 0;
  std::uint32_t ts = 0;
  TimerId tick;
  std::function<void()> send_next;
  TimeMs next_at = monotonic_ms();
  send_next = [&] {
    std::uint8_t payload[160];
    for (int i = 0; i < 160; ++i)
      payload[i] = ulaw_encode(static_cast<int>(8000 * std::sin(2 * M_PI * 1000 * (ts + i) / 8000.0)));
    auto pkt = testing::make_rtp(0, seq++, ts, 305419896, payload, sizeof(payload));
    ts += 160;
    us.t.send_rtp(pkt);
    next_at += 20;
    tick = env.loop.add_timer_at(next_at, [&] { send_next(); });
  };
  send_next();

  std::size_t last5_start = 0;
  const TimeMs call_start = monotonic_ms();
  ASSERT_TRUE(env.run_until(
      [&] {
        if (monotonic_ms() - call_start < (seconds - 5) * 1000) last5_start = us.rtp.size();
        // aiortc closes its DTLS session (close_notify) right after printing
        // its report; under load our loop may see the close first.
        const bool peer_closed = us.failed && us.reason.find("close_notify") != std::string::npos;
        return far.lines.size() >= 2 || (us.failed && !peer_closed);
      },
      (seconds + 25) * 1000));
  env.loop.cancel_timer(tick);
  ASSERT_GE(far.lines.size(), 2u) << us.reason;
  const std::string& result = far.lines[1];
  std::printf("aiortc reported: %s\nwe received %zu RTP packets (%zu in the last 5 s)\n", result.c_str(),
              us.rtp.size(), us.rtp.size() - last5_start);
  far.stop(env.loop);

  // aiortc heard our 1000 Hz tone, also at the end of the call.
  EXPECT_NE(result.find("\"state\": \"connected\""), std::string::npos);
  EXPECT_GT(json_number(result, "frames"), seconds * 25.0);
  EXPECT_GT(json_number(result, "frames_last5s"), 100.0);
  EXPECT_NEAR(json_number(result, "freq"), 1000.0, 30.0);
  // We heard aiortc's 440 Hz tone, also at the end of the call.
  ASSERT_GT(us.rtp.size(), static_cast<std::size_t>(seconds * 25));
  EXPECT_GT(us.rtp.size() - last5_start, 100u);
  std::vector<double> pcm;
  for (std::size_t i = us.rtp.size() - 50; i < us.rtp.size(); ++i) {
    ASSERT_EQ(us.rtp[i][1] & 0x7f, 0);  // PCMU as negotiated
    for (std::size_t k = 12; k < us.rtp[i].size(); ++k) pcm.push_back(ulaw_decode(us.rtp[i][k]));
  }
  const double at440 = goertzel(pcm, 440, 8000);
  EXPECT_GT(at440, 100 * goertzel(pcm, 1000, 8000));
  EXPECT_GT(at440, 100 * goertzel(pcm, 300, 8000));
  EXPECT_EQ(us.t.stats().unprotect_failures, 0u);
}

// aiortc offers (controlling, DTLS server); we answer (controlled, active =
// DTLS client). 20 s: past libnice 0.1.21's 10 s consent limit.
TEST(TransportAiortc, AiortcOffersWeAnswer20Seconds) { run_call(false, 20); }

// We offer (controlling, actpass); aiortc answers active (DTLS client).
TEST(TransportAiortc, WeOfferAiortcAnswers) { run_call(true, 6); }

}  // namespace
}  // namespace dialtone::media
