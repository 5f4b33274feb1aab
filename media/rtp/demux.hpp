// RFC 7983 (updating RFC 5764 5.1.2): what a datagram on the ICE component
// is, from its first byte; RTP and RTCP share a port (rtcp-mux, RFC 5761)
// and are told apart by the second byte (RTCP packet types 192-223).
#pragma once
#include <cstdint>
#include <span>

namespace dialtone::media {

enum class PacketKind { kStun, kZrtp, kDtls, kTurnChannel, kRtp, kRtcp, kUnknown };
const char* to_string(PacketKind k);

PacketKind classify(std::span<const std::uint8_t> datagram);

}  // namespace dialtone::media
