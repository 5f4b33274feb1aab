#include "media/transport/rtp_transport.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "firmware/core/log.hpp"

namespace dialtone::media {
namespace {

constexpr const char* kMod = "rtp";
// Each try binds an ephemeral port; about half are even, and the next one
// must be free as well. 32 tries fail only on a port range nearly full.
constexpr int kBindTries = 32;

bool to_sockaddr(std::string_view ip, std::uint16_t port, int family, sockaddr_storage& out, socklen_t& len) {
  char text[limits::kIceAddressMax + 1];
  if (ip.size() > limits::kIceAddressMax) return false;
  std::memcpy(text, ip.data(), ip.size());
  text[ip.size()] = '\0';
  out = {};
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (inet_pton(AF_INET, text, &a->sin_addr) != 1) return false;
    len = sizeof(sockaddr_in);
    return true;
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&out);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  if (inet_pton(AF_INET6, text, &a->sin6_addr) != 1) return false;
  len = sizeof(sockaddr_in6);
  return true;
}

bool unspecified(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return reinterpret_cast<const sockaddr_in&>(a).sin_addr.s_addr == htonl(INADDR_ANY);
  const auto& a6 = reinterpret_cast<const sockaddr_in6&>(a);
  return IN6_IS_ADDR_UNSPECIFIED(&a6.sin6_addr);
}

std::uint16_t port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
}

bool same_address(const sockaddr_storage& a, socklen_t alen, const sockaddr_storage& b, socklen_t blen) {
  if (alen != blen || a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    const auto& x = reinterpret_cast<const sockaddr_in&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in&>(b);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
  const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
  return x.sin6_port == y.sin6_port && std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
}

int bound_socket(int family, const sockaddr_storage& addr, socklen_t len) {
  int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// RFC 5761 4: RTCP packet types 192..223 sit where RTP's marker + payload
// type would be; RFC 3550: version 2 in the first two bits.
bool is_version2(std::span<const std::uint8_t> b) { return b.size() >= 8 && (b[0] >> 6) == 2; }
bool is_rtcp(std::span<const std::uint8_t> b) { return b[1] >= 192 && b[1] <= 223; }

}  // namespace

bool RtpTransport::default_host_address(FixedString<limits::kIceAddressMax>& out) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    char text[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text))
      found = out.assign(text);
  }
  freeifaddrs(list);
  return found;
}

RtpTransport::RtpTransport(EventLoop& loop) : loop_(loop) {}

RtpTransport::~RtpTransport() { close(); }

bool RtpTransport::open(std::string_view host_address, Callbacks callbacks) {
  if (is_open()) return false;
  cb_ = std::move(callbacks);
  family_ = host_address.find(':') == std::string_view::npos ? AF_INET : AF_INET6;
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!to_sockaddr(host_address, 0, family_, addr, len)) {
    DT_LOGE(kMod, "host address %.*s is not an IP literal", static_cast<int>(host_address.size()),
            host_address.data());
    return false;
  }
  for (int i = 0; i < kBindTries && rtp_fd_ < 0; ++i) {
    int rtp = bound_socket(family_, addr, len);
    if (rtp < 0) break;
    sockaddr_storage got{};
    socklen_t got_len = sizeof got;
    ::getsockname(rtp, reinterpret_cast<sockaddr*>(&got), &got_len);
    const std::uint16_t port = port_of(got);
    if (port % 2 != 0 || port == 65535) {
      ::close(rtp);
      continue;
    }
    sockaddr_storage next = addr;
    socklen_t next_len = len;
    to_sockaddr(host_address, static_cast<std::uint16_t>(port + 1), family_, next, next_len);
    int rtcp = bound_socket(family_, next, next_len);
    if (rtcp < 0) {
      ::close(rtp);
      continue;
    }
    rtp_fd_ = rtp;
    rtcp_fd_ = rtcp;
    rtp_port_ = port;
  }
  if (rtp_fd_ < 0) {
    DT_LOGE(kMod, "no free even/odd port pair on %.*s", static_cast<int>(host_address.size()), host_address.data());
    return false;
  }
  if (!loop_.add_fd(rtp_fd_, POLLIN, [this](short) { on_readable(false); }) ||
      !loop_.add_fd(rtcp_fd_, POLLIN, [this](short) { on_readable(true); })) {
    DT_LOGE(kMod, "the event loop has no room for two more sockets");
    close_fds();
    return false;
  }
  local_address_.assign(host_address);
  DT_LOGI(kMod, "RTP on %s port %u (RTCP %u)", local_address_.c_str(), static_cast<unsigned>(rtp_port_),
          static_cast<unsigned>(rtp_port_ + 1));
  return true;
}

