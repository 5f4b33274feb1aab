// Every capacity of the agent, in one place. Sizing a board is editing this
// file; nothing else in the tree picks a buffer size of its own.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dialtone::limits {

// Event loop
inline constexpr std::size_t kMaxFds = 64;          // sockets, timerfd, ALSA, GPIO, control
inline constexpr std::size_t kMaxTimers = 64;       // armed timers at once
inline constexpr std::size_t kMaxGlibFds = 32;      // GPollFDs libnice may ask us to watch

// Calls and media
inline constexpr std::size_t kMaxCalls = 2;          // one active + one waiting
inline constexpr std::size_t kSampleRateMax = 48000;
inline constexpr std::size_t kFrameMs = 20;
inline constexpr std::size_t kFrameSamplesMax = kSampleRateMax * kFrameMs / 1000;  // 960
inline constexpr std::size_t kJitterSlots = 16;      // 320 ms of 20 ms frames
inline constexpr std::size_t kRtpPacketMax = 1500;
inline constexpr std::size_t kSdpMax = 8 * 1024;
inline constexpr std::size_t kIceCandidatesMax = 16;

// ---- Media network: ICE, DTLS-SRTP, transport (media/ice, dtls, transport) --
inline constexpr std::size_t kIceHostAddressesMax = 8;     // ice.host_addresses entries
inline constexpr std::size_t kIceAddressMax = 46;          // an IPv6 literal (INET6_ADDRSTRLEN)
inline constexpr std::size_t kIceUfragPwdMax = 256;        // RFC 8839: ufrag/pwd <= 256 chars
inline constexpr std::size_t kIceCandidateLineMax = 256;   // one "a=candidate:..." line
inline constexpr std::size_t kTurnCredentialMax = 128;     // TURN user name or password
inline constexpr std::size_t kDtlsMtu = 1200;              // DTLS record size limit; fits any path
inline constexpr std::size_t kDtlsDatagramMax = 1500;      // one outgoing DTLS datagram
inline constexpr std::size_t kDtlsOutQueue = 8;            // datagrams queued per handshake flight
inline constexpr std::size_t kDtlsPemMax = 2048;           // our certificate or key as PEM

// Signalling
inline constexpr std::size_t kHttpHeaderMax = 8 * 1024;
inline constexpr std::size_t kHttpBodyMax = 32 * 1024;
inline constexpr std::size_t kWsFrameMax = 64 * 1024;  // larger -> close 1009
inline constexpr std::size_t kNotificationIdsRemembered = 64;
inline constexpr std::size_t kUrlMax = 1024;
inline constexpr std::size_t kTokenMax = 4096;
inline constexpr std::size_t kJsonArenaBytes = 96 * 1024;  // cJSON arena, reset per message

// Handset
inline constexpr std::size_t kDialDigitsMax = 32;

// Control socket
inline constexpr std::size_t kControlClientsMax = 8;
inline constexpr std::size_t kControlLineMax = 4096;
inline constexpr std::size_t kControlOutMax = 16 * 1024;  // queued events per client

// Web page
inline constexpr std::size_t kWebClientsMax = 4;

// Config
inline constexpr std::size_t kConfigFileMax = 64 * 1024;
inline constexpr std::size_t kPathMax = 256;

}  // namespace dialtone::limits
