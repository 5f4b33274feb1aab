#include "media/rtp/rtcp.hpp"

#include <cstring>

#include "media/rtp/byte_io.hpp"

namespace dialtone::media {

const char* to_string(RtcpError e) {
  switch (e) {
    case RtcpError::kOk: return "ok";
    case RtcpError::kTooShort: return "too short";
    case RtcpError::kBadVersion: return "bad version";
    case RtcpError::kBadLength: return "bad length";
  }
  return "?";
}

namespace {

constexpr std::size_t kBlockSize = 24;

ReportBlock read_block(std::span<const std::uint8_t> d, std::size_t at) {
  ReportBlock b;
  b.ssrc = get_u32(d, at);
  b.fraction_lost = d[at + 4];
  std::uint32_t lost = get_u24(d, at + 5);
  b.cumulative_lost = (lost & 0x800000) ? static_cast<std::int32_t>(lost) - 0x1000000 : static_cast<std::int32_t>(lost);
  b.extended_highest_seq = get_u32(d, at + 8);
  b.jitter = get_u32(d, at + 12);
  b.lsr = get_u32(d, at + 16);
  b.dlsr = get_u32(d, at + 20);
  return b;
}

void read_blocks(std::span<const std::uint8_t> body, std::size_t at, std::size_t count, RtcpCompound& out) {
  for (std::size_t i = 0; i < count && at + kBlockSize <= body.size(); ++i, at += kBlockSize)
    if (!out.blocks.push_back(read_block(body, at))) ++out.skipped;
}

// SDES: chunks of (SSRC, items..., 0 terminator, pad to 32 bits).
void read_sdes(std::span<const std::uint8_t> body, std::size_t chunks, RtcpCompound& out) {
  std::size_t at = 0;
  for (std::size_t c = 0; c < chunks && at + 4 <= body.size(); ++c) {
    std::uint32_t ssrc = get_u32(body, at);
    at += 4;
    while (at < body.size() && body[at] != 0) {
      if (at + 2 > body.size()) return;
      std::uint8_t type = body[at], len = body[at + 1];
      if (at + 2 + len > body.size()) return;
      if (type == 1 && out.cname.empty()) {
        out.cname.assign({reinterpret_cast<const char*>(body.data() + at + 2), len});
        out.cname_ssrc = ssrc;
      }
      at += 2 + len;
    }
    at = (at + 4) & ~std::size_t{3};  // past the terminator, to the next word
  }
}

}  // namespace

RtcpError parse_rtcp(std::span<const std::uint8_t> d, RtcpCompound& out) {
  out = RtcpCompound{};
  if (d.size() < 4) return RtcpError::kTooShort;
  std::size_t at = 0;
  while (at < d.size()) {
    if (d.size() - at < 4) return RtcpError::kTooShort;
    if ((d[at] >> 6) != 2) return RtcpError::kBadVersion;
    const std::size_t count = d[at] & 0x1F;
    const std::uint8_t type = d[at + 1];
    const std::size_t bytes = 4 * (std::size_t{get_u16(d, at + 2)} + 1);
    if (at + bytes > d.size()) return RtcpError::kBadLength;
    std::span<const std::uint8_t> body = d.subspan(at + 4, bytes - 4);
    if ((d[at] & 0x20) && at + bytes == d.size()) {
      // Padding is only allowed on the last packet; its last byte counts it.
      std::size_t pad = d[at + bytes - 1];
      if (pad == 0 || pad > body.size()) return RtcpError::kBadLength;
      body = body.first(body.size() - pad);
    }
    ++out.packets;
    switch (type) {
      case rtcp_type::kSr:
        if (body.size() < 24) return RtcpError::kBadLength;
        if (!out.has_sr && !out.has_rr) out.sender_ssrc = get_u32(body, 0);
        if (!out.has_sr) {
          out.sender.ntp = (std::uint64_t{get_u32(body, 4)} << 32) | get_u32(body, 8);
          out.sender.rtp_timestamp = get_u32(body, 12);
          out.sender.packet_count = get_u32(body, 16);
          out.sender.octet_count = get_u32(body, 20);
        }
        out.has_sr = true;
        read_blocks(body, 24, count, out);
        break;
      case rtcp_type::kRr:
        if (body.size() < 4) return RtcpError::kBadLength;
        if (!out.has_sr && !out.has_rr) out.sender_ssrc = get_u32(body, 0);
        out.has_rr = true;
        read_blocks(body, 4, count, out);
        break;
      case rtcp_type::kSdes:
        read_sdes(body, count, out);
        break;
      case rtcp_type::kBye:
        out.has_bye = true;
        for (std::size_t i = 0; i < count && 4 * i + 4 <= body.size(); ++i)
          out.bye_ssrcs.push_back(get_u32(body, 4 * i));
        break;
      default:
        ++out.skipped;
        break;
    }
    at += bytes;
  }
  return RtcpError::kOk;
}

std::uint64_t ntp_from_ms(TimeMs ms) {
  std::uint64_t secs = static_cast<std::uint64_t>(ms / 1000);
  std::uint64_t frac = (static_cast<std::uint64_t>(ms % 1000) << 32) / 1000;
  return (secs << 32) | frac;
}

std::optional<std::uint32_t> rtt_ms(const ReportBlock& b, std::uint64_t now_ntp) {
  if (b.lsr == 0) return std::nullopt;
  std::uint32_t now = ntp_middle(now_ntp);
  std::uint32_t rtt = now - b.lsr - b.dlsr;  // 1/65536 s, modular
  if (static_cast<std::int32_t>(rtt) < 0) rtt = 0;  // clock skew: report zero, not years
  return static_cast<std::uint32_t>((std::uint64_t{rtt} * 1000) >> 16);
}

void RtcpWriter::header(std::size_t at, std::uint8_t count, std::uint8_t type, std::size_t bytes) {
  out_[at] = static_cast<std::uint8_t>(0x80 | count);
  out_[at + 1] = type;
  put_u16(out_, at + 2, static_cast<std::uint16_t>(bytes / 4 - 1));
}

void RtcpWriter::block(std::size_t at, const ReportBlock& b) {
  put_u32(out_, at, b.ssrc);
  out_[at + 4] = b.fraction_lost;
  std::int32_t lost = b.cumulative_lost;
  if (lost > 0x7FFFFF) lost = 0x7FFFFF;  // clamp to 24-bit signed
  if (lost < -0x800000) lost = -0x800000;
  put_u24(out_, at + 5, static_cast<std::uint32_t>(lost) & 0xFFFFFF);
  put_u32(out_, at + 8, b.extended_highest_seq);
  put_u32(out_, at + 12, b.jitter);
  put_u32(out_, at + 16, b.lsr);
  put_u32(out_, at + 20, b.dlsr);
}

bool RtcpWriter::sender_report(std::uint32_t ssrc, const SenderInfo& info, std::span<const ReportBlock> blocks) {
  if (blocks.size() > 31) blocks = blocks.first(31);
  std::size_t bytes = 28 + kBlockSize * blocks.size();
  if (bytes > out_.size() - len_) return false;
  header(len_, static_cast<std::uint8_t>(blocks.size()), rtcp_type::kSr, bytes);
  put_u32(out_, len_ + 4, ssrc);
  put_u32(out_, len_ + 8, static_cast<std::uint32_t>(info.ntp >> 32));
  put_u32(out_, len_ + 12, static_cast<std::uint32_t>(info.ntp));
  put_u32(out_, len_ + 16, info.rtp_timestamp);
  put_u32(out_, len_ + 20, info.packet_count);
  put_u32(out_, len_ + 24, info.octet_count);
  for (std::size_t i = 0; i < blocks.size(); ++i) block(len_ + 28 + kBlockSize * i, blocks[i]);
  len_ += bytes;
  return true;
}

bool RtcpWriter::receiver_report(std::uint32_t ssrc, std::span<const ReportBlock> blocks) {
  if (blocks.size() > 31) blocks = blocks.first(31);
  std::size_t bytes = 8 + kBlockSize * blocks.size();
  if (bytes > out_.size() - len_) return false;
  header(len_, static_cast<std::uint8_t>(blocks.size()), rtcp_type::kRr, bytes);
  put_u32(out_, len_ + 4, ssrc);
  for (std::size_t i = 0; i < blocks.size(); ++i) block(len_ + 8 + kBlockSize * i, blocks[i]);
  len_ += bytes;
  return true;
}

bool RtcpWriter::sdes_cname(std::uint32_t ssrc, std::string_view cname) {
  if (cname.size() > 255) return false;
  // header, SSRC, CNAME item, a zero terminator, padded to 32 bits
  std::size_t bytes = (4 + 4 + 2 + cname.size() + 1 + 3) & ~std::size_t{3};
  if (bytes > out_.size() - len_) return false;
  std::memset(out_.data() + len_, 0, bytes);
  header(len_, 1, rtcp_type::kSdes, bytes);
  put_u32(out_, len_ + 4, ssrc);
  out_[len_ + 8] = 1;  // CNAME
  out_[len_ + 9] = static_cast<std::uint8_t>(cname.size());
  std::memcpy(out_.data() + len_ + 10, cname.data(), cname.size());
  len_ += bytes;
  return true;
}

bool RtcpWriter::bye(std::uint32_t ssrc, std::string_view reason) {
  if (reason.size() > 255) return false;
  std::size_t bytes = 8 + (reason.empty() ? 0 : (1 + reason.size() + 3) & ~std::size_t{3});
  if (bytes > out_.size() - len_) return false;
  std::memset(out_.data() + len_, 0, bytes);
  header(len_, 1, rtcp_type::kBye, bytes);
  put_u32(out_, len_ + 4, ssrc);
  if (!reason.empty()) {
    out_[len_ + 8] = static_cast<std::uint8_t>(reason.size());
    std::memcpy(out_.data() + len_ + 9, reason.data(), reason.size());
  }
  len_ += bytes;
  return true;
}

}  // namespace dialtone::media
