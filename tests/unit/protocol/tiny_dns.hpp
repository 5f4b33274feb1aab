// A DNS server for the network tests, on the test's own EventLoop (so a
// lookup can only succeed if the code under test never blocks the loop):
// A queries for kName get 127.0.0.1, other types for it no records, every
// other name NXDOMAIN. UdpServer alone is a server that never answers.
#pragma once
#include <strings.h>

#include <cstring>
#include <string>

#include "net_helpers.hpp"

namespace nettest {

inline constexpr const char* kName = "dialtone.test";  // in server.crt as DNS:dialtone.test

// A UDP socket on 127.0.0.1 and a port; the caller decides whether it answers.
struct UdpServer {
  UdpServer() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    servers = "127.0.0.1:" + std::to_string(port);
  }
  ~UdpServer() { ::close(fd); }
  // Datagrams that arrived and were never read (the silent server's queries).
  int drain() {
    int n = 0;
    char buf[512];
    while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) ++n;
    return n;
  }
  int fd = -1;
  std::uint16_t port = 0;
  std::string servers;
};

// Answers A queries for kName with 127.0.0.1, other types for it with no
// records, and every other name with NXDOMAIN. Runs on the test's loop, so
// the lookup can only succeed if the code under test never blocks it.
class TinyDns {
 public:
  explicit TinyDns(dialtone::EventLoop& loop) : loop_(loop) {
    loop_.add_fd(udp_.fd, POLLIN, [this](short) { answer(); });
  }
  ~TinyDns() { loop_.remove_fd(udp_.fd); }
  const std::string& servers() const { return udp_.servers; }
  int queries = 0;

 private:
  void answer() {
    std::uint8_t q[512];
    sockaddr_in from{};
    socklen_t flen = sizeof from;
    ssize_t n = ::recvfrom(udp_.fd, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&from), &flen);
    if (n < 12) return;
    ++queries;
    // The question: labels, then QTYPE and QCLASS.
    std::size_t p = 12;
    std::string name;
    while (p < static_cast<std::size_t>(n) && q[p] != 0) {
      std::size_t l = q[p];
      if (!name.empty()) name += '.';
      name.append(reinterpret_cast<char*>(q + p + 1), l);
      p += l + 1;
    }
    p += 1;
    if (p + 4 > static_cast<std::size_t>(n)) return;
    std::uint16_t qtype = static_cast<std::uint16_t>(q[p] << 8 | q[p + 1]);
    std::size_t qend = p + 4;
    std::uint8_t r[512];
    std::memcpy(r, q, qend);
    bool known = strcasecmp(name.c_str(), kName) == 0;
    bool a = known && qtype == 1;
    r[2] = 0x81;                     // QR, RD
    r[3] = known ? 0x80 : 0x83;      // RA; NOERROR or NXDOMAIN
    r[4] = 0, r[5] = 1;              // QDCOUNT
    r[6] = 0, r[7] = a ? 1 : 0;      // ANCOUNT
    std::memset(r + 8, 0, 4);        // NSCOUNT, ARCOUNT (any EDNS record dropped)
    std::size_t len = qend;
    if (a) {
      const std::uint8_t rr[] = {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
      std::memcpy(r + len, rr, sizeof rr);
      len += sizeof rr;
    }
    ::sendto(udp_.fd, r, len, 0, reinterpret_cast<sockaddr*>(&from), flen);
  }
  dialtone::EventLoop& loop_;
  UdpServer udp_;
};

}  // namespace nettest