bool RtpTransport::set_remote(const RemoteRtp& r) {
  if (!is_open()) return false;
  const std::uint16_t rtcp_port = r.rtcp_port ? r.rtcp_port : static_cast<std::uint16_t>(r.rtp_port + 1);
  sockaddr_storage rtp{}, rtcp{};
  socklen_t rtp_len = 0, rtcp_len = 0;
  if (!to_sockaddr(r.address, r.rtp_port, family_, rtp, rtp_len) ||
      !to_sockaddr(r.address, rtcp_port, family_, rtcp, rtcp_len)) {
    DT_LOGW(kMod, "remote address %.*s is not an IP literal of our family", static_cast<int>(r.address.size()),
            r.address.data());
    return false;
  }
  const bool changed = remote_address_.view() != r.address || remote_rtp_port_ != r.rtp_port ||
                       remote_rtcp_port_ != rtcp_port;
  rtcp_mux_ = r.rtcp_mux;
  remote_set_ = true;
  if (!changed && (rtp_latched_ || rtp_dest_len_)) return true;  // a re-offer to the same place: latching stays
  remote_address_.assign(r.address);
  remote_rtp_port_ = r.rtp_port;
  remote_rtcp_port_ = rtcp_port;
  rtp_latched_ = rtcp_latched_ = false;
  // c=0.0.0.0 (RFC 2543 hold) or port 0: nowhere until the peer's packets latch us.
  const bool none = unspecified(rtp) || r.rtp_port == 0;
  rtp_dest_ = rtp;
  rtp_dest_len_ = none ? 0 : rtp_len;
  rtcp_dest_ = rtcp;
  rtcp_dest_len_ = none ? 0 : rtcp_len;
  return true;
}

bool RtpTransport::set_srtp(SrtpSuite suite, std::span<const std::uint8_t> our_key,
                            std::span<const std::uint8_t> their_key) {
  if (our_key.size() != our_key_.size() || their_key.size() != their_key_.size()) return false;
  const bool suite_changed = !srtp_on_ || suite != suite_;
  bool ok = true;
  if (suite_changed || !std::equal(our_key.begin(), our_key.end(), our_key_.begin()))
    ok = srtp_.set_outbound(suite, our_key);
  if (ok && (suite_changed || !std::equal(their_key.begin(), their_key.end(), their_key_.begin())))
    ok = srtp_.set_inbound(suite, their_key);
  if (!ok) {
    srtp_.clear();
    srtp_on_ = true;  // refuse everything rather than fall back to plain
    DT_LOGE(kMod, "libsrtp refused the SDES keys");
    return false;
  }
  std::copy(our_key.begin(), our_key.end(), our_key_.begin());
  std::copy(their_key.begin(), their_key.end(), their_key_.begin());
  suite_ = suite;
  srtp_on_ = true;
  return true;
}

void RtpTransport::set_plain() {
  srtp_.clear();
  srtp_on_ = false;
}

std::uint16_t RtpTransport::rtp_destination_port() const { return rtp_dest_len_ ? port_of(rtp_dest_) : 0; }

void RtpTransport::read_queued() {
  if (!is_open() || !remote_set_) return;
  if (!rtp_deferred_ && !defer_refused_) {
    rtp_deferred_ = loop_.defer_fd(rtp_fd_);
    defer_refused_ = !rtp_deferred_;  // no slot (logged): stays polled
  }
  if (!rtp_deferred_) return;
  on_readable(false);
  if (is_open()) loop_.mark_drained(rtp_fd_);
}

void RtpTransport::on_readable(bool rtcp_socket) {
  const int fd = rtcp_socket ? rtcp_fd_ : rtp_fd_;
  // Drain: each datagram lands in rx_ and is handled before the next read.
  for (int i = 0; i < 64 && fd >= 0; ++i) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = ::recvfrom(fd, rx_.data(), limits::kRtpPacketMax + SrtpSession::kOverheadMax, 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;  // EAGAIN: nothing more now
    handle(rtcp_socket, static_cast<std::size_t>(n), from, from_len);
    if (!is_open()) return;  // a callback closed us
  }
}

