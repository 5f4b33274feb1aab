// Test helper: a two-sided UDP relay on 127.0.0.1 that loses and delays
// (hence reorders) media packets between two endpoints, on the test's own
// EventLoop. Side A talks to port_for(kA), side B to port_for(kB); what
// arrives on one side leaves from the other side's socket towards that
// side's endpoint. Give each party the *other* side's relay port as its
// peer's address (e.g. by rewriting SDP candidate lines) and every packet
// between them, ICE checks included, goes through here.
//
// Only RTP/RTCP (first byte 128..191, RFC 7983) is impaired, so STUN and
// DTLS set the call up deterministically. RTP is dropped with probability
// `loss` and delayed uniformly in [0, max_delay_ms]; RTCP (second byte
// 192..223, RFC 5761) is delayed the same way but never dropped, so the
// counters here are exactly the RTP the receiver could not get. Each
// direction has its own fixed-seed generator, drawn once per media packet
// in the sender's order, so a run is repeatable.
#pragma once
#include <netinet/in.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>

#include "firmware/core/clock.hpp"
#include "firmware/core/event_loop.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::test {

struct ImpairmentConfig {
  double loss = 0;             // RTP drop probability, 0..1
  TimeMs max_delay_ms = 0;     // each RTP/RTCP packet waits uniform [0, this]
  std::uint32_t seed = 1;
};

struct RelayDirectionStats {
  std::uint64_t packets = 0;    // everything that arrived from this side
  std::uint64_t rtp = 0;        // of those, RTP
  std::uint64_t rtp_dropped = 0;
  std::uint64_t rtp_forwarded = 0;
  std::uint64_t reordered = 0;  // RTP sent out after a later-arrived one
  std::uint64_t unroutable = 0; // no endpoint known yet for the other side
  std::uint64_t outage_dropped = 0;  // dropped by set_outage(true)
};

class UdpImpairmentRelay {
 public:
  enum Side { kA = 0, kB = 1 };

  UdpImpairmentRelay(EventLoop& loop, const ImpairmentConfig& config);
  ~UdpImpairmentRelay();
  UdpImpairmentRelay(const UdpImpairmentRelay&) = delete;
  UdpImpairmentRelay& operator=(const UdpImpairmentRelay&) = delete;

  // Binds both sockets on 127.0.0.1 (ephemeral ports). False on error.
  bool open();
  // The port side `s` sends to.
  std::uint16_t port_for(Side s) const { return ports_[s]; }
  // Where packets for side `s` go. Without this, learnt from the first
  // packet that arrives from `s`.
  void set_endpoint(Side s, std::uint16_t port);

  // A network outage: while on, everything (STUN, DTLS, media) is dropped
  // both ways and counted in `outage_dropped`.
  void set_outage(bool on) { outage_ = on; }

  // Stats of packets that came *from* side `s`.
  const RelayDirectionStats& stats(Side s) const { return stats_[s]; }
  std::size_t in_flight() const;

 private:
  struct Held {
    bool used = false;
    Side to = kA;
    TimeMs due = 0;
    bool rtp = false;
    std::uint64_t order = 0;   // RTP arrival order, to count reordering
    std::uint16_t size = 0;
    std::array<std::uint8_t, limits::kRtpPacketMax> data{};
  };
  static constexpr std::size_t kHeldMax = 64;

  void on_readable(Side from);
  void send_to(Side to, std::span<const std::uint8_t> bytes);
  void hold(Side to, std::span<const std::uint8_t> bytes, TimeMs delay, bool is_rtp);
  void rearm();
  void release_due();

  EventLoop& loop_;
  ImpairmentConfig config_;
  std::array<int, 2> fds_{-1, -1};
  std::array<std::uint16_t, 2> ports_{};
  std::array<sockaddr_in, 2> endpoints_{};
  std::array<bool, 2> have_endpoint_{};
  std::array<RelayDirectionStats, 2> stats_{};
  std::array<std::mt19937, 2> rng_;
  std::array<Held, kHeldMax> held_{};
  std::array<std::uint64_t, 2> rtp_sent_order_{};  // highest RTP arrival order sent, per destination
  std::uint64_t order_ = 0;
  bool outage_ = false;
  TimerId timer_;
  TimeMs timer_due_ = -1;
};

}  // namespace dialtone::test
