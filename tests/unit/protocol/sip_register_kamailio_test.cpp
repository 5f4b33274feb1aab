// The registration engine against a real registrar: Kamailio's auth and
// registrar modules on 127.0.0.1 (inside a private network namespace), over
// UDP. The engine runs on virtual time; only the nonce's age is real.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kamailio_process.hpp"
#include "net_helpers.hpp"
#include "protocol/sip/register_message.hpp"

namespace dialtone::protocol::sip {
namespace {

constexpr TimeMs kSecond = 1000;

// The registrar for one test; `defines` select the configuration's options.
class Kamailio : public nettest::KamailioProcess {
 public:
  Kamailio(std::uint16_t port, const std::vector<std::string>& defines) {
    start(DIALTONE_KAMAILIO_CFG, {"udp:127.0.0.1:" + std::to_string(port)}, defines);
  }
};

int seeded_source(void* ctx, unsigned char* out, std::size_t len) {
  auto* n = static_cast<unsigned*>(ctx);
  for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((*n)++ * 131 + 17);
  return 0;
}

struct Seen {
  int status = 0;
  bool stale = false;
  std::string algorithm;
  std::string request;  // the REGISTER that got this answer
};

class KamailioRegistrar : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rng_.init("test", seeded_source, &seed_));
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in me{};
    me.sin_family = AF_INET;
    me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&me), sizeof me), 0);
    socklen_t len = sizeof me;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&me), &len);
    local_port_ = ntohs(me.sin_port);
    port_ = nettest::free_port();
    peer_.sin_family = AF_INET;
    peer_.sin_port = htons(port_);
    peer_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  void TearDown() override { ::close(fd_); }

  SipAccount account(const char* password = "secret") const {
    SipAccount a;
    a.registrar.assign("sip:127.0.0.1:" + std::to_string(port_));
    a.username.assign("desk-101");
    a.password.assign(password);
    a.display_name.assign("Front desk");
    a.expires_s = 600;
    return a;
  }

  // Waits (bounded) until Kamailio answers anything.
  bool wait_ready(const Kamailio& k) {
    std::string probe =
        "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(local_port_) +
        ";branch=z9hG4bKprobe\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:probe@127.0.0.1>\r\n"
        "Call-ID: probe\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    for (int i = 0; i < 100; ++i) {
      ::sendto(fd_, probe.data(), probe.size(), 0, reinterpret_cast<const sockaddr*>(&peer_), sizeof peer_);
      std::string got;
      if (receive(200, got)) return true;
    }
    ADD_FAILURE() << "Kamailio never answered:\n" << k.log();
    return false;
  }

  bool receive(int timeout_ms, std::string& out) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return false;
    static std::array<char, limits::kSipMessageMax> buf;
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n <= 0) return false;
    out.assign(buf.data(), static_cast<std::size_t>(n));
    return true;
  }

  // Sends every REGISTER the engine hands out and gives it the final
  // answers, until it has nothing more to send.
  void exchange(Registration& reg) {
    RegisterRequest req;
    while (reg.take_request(req)) {
      SipMessage m;
      ASSERT_EQ(build_register(req, m), SipError::kOk);
      static std::array<char, limits::kSipMessageMax> buf;
      std::size_t len = 0;
      ASSERT_EQ(m.serialize(buf, len), SipError::kOk);
      std::string sent(buf.data(), len);
      ::sendto(fd_, buf.data(), len, 0, reinterpret_cast<const sockaddr*>(&peer_), sizeof peer_);
      for (;;) {
        std::string text;
        if (!receive(5000, text)) {
          reg.on_timeout(now_, req.cseq);
          break;
        }
        SipMessage answer;
        ASSERT_EQ(answer.parse(text), SipError::kOk) << text;
        if (answer.status() < 200) continue;
        ASSERT_EQ(read_register_response(answer, response_), SipError::kOk);
        Seen s;
        s.status = response_.status;
        s.request = sent;
        if (!response_.www_authenticate.empty()) {
          s.stale = response_.www_authenticate[0].stale;
          s.algorithm = std::string(response_.www_authenticate[0].algorithm);
        }
        seen_.push_back(s);
        if (reg.on_response(now_, response_)) break;
      }
    }
  }

  unsigned seed_ = 3;
  Csprng rng_;
  int fd_ = -1;
  std::uint16_t local_port_ = 0;
  std::uint16_t port_ = 0;
  sockaddr_in peer_{};
  TimeMs now_ = 1000 * kSecond;
  RegisterResponse response_;
  std::vector<Seen> seen_;
};

