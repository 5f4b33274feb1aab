// Interoperation of the SIP media profiles with Debian's baresip (libre's
// SDP, libsrtp through its srtp module) on 127.0.0.1 in a private netns.
// The SIP here is the least that carries an SDP both ways (an INVITE, its
// 200 and ACK, and BYE); the SIP line itself is not under test. baresip
// plays a 600 Hz sine (ausine) and its sndfile module records what it
// decodes; we play 1000 Hz. Both are found by frequency analysis: we in our
// earpiece, baresip's in its recording.
#include <arpa/inet.h>
#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/media/session_test_util.hpp"
#include "tests/unit/protocol/net_helpers.hpp"

namespace dialtone::media {
namespace {

using sdp::Direction;
using sdp::Profile;
using testing::AudioClock;
using testing::LoopWithGlib;
using testing::Party;

constexpr double kOurTone = 1000;
constexpr double kTheirTone = 600;

// baresip with a config of its own in a fresh directory.
struct Baresip {
  std::string dir;
  std::uint16_t sip_port = nettest::free_port(SOCK_DGRAM);
  pid_t pid = -1;

  bool start(bool sdes, const std::string& dial) {
    char tmpl[] = "/tmp/dialtone-baresip-XXXXXX";
    if (!mkdtemp(tmpl)) return false;
    dir = tmpl;
    const std::string aor = "sip:b@127.0.0.1:" + std::to_string(sip_port);
    std::ofstream(dir + "/accounts") << "<" << aor << ">;regint=0;answermode=auto;audio_codecs=PCMU,PCMA"
                                     << (sdes ? ";mediaenc=srtp-mand" : "") << "\n";
    std::ofstream(dir + "/config") << "poll_method epoll\n"
                                   << "sip_listen 127.0.0.1:" << sip_port << "\n"
                                   << "net_interface 127.0.0.1\n"
                                   << "audio_source ausine," << kTheirTone << "\n"
                                   << "ausrc_srate 48000\nausrc_channels 2\n"
                                   << "audio_player none,none\naudio_alert none,none\n"
                                   << "snd_path " << dir << "\n"
                                   << "module_path /usr/lib/baresip/modules\n"
                                   << "module g711.so\nmodule ausine.so\nmodule srtp.so\nmodule sndfile.so\n"
                                   << "module_app account.so\nmodule_app menu.so\n";
    pid = fork();
    if (pid == 0) {
      const std::string log = dir + "/baresip.log";
      FILE* f = std::freopen(log.c_str(), "w", stdout);
      (void)f;
      dup2(1, 2);
      const std::string cmd = "/dial " + dial;
      if (dial.empty())
        execl(BARESIP, BARESIP, "-f", dir.c_str(), static_cast<char*>(nullptr));
      else
        execl(BARESIP, BARESIP, "-f", dir.c_str(), "-e", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid > 0;
  }
  void stop() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }
  std::string log() const {
    std::ifstream f(dir + "/baresip.log");
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  // What baresip decoded: its sndfile dump (S16LE mono or stereo). The
  // header's sizes are written at the end, so everything after "data" counts.
  std::vector<std::int16_t> heard(std::uint32_t& rate) const {
    std::vector<std::int16_t> out;
    DIR* d = opendir(dir.c_str());
    if (!d) return out;
    std::string path;
    for (dirent* e; (e = readdir(d));) {
      std::string n = e->d_name;
      if (n.size() > 8 && n.compare(n.size() - 8, 8, "-dec.wav") == 0) path = dir + "/" + n;
    }
    closedir(d);
    std::ifstream f(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const std::size_t data = bytes.find("data");
    if (bytes.size() < 44 || data == std::string::npos) return out;
    std::uint16_t channels = 0;
    std::memcpy(&channels, bytes.data() + 22, 2);
    std::memcpy(&rate, bytes.data() + 24, 4);
    for (std::size_t i = data + 8; i + 2 * channels <= bytes.size(); i += 2 * channels) {
      std::int16_t v;
      std::memcpy(&v, bytes.data() + i, 2);
      out.push_back(v);
    }
    return out;
  }
  ~Baresip() {
    stop();
    if (!dir.empty()) (void)std::system(("rm -rf " + dir).c_str());
  }
};

// The test's side of SIP: one UDP socket, text in and out.
struct SipEnd {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  std::uint16_t port = 0;
  SipEnd() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~SipEnd() { ::close(fd); }
  void send(std::uint16_t to, const std::string& msg) const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(to);
    ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  // The next message whose first line starts with `start`, within the time.
  bool wait(LoopWithGlib& env, const std::string& start, std::string& msg, TimeMs ms = 5000) {
    return env.run_until(
        [&] {
          char buf[8192];
          for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
            std::string m(buf, static_cast<std::size_t>(n));
            if (m.rfind(start, 0) == 0) {
              msg = m;
              return true;
            }
          }
          return false;
        },
        ms);
  }
};

std::string header(const std::string& msg, const std::string& name) {
  const std::size_t p = msg.find("\r\n" + name + ":");
  if (p == std::string::npos) return "";
  const std::size_t b = p + 2, e = msg.find("\r\n", b);
  return msg.substr(b, e - b);
}

std::string body(const std::string& msg) {
  const std::size_t p = msg.find("\r\n\r\n");
  return p == std::string::npos ? "" : msg.substr(p + 4);
}

std::string with_body(const std::string& head, const std::string& sdp) {
  return head + "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
}

void expect_two_way_audio(LoopWithGlib& env, Party& us, Baresip& b) {
  env.run_for(2500);
  EXPECT_TRUE(us.hears(kTheirTone)) << test::tone_power_ratio(us.last(1000), kTheirTone, us.rate) << "\n"
                                    << b.log();
  EXPECT_FALSE(us.hears(kOurTone));
  std::uint32_t rate = 0;
  const std::vector<std::int16_t> heard = b.heard(rate);
  ASSERT_GT(rate, 0u) << "no recording from baresip\n" << b.log();
  const std::size_t last_second = std::min<std::size_t>(heard.size(), rate);
  const std::span<const std::int16_t> tail = std::span(heard).last(last_second);
  EXPECT_TRUE(test::has_tone(tail, kOurTone, rate, 0.3))
      << "baresip did not hear us: " << test::tone_power_ratio(tail, kOurTone, rate) << " over "
      << heard.size() << " samples\n"
      << b.log();
  std::printf("%s with baresip: we got %llu packets, rtt %d ms; baresip recorded %zu samples at %u Hz\n",
              us.s->stats().profile, static_cast<unsigned long long>(us.s->stats().rx_packets), us.s->stats().rtt_ms,
              heard.size(), rate);
}

class BaresipProfiles : public ::testing::TestWithParam<Profile> {};

// We offer (RTP/AVP or RTP/SAVP with our fresh key), baresip answers.
TEST_P(BaresipProfiles, WeOfferBaresipAnswers) {
  const Profile profile = GetParam();
  LoopWithGlib env;
  Party us{env.loop, env.ctx, 8000, kOurTone, profile};
  AudioClock clock{env.loop, {&us}};
  Baresip b;
  ASSERT_TRUE(b.start(profile == Profile::kSdes, ""));
  SipEnd sip;
  env.run_for(1000);  // baresip reads its config and listens

  ASSERT_TRUE(us.s->create_offer(Direction::kSendRecv, false));
  ASSERT_TRUE(env.run_until([&] { return us.sdp_count > 0; }, 5000));
  const std::string from = "<sip:a@127.0.0.1:" + std::to_string(sip.port) + ">;tag=a1";
  const std::string to = "<sip:b@127.0.0.1:" + std::to_string(b.sip_port) + ">";
  const std::string common = "From: " + from + "\r\nCall-ID: interop@127.0.0.1\r\nMax-Forwards: 70\r\n";
  const std::string via = "Via: SIP/2.0/UDP 127.0.0.1:" + std::to_string(sip.port) + ";rport;branch=z9hG4bK";
  sip.send(b.sip_port, with_body("INVITE sip:b@127.0.0.1:" + std::to_string(b.sip_port) + " SIP/2.0\r\n" + via +
                                     "inv1\r\n" + common + "To: " + to + "\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:" +
                                     std::to_string(sip.port) + ">\r\n",
                                 us.local_sdp));
  std::string ok;
  ASSERT_TRUE(sip.wait(env, "SIP/2.0 200", ok)) << b.log();
  const std::string to_tagged = header(ok, "To");
  sip.send(b.sip_port, "ACK sip:b@127.0.0.1:" + std::to_string(b.sip_port) + " SIP/2.0\r\n" + via + "ack1\r\n" +
                           common + to_tagged + "\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n");
  const std::string answer = body(ok);
  ASSERT_TRUE(us.s->apply_answer(answer)) << answer;
  ASSERT_TRUE(env.run_until([&] { return us.connects > 0 || us.failed; }, 3000));
  EXPECT_EQ(answer.find("a=crypto:") != std::string::npos, profile == Profile::kSdes) << answer;
  EXPECT_EQ(std::string(us.s->stats().profile), sdp::to_string(profile));
  expect_two_way_audio(env, us, b);
  // DTMF the other way round is not checked: baresip 1.0 reports received
  // digits only to its UI.
  sip.send(b.sip_port, "BYE sip:b@127.0.0.1:" + std::to_string(b.sip_port) + " SIP/2.0\r\n" + via + "bye1\r\n" +
                           common + to_tagged + "\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
  std::string bye_ok;
  EXPECT_TRUE(sip.wait(env, "SIP/2.0 200", bye_ok, 3000));
  EXPECT_FALSE(us.failed) << us.reason;
}

// baresip offers (it dials us at start-up), we answer in its profile.
TEST_P(BaresipProfiles, BaresipOffersWeAnswer) {
  const Profile profile = GetParam();
  LoopWithGlib env;
  Party us{env.loop, env.ctx, 16000, kOurTone, Profile::kDtls};  // the answer follows the offer
  AudioClock clock{env.loop, {&us}};
  SipEnd sip;
  Baresip b;
  ASSERT_TRUE(b.start(profile == Profile::kSdes, "sip:us@127.0.0.1:" + std::to_string(sip.port)));
  std::string invite;
  ASSERT_TRUE(sip.wait(env, "INVITE ", invite, 8000)) << b.log();
  const std::string offer = body(invite);
  EXPECT_NE(offer.find(profile == Profile::kSdes ? " RTP/SAVP " : " RTP/AVP "), std::string::npos) << offer;
  ASSERT_TRUE(us.s->create_answer(offer, Direction::kSendRecv)) << offer;
  ASSERT_TRUE(env.run_until([&] { return us.sdp_count > 0; }, 5000));
  std::string head = "SIP/2.0 200 OK\r\n";
  for (const char* h : {"Via", "From", "Call-ID", "CSeq"}) head += header(invite, h) + "\r\n";
  head += header(invite, "To") + ";tag=us1\r\nContact: <sip:us@127.0.0.1:" + std::to_string(sip.port) + ">\r\n";
  sip.send(b.sip_port, with_body(head, us.local_sdp));
  std::string ack;
  ASSERT_TRUE(sip.wait(env, "ACK ", ack)) << b.log();
  ASSERT_TRUE(env.run_until([&] { return us.connects > 0 || us.failed; }, 3000));
  EXPECT_EQ(std::string(us.s->stats().profile), sdp::to_string(profile));
  expect_two_way_audio(env, us, b);
  // We hang up (an open call would hold baresip's exit for its BYE's timeout).
  std::string bye = "BYE " + header(invite, "Contact").substr(header(invite, "Contact").find('<') + 1);
  bye = bye.substr(0, bye.find('>')) + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(sip.port) +
        ";rport;branch=z9hG4bKbye2\r\nMax-Forwards: 70\r\nFrom: " + header(invite, "To").substr(4) +
        ";tag=us1\r\nTo: " + header(invite, "From").substr(6) + "\r\n" + header(invite, "Call-ID") +
        "\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
  sip.send(b.sip_port, bye);
  std::string bye_ok;
  EXPECT_TRUE(sip.wait(env, "SIP/2.0 200", bye_ok, 3000)) << bye;
  EXPECT_FALSE(us.failed) << us.reason;
}

INSTANTIATE_TEST_SUITE_P(Profiles, BaresipProfiles, ::testing::Values(Profile::kRtp, Profile::kSdes),
                         [](const auto& param_info) { return std::string(sdp::to_string(param_info.param)); });

}  // namespace
}  // namespace dialtone::media
