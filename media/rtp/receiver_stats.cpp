#include "media/rtp/receiver_stats.hpp"

namespace dialtone::media {
namespace {
constexpr std::uint32_t kMaxDropout = 3000;
constexpr std::uint32_t kMaxMisorder = 100;
constexpr std::uint32_t kMinSequential = 2;
constexpr std::uint32_t kSeqMod = 1u << 16;
}  // namespace

void ReceiverStats::init_seq(std::uint16_t seq) {
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = kSeqMod + 1;
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
}

bool ReceiverStats::on_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, TimeMs arrival) {
  if (!started_) {
    started_ = true;
    init_seq(seq);
    max_seq_ = static_cast<std::uint16_t>(seq - 1);
    probation_ = kMinSequential;
  }
  const std::uint16_t udelta = static_cast<std::uint16_t>(seq - max_seq_);
  bool counted = true;
  if (probation_) {
    // The source is valid only after kMinSequential packets in a row.
    if (seq == static_cast<std::uint16_t>(max_seq_ + 1)) {
      --probation_;
      max_seq_ = seq;
      if (probation_ == 0) {
        init_seq(seq);
        ++received_;
      } else {
        counted = false;
      }
    } else {
      probation_ = kMinSequential - 1;
      max_seq_ = seq;
      counted = false;
    }
  } else if (udelta < kMaxDropout) {
    if (seq < max_seq_) cycles_ += kSeqMod;  // wrapped
    max_seq_ = seq;
    ++received_;
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // A large jump: accept it only if the next packet follows it (the
    // sender restarted), otherwise drop it.
    if (seq == bad_seq_) {
      init_seq(seq);
      ++received_;
    } else {
      bad_seq_ = (seq + 1u) & (kSeqMod - 1);
      counted = false;
    }
  } else {
    ++received_;  // duplicate or reordered
  }
  if (!counted) return false;

  // A.8: transit = arrival - timestamp in timestamp units; J += (|D| - J)/16.
  std::int64_t arrival_ts = arrival * static_cast<std::int64_t>(clock_rate_) / 1000;
  std::int64_t transit = arrival_ts - static_cast<std::int64_t>(rtp_timestamp);
  if (have_transit_) {
    std::int64_t d = transit - transit_;
    // Timestamps wrap at 2^32: fold the difference into a signed 32-bit range.
    d = static_cast<std::int32_t>(static_cast<std::uint32_t>(d));
    if (d < 0) d = -d;
    jitter_ += (static_cast<double>(d) - jitter_) / 16.0;
  }
  transit_ = transit;
  have_transit_ = true;
  return true;
}

void ReceiverStats::on_sender_report(std::uint64_t ntp, TimeMs arrival) {
  lsr_ = ntp_middle(ntp);
  lsr_arrival_ = arrival;
  have_sr_ = true;
}

ReportBlock ReceiverStats::make_report(std::uint32_t ssrc, TimeMs now) {
  ReportBlock b;
  b.ssrc = ssrc;
  if (valid()) {
    // A.3: fraction lost over the interval since the previous report.
    std::uint32_t expected_now = expected();
    std::uint32_t expected_interval = expected_now - expected_prior_;
    std::uint32_t received_interval = received_ - received_prior_;
    expected_prior_ = expected_now;
    received_prior_ = received_;
    std::int64_t lost_interval = static_cast<std::int64_t>(expected_interval) - received_interval;
    b.fraction_lost = (expected_interval == 0 || lost_interval <= 0)
                          ? 0
                          : static_cast<std::uint8_t>((lost_interval << 8) / expected_interval);
    std::int64_t lost_total = lost();
    if (lost_total > 0x7FFFFF) lost_total = 0x7FFFFF;
    if (lost_total < -0x800000) lost_total = -0x800000;
    b.cumulative_lost = static_cast<std::int32_t>(lost_total);
    b.extended_highest_seq = extended_highest_seq();
    b.jitter = jitter();
  }
  if (have_sr_) {
    b.lsr = lsr_;
    b.dlsr = static_cast<std::uint32_t>(((now - lsr_arrival_) * 65536) / 1000);
  }
  return b;
}

}  // namespace dialtone::media
