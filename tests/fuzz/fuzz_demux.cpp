// RFC 7983 demultiplexer, then the parser it routes to.
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/rtp/demux.hpp"
#include "media/rtp/rtcp.hpp"
#include "media/rtp/rtp_packet.hpp"

using namespace dialtone::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  switch (classify(bytes)) {
    case PacketKind::kRtp: {
      // classify() checked version and fixed-header length, so the parser
      // may only object to what comes after (CSRCs, extension, padding).
      RtpPacket p;
      RtpError e = parse_rtp(bytes, p);
      if (e == RtpError::kTooShort || e == RtpError::kBadVersion) __builtin_trap();
      break;
    }
    case PacketKind::kRtcp: {
      RtcpCompound c;  // any packet after the first may still be garbage
      parse_rtcp(bytes, c);
      break;
    }
    case PacketKind::kStun:
    case PacketKind::kZrtp:
    case PacketKind::kDtls:
    case PacketKind::kTurnChannel:
    case PacketKind::kUnknown:
      break;
  }
  return 0;
}
