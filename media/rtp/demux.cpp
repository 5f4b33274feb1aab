#include "media/rtp/demux.hpp"

namespace dialtone::media {

const char* to_string(PacketKind k) {
  switch (k) {
    case PacketKind::kStun: return "stun";
    case PacketKind::kZrtp: return "zrtp";
    case PacketKind::kDtls: return "dtls";
    case PacketKind::kTurnChannel: return "turn-channel";
    case PacketKind::kRtp: return "rtp";
    case PacketKind::kRtcp: return "rtcp";
    case PacketKind::kUnknown: return "unknown";
  }
  return "unknown";
}

PacketKind classify(std::span<const std::uint8_t> d) {
  if (d.empty()) return PacketKind::kUnknown;
  const std::uint8_t b = d[0];
  if (b <= 3) return d.size() >= 20 ? PacketKind::kStun : PacketKind::kUnknown;  // STUN header is 20 bytes
  if (b >= 16 && b <= 19) return PacketKind::kZrtp;
  if (b >= 20 && b <= 63) return d.size() >= 13 ? PacketKind::kDtls : PacketKind::kUnknown;  // record header
  if (b >= 64 && b <= 79) return PacketKind::kTurnChannel;
  if (b >= 128 && b <= 191) {
    if (d.size() < 2) return PacketKind::kUnknown;
    const std::uint8_t pt = d[1];
    if (pt >= 192 && pt <= 223) return d.size() >= 8 ? PacketKind::kRtcp : PacketKind::kUnknown;
    return d.size() >= 12 ? PacketKind::kRtp : PacketKind::kUnknown;
  }
  return PacketKind::kUnknown;
}

}  // namespace dialtone::media
