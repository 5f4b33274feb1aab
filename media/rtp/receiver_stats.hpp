// Per-source reception statistics (RFC 3550 appendix A.1, A.3, A.8):
// sequence validation with probation, extended highest sequence, expected
// and lost counts, fraction lost per report interval, interarrival jitter,
// and the LSR/DLSR pair for our next report block.
#pragma once
#include <cstdint>

#include "firmware/core/clock.hpp"
#include "media/rtp/rtcp.hpp"

namespace dialtone::media {

class ReceiverStats {
 public:
  explicit ReceiverStats(std::uint32_t clock_rate) : clock_rate_(clock_rate) {}

  // Every received RTP packet of the source. Returns false while the source
  // is on probation or for a sequence jump that is not yet confirmed (A.1).
  bool on_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, TimeMs arrival);
  // An SR from the source, for LSR/DLSR.
  void on_sender_report(std::uint64_t ntp, TimeMs arrival);

  std::uint32_t extended_highest_seq() const { return cycles_ + max_seq_; }
  std::uint32_t expected() const { return extended_highest_seq() - base_seq_ + 1; }
  std::uint32_t received() const { return received_; }
  std::int64_t lost() const { return static_cast<std::int64_t>(expected()) - received_; }
  std::uint32_t jitter() const { return static_cast<std::uint32_t>(jitter_); }  // timestamp units
  double jitter_ms() const { return jitter_ * 1000.0 / clock_rate_; }
  bool valid() const { return probation_ == 0 && received_ > 0; }

  // The report block about this source; starts a new fraction-lost interval.
  ReportBlock make_report(std::uint32_t ssrc, TimeMs now);

 private:
  void init_seq(std::uint16_t seq);

  std::uint32_t clock_rate_;
  bool started_ = false;
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;  // count of wraps, shifted left 16
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = 0x10001;  // "no bad sequence seen" (A.1)
  std::uint32_t probation_ = 0;
  std::uint32_t received_ = 0;
  std::uint32_t expected_prior_ = 0;
  std::uint32_t received_prior_ = 0;
  bool have_transit_ = false;
  std::int64_t transit_ = 0;
  double jitter_ = 0;
  std::uint32_t lsr_ = 0;
  TimeMs lsr_arrival_ = 0;
  bool have_sr_ = false;
};

}  // namespace dialtone::media
