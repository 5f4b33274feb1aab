#include "tests/common/udp_impairment_relay.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace dialtone::test {
namespace {

UdpImpairmentRelay::Side other(UdpImpairmentRelay::Side s) {
  return s == UdpImpairmentRelay::kA ? UdpImpairmentRelay::kB : UdpImpairmentRelay::kA;
}

// RFC 7983: 128..191 is RTP or RTCP; RFC 5761 4: RTCP packet types
// 192..223 sit where RTP's marker + payload type would be.
bool is_rtp_or_rtcp(std::span<const std::uint8_t> b) { return b.size() >= 12 && b[0] >= 128 && b[0] <= 191; }
bool is_rtcp(std::span<const std::uint8_t> b) { return is_rtp_or_rtcp(b) && b[1] >= 192 && b[1] <= 223; }

}  // namespace

UdpImpairmentRelay::UdpImpairmentRelay(EventLoop& loop, const ImpairmentConfig& config)
    : loop_(loop), config_(config), rng_{std::mt19937(config.seed), std::mt19937(config.seed + 7919)} {}

UdpImpairmentRelay::~UdpImpairmentRelay() {
  loop_.cancel_timer(timer_);
  for (int fd : fds_)
    if (fd >= 0) {
      loop_.remove_fd(fd);
      ::close(fd);
    }
}

bool UdpImpairmentRelay::open() {
  for (Side s : {kA, kB}) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    fds_[s] = fd;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
    socklen_t len = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return false;
    ports_[s] = ntohs(a.sin_port);
    if (!loop_.add_fd(fd, POLLIN, [this, s](short) { on_readable(s); })) return false;
  }
  return true;
}

void UdpImpairmentRelay::set_endpoint(Side s, std::uint16_t port) {
  sockaddr_in& e = endpoints_[s];
  e = {};
  e.sin_family = AF_INET;
  e.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  e.sin_port = htons(port);
  have_endpoint_[s] = true;
}

std::size_t UdpImpairmentRelay::in_flight() const {
  return static_cast<std::size_t>(std::count_if(held_.begin(), held_.end(), [](const Held& h) { return h.used; }));
}

void UdpImpairmentRelay::on_readable(Side from) {
  std::array<std::uint8_t, limits::kRtpPacketMax> buf{};
  for (;;) {
    sockaddr_in src{};
    socklen_t len = sizeof src;
    ssize_t n = ::recvfrom(fds_[from], buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&src), &len);
    if (n < 0) return;  // EAGAIN (or an ICMP error from a closed peer): nothing more now
    if (!have_endpoint_[from]) {
      endpoints_[from] = src;
      have_endpoint_[from] = true;
    }
    const std::span<const std::uint8_t> pkt = std::span(buf).first(static_cast<std::size_t>(n));
    RelayDirectionStats& st = stats_[from];
    ++st.packets;
    if (outage_) {
      ++st.outage_dropped;
      continue;
    }
    const Side to = other(from);
    if (!is_rtp_or_rtcp(pkt)) {  // STUN, DTLS: untouched, at once
      send_to(to, pkt);
      continue;
    }
    std::mt19937& rng = rng_[from];
    // Two draws per media packet whatever the outcome, so the sequence of
    // decisions does not shift with earlier ones.
    const double u_loss = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    const TimeMs delay = std::uniform_int_distribution<TimeMs>(0, config_.max_delay_ms)(rng);
    const bool rtp = !is_rtcp(pkt);
    if (rtp) {
      ++st.rtp;
      if (u_loss < config_.loss) {
        ++st.rtp_dropped;
        continue;
      }
    }
    hold(to, pkt, delay, rtp);
  }
}

void UdpImpairmentRelay::send_to(Side to, std::span<const std::uint8_t> bytes) {
  if (!have_endpoint_[to]) {
    ++stats_[other(to)].unroutable;
    return;
  }
  // Leaves from the socket `to` talks to, so the source is the address it knows.
  ::sendto(fds_[to], bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&endpoints_[to]),
           sizeof endpoints_[to]);
}

void UdpImpairmentRelay::hold(Side to, std::span<const std::uint8_t> bytes, TimeMs delay, bool is_rtp) {
  auto it = std::find_if(held_.begin(), held_.end(), [](const Held& h) { return !h.used; });
  const std::uint64_t order = ++order_;
  if (it == held_.end() || delay <= 0) {  // full (never at test rates) or no delay: straight through
    if (is_rtp) {
      ++stats_[other(to)].rtp_forwarded;
      if (order < rtp_sent_order_[to]) ++stats_[other(to)].reordered;
      rtp_sent_order_[to] = std::max(rtp_sent_order_[to], order);
    }
    send_to(to, bytes);
    return;
  }
  Held& h = *it;
  h.used = true;
  h.to = to;
  h.due = monotonic_ms() + delay;
  h.rtp = is_rtp;
  h.order = order;
  h.size = static_cast<std::uint16_t>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), h.data.begin());
  rearm();
}

// One timer, armed for the earliest held packet.
void UdpImpairmentRelay::rearm() {
  TimeMs earliest = -1;
  for (const Held& h : held_)
    if (h.used && (earliest < 0 || h.due < earliest)) earliest = h.due;
  if (earliest == timer_due_) return;
  loop_.cancel_timer(timer_);
  timer_due_ = earliest;
  if (earliest >= 0) timer_ = loop_.add_timer_at(earliest, [this] {
    timer_due_ = -1;
    release_due();
  });
}

void UdpImpairmentRelay::release_due() {
  const TimeMs now = monotonic_ms();
  // Oldest deadline first, so equal delays keep their order.
  for (;;) {
    Held* next = nullptr;
    for (Held& h : held_)
      if (h.used && h.due <= now && (!next || h.due < next->due || (h.due == next->due && h.order < next->order)))
        next = &h;
    if (!next) break;
    if (next->rtp) {
      RelayDirectionStats& st = stats_[other(next->to)];
      ++st.rtp_forwarded;
      if (next->order < rtp_sent_order_[next->to]) ++st.reordered;
      rtp_sent_order_[next->to] = std::max(rtp_sent_order_[next->to], next->order);
    }
    send_to(next->to, std::span(next->data).first(next->size));
    next->used = false;
  }
  rearm();
}

}  // namespace dialtone::test
