#include "firmware/core/arrival_time.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace dialtone {
namespace {

// A datagram sent to ourselves on 127.0.0.1 (no other address is used).
struct LoopbackPair {
  int rx = ::socket(AF_INET, SOCK_DGRAM, 0);
  int tx = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  LoopbackPair() {
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(rx, reinterpret_cast<sockaddr*>(&to), sizeof to);
    socklen_t len = sizeof to;
    ::getsockname(rx, reinterpret_cast<sockaddr*>(&to), &len);
  }
  ~LoopbackPair() {
    ::close(rx);
    ::close(tx);
  }
  void send() { ::sendto(tx, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to); }
  bool read() {
    char b[4];
    return ::recv(rx, b, sizeof b, 0) == 1;
  }
};

// A datagram read well after it came keeps its arrival time: what the
// jitter estimate sees when media is read at the audio tick.
TEST(ArrivalTime, ADatagramReadLateKeepsItsArrivalTime) {
  LoopbackPair p;
  p.send();
  ASSERT_TRUE(p.read());
  // Stamping starts with the first query: the datagram before it has none.
  EXPECT_EQ(last_datagram_arrival_ms(p.rx, 12345), 12345);
  // The kernel turns stamping on from a work queue, not at once.
  usleep(20 * 1000);
  const TimeMs before = monotonic_ms();
  p.send();  // loopback delivers inside sendto
  const TimeMs after = monotonic_ms();
  usleep(60 * 1000);
  ASSERT_TRUE(p.read());
  const TimeMs read_at = monotonic_ms();
  const TimeMs arrival = last_datagram_arrival_ms(p.rx, read_at);
  // Both clocks are read at whole milliseconds: one of slack either side.
  EXPECT_GE(arrival, before - 1);
  EXPECT_LE(arrival, after + 1);
  EXPECT_GE(read_at - arrival, 59);
}

TEST(ArrivalTime, NoSocketOrNoStampGivesTheFallback) {
  EXPECT_EQ(last_datagram_arrival_ms(-1, 777), 777);
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_EQ(last_datagram_arrival_ms(fd, 777), 777);  // nothing read yet
  ::close(fd);
}

}  // namespace
}  // namespace dialtone
