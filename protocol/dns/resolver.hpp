// Host name lookups that never block the loop.
//
// getaddrinfo() would stop the only thread (audio, handset, control socket)
// for as long as a dead DNS server takes to time out. c-ares asks the
// servers over sockets we poll on the EventLoop instead, and its retransmit
// timer is a loop timer. c-ares allocates (its channel, the query, the
// answer), but only while a connection is being set up, never per frame.
//
// One Resolver does one lookup at a time; each Stream owns one. A fresh
// c-ares channel per lookup re-reads /etc/resolv.conf, so servers learnt
// from DHCP after start-up are used, and cancelling one lookup cannot touch
// another. The caller owns the deadline (Stream's connect timeout); c-ares
// giving up on its own is reported as kTimeout too.
#pragma once
#include <sys/socket.h>

#include <cstdint>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/core/limits.hpp"

struct ares_channeldata;
struct ares_addrinfo;

namespace dialtone::protocol {

enum class LookupStatus : std::uint8_t {
  kOk,
  kNotFound,  // the name has no address (NXDOMAIN, no A/AAAA)
  kTimeout,   // no server answered
  kFailed,    // anything else: server failure, bad server list, no fd slot
};

struct LookupResult {
  LookupStatus status = LookupStatus::kFailed;
  sockaddr_storage addr{};  // kOk: the first address, with the port filled in
  socklen_t addr_len = 0;
  const char* detail = "";  // words for the log (static storage)
};

class Resolver {
 public:
  using Handler = InplaceFunction<void(const LookupResult&), 32>;

  explicit Resolver(EventLoop& loop) : loop_(loop) {}
  ~Resolver() { cancel(); }
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Starts resolving `name`; `done` runs later on the loop (never from inside
  // this call), exactly once unless cancel() comes first. `servers` is a
  // c-ares server list "ip[:port],[ip6]:port,..."; null or empty: the
  // system's (/etc/resolv.conf). False when a lookup is already running.
  bool start(const char* name, std::uint16_t port, const char* servers, Handler done);
  // Stops the lookup; its handler is not called. Safe in any state.
  void cancel();
  bool active() const { return channel_ != nullptr || deliver_timer_.valid(); }

 private:
  static void on_sock_state(void* self, int fd, int readable, int writable);
  static void on_result(void* self, int status, int timeouts, ares_addrinfo* res);
  void watch(int fd, short events);
  void unwatch(int fd);
  void arm_timer();
  void finish(LookupStatus status, const char* detail);
  void deliver();
  void destroy_channel();

  // At most this many sockets per lookup: one UDP socket per server, plus
  // TCP for a truncated answer. c-ares opens more only with more servers.
  static constexpr std::size_t kMaxSockets = 6;

  EventLoop& loop_;
  ares_channeldata* channel_ = nullptr;
  Handler done_;
  LookupResult result_;
  std::uint16_t port_ = 0;
  bool finished_ = false;
  std::uint32_t gen_ = 0;
  TimerId ares_timer_;
  TimerId deliver_timer_;
  FixedVector<int, kMaxSockets> fds_;
};

}  // namespace dialtone::protocol