void RtpTransport::handle(bool rtcp_socket, std::size_t len, const sockaddr_storage& from, socklen_t from_len) {
  std::span<const std::uint8_t> d(rx_.data(), len);
  if (!remote_set_) {
    ++stats_.before_remote;
    return;
  }
  if (!is_version2(d)) {
    ++stats_.invalid;
    return;
  }
  const bool rtcp = rtcp_socket || is_rtcp(d);
  bool& latched = rtcp_socket ? rtcp_latched_ : rtp_latched_;
  sockaddr_storage& dest = rtcp_socket ? rtcp_dest_ : rtp_dest_;
  socklen_t& dest_len = rtcp_socket ? rtcp_dest_len_ : rtp_dest_len_;
  const bool from_dest = same_address(from, from_len, dest, dest_len);
  if (latched && !from_dest) {
    ++stats_.foreign_dropped;
    return;
  }
  if (srtp_on_) {
    if (!(rtcp ? srtp_.unprotect_rtcp(rx_.data(), len) : srtp_.unprotect_rtp(rx_.data(), len))) {
      ++stats_.unprotect_failures;  // forged, replayed, or keyed for another session: never latched on
      return;
    }
    d = std::span<const std::uint8_t>(rx_.data(), len);
  }
  if (!latched) {
    latched = true;
    if (!from_dest) {
      dest = from;
      dest_len = from_len;
      ++stats_.latch_moves;
      char text[INET6_ADDRSTRLEN] = "?";
      const void* a = from.ss_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in&>(from).sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6&>(from).sin6_addr);
      inet_ntop(from.ss_family, a, text, sizeof text);
      DT_LOGI(kMod, "latched %s to %s port %u (not where the SDP said)", rtcp_socket ? "RTCP" : "RTP", text,
              static_cast<unsigned>(port_of(from)));
    }
  }
  if (rtcp) {
    ++stats_.rtcp_received;
    if (cb_.on_rtcp) cb_.on_rtcp(d);
  } else {
    ++stats_.rtp_received;
    if (cb_.on_rtp) cb_.on_rtp(d);
  }
}

bool RtpTransport::send_on(bool rtcp_socket, std::span<const std::uint8_t> plain, bool is_rtcp_packet) {
  const int fd = rtcp_socket ? rtcp_fd_ : rtp_fd_;
  const sockaddr_storage& dest = rtcp_socket ? rtcp_dest_ : rtp_dest_;
  const socklen_t dest_len = rtcp_socket ? rtcp_dest_len_ : rtp_dest_len_;
  if (fd < 0 || dest_len == 0 || plain.size() > limits::kRtpPacketMax) return false;
  std::span<const std::uint8_t> wire = plain;
  if (srtp_on_) {
    std::memcpy(tx_.data(), plain.data(), plain.size());
    std::size_t len = plain.size();
    if (!(is_rtcp_packet ? srtp_.protect_rtcp(tx_, len) : srtp_.protect_rtp(tx_, len))) return false;
    wire = std::span<const std::uint8_t>(tx_.data(), len);
  }
  if (::sendto(fd, wire.data(), wire.size(), 0, reinterpret_cast<const sockaddr*>(&dest), dest_len) < 0) {
    ++stats_.send_failures;
    return false;
  }
  ++(is_rtcp_packet ? stats_.rtcp_sent : stats_.rtp_sent);
  return true;
}

bool RtpTransport::send_rtp(std::span<const std::uint8_t> rtp) { return send_on(false, rtp, false); }

bool RtpTransport::send_rtcp(std::span<const std::uint8_t> rtcp) { return send_on(!rtcp_mux_, rtcp, true); }

void RtpTransport::close_fds() {
  for (int* fd : {&rtp_fd_, &rtcp_fd_}) {
    if (*fd < 0) continue;
    loop_.undefer_fd(*fd);
    if (loop_.has_fd(*fd)) loop_.remove_fd(*fd);
    ::close(*fd);
    *fd = -1;
  }
  rtp_deferred_ = false;
  defer_refused_ = false;
}

void RtpTransport::close() {
  close_fds();
  srtp_.clear();
  our_key_.fill(0);
  their_key_.fill(0);
}

}  // namespace dialtone::media
