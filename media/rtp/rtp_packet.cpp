#include "media/rtp/rtp_packet.hpp"

#include <cstring>

#include "media/rtp/byte_io.hpp"

namespace dialtone::media {

const char* to_string(RtpError e) {
  switch (e) {
    case RtpError::kOk: return "ok";
    case RtpError::kTooShort: return "too short";
    case RtpError::kBadVersion: return "bad version";
    case RtpError::kBadLength: return "bad length";
    case RtpError::kBadPadding: return "bad padding";
  }
  return "?";
}

RtpError parse_rtp(std::span<const std::uint8_t> d, RtpPacket& p) {
  if (d.size() < kRtpHeaderMin) return RtpError::kTooShort;
  if ((d[0] >> 6) != 2) return RtpError::kBadVersion;
  const bool padding = (d[0] & 0x20) != 0;
  p.has_extension = (d[0] & 0x10) != 0;
  p.csrc_count = d[0] & 0x0F;
  p.marker = (d[1] & 0x80) != 0;
  p.payload_type = d[1] & 0x7F;
  p.sequence = get_u16(d, 2);
  p.timestamp = get_u32(d, 4);
  p.ssrc = get_u32(d, 8);
  std::size_t at = kRtpHeaderMin + 4u * p.csrc_count;
  if (at > d.size()) return RtpError::kBadLength;
  for (std::size_t i = 0; i < p.csrc_count; ++i) p.csrc[i] = get_u32(d, kRtpHeaderMin + 4 * i);
  p.extension_profile = 0;
  p.extension = {};
  if (p.has_extension) {
    if (at + 4 > d.size()) return RtpError::kBadLength;
    p.extension_profile = get_u16(d, at);
    std::size_t words = get_u16(d, at + 2);
    at += 4;
    if (at + 4 * words > d.size()) return RtpError::kBadLength;
    p.extension = d.subspan(at, 4 * words);
    at += 4 * words;
  }
  std::size_t end = d.size();
  p.padding = 0;
  if (padding) {
    // The last byte counts the padding, itself included (RFC 3550 5.1).
    std::uint8_t n = d[end - 1];
    if (n == 0 || n > end - at) return RtpError::kBadPadding;
    p.padding = n;
    end -= n;
  }
  p.payload = d.subspan(at, end - at);
  return RtpError::kOk;
}

std::size_t rtp_header_size(const RtpHeader& h) {
  if (h.csrc.size() > kRtpCsrcMax || h.payload_type > 127) return 0;
  if (h.extension.size() % 4 != 0 || h.extension.size() / 4 > 0xFFFF) return 0;
  std::size_t n = kRtpHeaderMin + 4 * h.csrc.size();
  if (h.has_extension) n += 4 + h.extension.size();
  return n;
}

std::size_t write_rtp_header(const RtpHeader& h, std::span<std::uint8_t> out) {
  std::size_t n = rtp_header_size(h);
  if (n == 0 || n > out.size()) return 0;
  out[0] = static_cast<std::uint8_t>(0x80 | (h.padding ? 0x20 : 0) | (h.has_extension ? 0x10 : 0) | h.csrc.size());
  out[1] = static_cast<std::uint8_t>((h.marker ? 0x80 : 0) | h.payload_type);
  put_u16(out, 2, h.sequence);
  put_u32(out, 4, h.timestamp);
  put_u32(out, 8, h.ssrc);
  std::size_t at = kRtpHeaderMin;
  for (std::uint32_t c : h.csrc) {
    put_u32(out, at, c);
    at += 4;
  }
  if (h.has_extension) {
    put_u16(out, at, h.extension_profile);
    put_u16(out, at + 2, static_cast<std::uint16_t>(h.extension.size() / 4));
    at += 4;
    if (!h.extension.empty()) std::memcpy(out.data() + at, h.extension.data(), h.extension.size());
  }
  return n;
}

std::size_t write_rtp(const RtpHeader& h, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out) {
  std::size_t n = rtp_header_size(h);
  if (n == 0 || n + payload.size() + h.padding > out.size()) return 0;
  write_rtp_header(h, out);
  if (!payload.empty()) std::memcpy(out.data() + n, payload.data(), payload.size());
  n += payload.size();
  if (h.padding) {
    std::memset(out.data() + n, 0, h.padding);
    n += h.padding;
    out[n - 1] = h.padding;
  }
  return n;
}

}  // namespace dialtone::media
