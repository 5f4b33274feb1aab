// RTP packets (RFC 3550 section 5.1): parse into a view over the caller's
// bytes, build into the caller's buffer. CSRCs, the header extension
// (RFC 8285 or any profile) and padding are handled; nothing is copied.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace dialtone::media {

enum class RtpError { kOk, kTooShort, kBadVersion, kBadLength, kBadPadding };
const char* to_string(RtpError e);

inline constexpr std::size_t kRtpHeaderMin = 12;
inline constexpr std::size_t kRtpCsrcMax = 15;

struct RtpPacket {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::uint8_t csrc_count = 0;
  std::array<std::uint32_t, kRtpCsrcMax> csrc{};
  bool has_extension = false;
  std::uint16_t extension_profile = 0;       // 0xBEDE: one-byte RFC 8285 elements
  std::span<const std::uint8_t> extension;   // the extension's words, without its 4-byte header
  std::uint8_t padding = 0;                  // padding bytes removed from the end
  std::span<const std::uint8_t> payload;
};

RtpError parse_rtp(std::span<const std::uint8_t> data, RtpPacket& out);

// What to write. `extension` must be a whole number of 32-bit words.
struct RtpHeader {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::span<const std::uint32_t> csrc;
  bool has_extension = false;
  std::uint16_t extension_profile = 0;
  std::span<const std::uint8_t> extension;
  std::uint8_t padding = 0;  // total padding bytes to append (0 = none)
};

// Header size for `h` (12 + 4*CSRC + extension), or 0 if `h` is invalid.
std::size_t rtp_header_size(const RtpHeader& h);
// Writes the header only (so a codec can encode straight after it); returns
// its size, or 0 if `out` is too small or `h` invalid. Padding is not written.
std::size_t write_rtp_header(const RtpHeader& h, std::span<std::uint8_t> out);
// Header + payload + padding; returns the packet size, or 0 if it does not fit.
std::size_t write_rtp(const RtpHeader& h, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out);

}  // namespace dialtone::media