TEST_F(KamailioRegistrar, Md5ChallengeAnsweredAndBound) {
  Kamailio k(port_, {});
  ASSERT_TRUE(wait_ready(k));
  Registration reg(account(), rng_);
  reg.set_local_address("127.0.0.1", local_port_);
  reg.start(now_);
  exchange(reg);
  ASSERT_EQ(seen_.size(), 2u) << k.log();
  EXPECT_EQ(seen_[0].status, 401);
  EXPECT_EQ(seen_[1].status, 200) << seen_[1].request << k.log();
  EXPECT_EQ(reg.state(), RegistrationState::kRegistered) << reg.reason();
  EXPECT_EQ(reg.granted_expires_s(), 600u);  // Kamailio lists our Contact with its expiry

  // Unregister: the reused nonce is still fresh, so one request does it.
  now_ += 60 * kSecond;
  reg.stop(now_);
  exchange(reg);
  EXPECT_EQ(seen_.back().status, 200);
  EXPECT_TRUE(reg.stopped());
  EXPECT_EQ(reg.reason(), "unregistered");
  EXPECT_EQ(response_.contacts.size(), 0u);  // no binding left
}

TEST_F(KamailioRegistrar, Sha256ChallengeAnswered) {
  Kamailio k(port_, {"WITH_SHA256"});
  ASSERT_TRUE(wait_ready(k));
  Registration reg(account(), rng_);
  reg.set_local_address("127.0.0.1", local_port_);
  reg.start(now_);
  exchange(reg);
  ASSERT_EQ(seen_.size(), 2u) << k.log();
  EXPECT_EQ(seen_[0].algorithm, "SHA-256");
  EXPECT_NE(seen_[1].request.find("algorithm=SHA-256"), std::string::npos) << seen_[1].request;
  EXPECT_EQ(seen_[1].status, 200) << k.log();
  EXPECT_EQ(reg.state(), RegistrationState::kRegistered) << reg.reason();
}

TEST_F(KamailioRegistrar, WrongPasswordIsRefusedNotRetriedAtOnce) {
  Kamailio k(port_, {});
  ASSERT_TRUE(wait_ready(k));
  Registration reg(account("not-the-password"), rng_);
  reg.set_local_address("127.0.0.1", local_port_);
  reg.start(now_);
  exchange(reg);
  ASSERT_EQ(seen_.size(), 2u);  // challenge, answer refused with a new challenge, then stop
  EXPECT_EQ(seen_[1].status, 401);
  EXPECT_EQ(reg.state(), RegistrationState::kOffline);
  EXPECT_EQ(reg.reason(), "registrar refused the credentials (401)");
  EXPECT_GE(reg.retry_at() - now_, 4 * kSecond);
}

TEST_F(KamailioRegistrar, AgedNonceIsStaleAndReauthenticated) {
  Kamailio k(port_, {"NONCE_EXPIRE=1"});
  ASSERT_TRUE(wait_ready(k));
  Registration reg(account(), rng_);
  reg.set_local_address("127.0.0.1", local_port_);
  reg.start(now_);
  exchange(reg);
  ASSERT_EQ(reg.state(), RegistrationState::kRegistered) << k.log();
  // Let the nonce age past Kamailio's nonce_expire (real time: its clock).
  usleep(2500 * 1000);
  now_ = reg.refresh_at();
  reg.tick(now_);
  seen_.clear();
  exchange(reg);
  ASSERT_EQ(seen_.size(), 2u) << k.log();
  EXPECT_EQ(seen_[0].status, 401);
  EXPECT_TRUE(seen_[0].stale);
  EXPECT_EQ(seen_[1].status, 200);
  EXPECT_EQ(reg.state(), RegistrationState::kRegistered);
  EXPECT_EQ(reg.failures(), 0);
}

TEST_F(KamailioRegistrar, IntervalTooBriefThenMinExpires) {
  Kamailio k(port_, {"MIN_EXPIRES=1200"});
  ASSERT_TRUE(wait_ready(k));
  Registration reg(account(), rng_);
  reg.set_local_address("127.0.0.1", local_port_);
  reg.start(now_);
  exchange(reg);
  ASSERT_GE(seen_.size(), 3u) << k.log();
  EXPECT_EQ(seen_[0].status, 401);
  EXPECT_EQ(seen_[1].status, 423);
  EXPECT_EQ(seen_.back().status, 200);
  EXPECT_EQ(reg.requested_expires_s(), 1200u);
  EXPECT_EQ(reg.granted_expires_s(), 1200u);
  EXPECT_EQ(reg.state(), RegistrationState::kRegistered);
}

}  // namespace
}  // namespace dialtone::protocol::sip
