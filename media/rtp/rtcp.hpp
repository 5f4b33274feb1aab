// RTCP (RFC 3550 section 6): sender and receiver reports, SDES CNAME, BYE,
// read from a compound packet and written into the caller's buffer. Other
// packet types (APP, feedback, XR) are counted and skipped.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::media {

enum class RtcpError { kOk, kTooShort, kBadVersion, kBadLength };
const char* to_string(RtcpError e);

namespace rtcp_type {
inline constexpr std::uint8_t kSr = 200, kRr = 201, kSdes = 202, kBye = 203, kApp = 204;
}

struct ReportBlock {
  std::uint32_t ssrc = 0;           // the source this block is about
  std::uint8_t fraction_lost = 0;   // since the last report, /256
  std::int32_t cumulative_lost = 0; // 24-bit signed (duplicates can make it negative)
  std::uint32_t extended_highest_seq = 0;
  std::uint32_t jitter = 0;         // RTP timestamp units
  std::uint32_t lsr = 0;            // middle 32 bits of the last SR's NTP time
  std::uint32_t dlsr = 0;           // delay since that SR, 1/65536 s
};

struct SenderInfo {
  std::uint64_t ntp = 0;
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packet_count = 0;
  std::uint32_t octet_count = 0;
};

struct RtcpCompound {
  std::size_t packets = 0;
  std::size_t skipped = 0;   // types we do not read, or beyond capacity
  bool has_sr = false;
  bool has_rr = false;
  std::uint32_t sender_ssrc = 0;  // of the first SR/RR
  SenderInfo sender;
  FixedVector<ReportBlock, limits::kRtcpReportBlocksMax> blocks;
  FixedString<255> cname;  // SDES CNAME of the first chunk that has one
  std::uint32_t cname_ssrc = 0;
  bool has_bye = false;
  FixedVector<std::uint32_t, 4> bye_ssrcs;
};

// Reads every packet of a compound RTCP datagram (after SRTCP unprotect).
RtcpError parse_rtcp(std::span<const std::uint8_t> data, RtcpCompound& out);

// NTP helpers. The clock behind `TimeMs` is ours to choose: the NTP value
// only has to be echoed back (LSR) for round-trip time.
std::uint64_t ntp_from_ms(TimeMs ms);
inline std::uint32_t ntp_middle(std::uint64_t ntp) { return static_cast<std::uint32_t>(ntp >> 16); }
// Round trip from a report block about our stream, received at `now_ntp`:
// now - LSR - DLSR (RFC 3550 6.4.1). nullopt if the peer has had no SR yet.
std::optional<std::uint32_t> rtt_ms(const ReportBlock& b, std::uint64_t now_ntp);

// Appends RTCP packets to a buffer; each call returns false (and writes
// nothing) if the packet would not fit.
class RtcpWriter {
 public:
  explicit RtcpWriter(std::span<std::uint8_t> out) : out_(out) {}
  bool sender_report(std::uint32_t ssrc, const SenderInfo& info, std::span<const ReportBlock> blocks);
  bool receiver_report(std::uint32_t ssrc, std::span<const ReportBlock> blocks);
  bool sdes_cname(std::uint32_t ssrc, std::string_view cname);
  bool bye(std::uint32_t ssrc, std::string_view reason = {});
  std::size_t size() const { return len_; }
  std::span<const std::uint8_t> bytes() const { return out_.first(len_); }

 private:
  void header(std::size_t at, std::uint8_t count, std::uint8_t type, std::size_t bytes);
  void block(std::size_t at, const ReportBlock& b);
  std::span<std::uint8_t> out_;
  std::size_t len_ = 0;
};

}  // namespace dialtone::media
