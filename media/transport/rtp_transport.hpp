// RtpTransport: the network half of a SIP peer's audio without ICE
// (sip-line.md section 5): RTP/AVP, and RTP/SAVP keyed by SDES.
//
//   RtpTransport t(loop);
//   t.open("192.0.2.10", callbacks);   // binds RTP on an even port, RTCP on +1
//   local_address()/rtp_port()/rtcp_port() -> c=, m= and a=rtcp of our SDP
//   t.set_remote({address, rtp_port, rtcp_port, rtcp_mux});  // from theirs
//   t.set_srtp(suite, our_key, their_key);   // RTP/SAVP only (or set_plain())
//   send_rtp / send_rtcp (plain in; protected here for SRTP)
//   on_rtp / on_rtcp  -> plain packets from the peer (authenticated for SRTP)
//
// Symmetric RTP (RFC 4961): we send from the socket we receive on, to the
// peer's c=/m= address (RTCP to a=rtcp, else port + 1; or muxed on the RTP
// port). Latching: the first valid packet on a socket (RTP version 2, and
// authenticated when SRTP is on) fixes where that socket sends from then on,
// so a peer behind a NAT is reached at the address its packets come from.
// After that, packets from any other address are dropped (counted); a new
// remote address from a renegotiation starts latching again. Before the
// first set_remote (the offer/answer is not complete, SDES keys are not
// known) every packet is dropped.
//
// Per packet nothing is allocated: fixed member buffers, protect and
// unprotect in place. libsrtp allocates when keys are set (set-up and
// renegotiation only). Callbacks run on the loop thread.
#pragma once
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/core/limits.hpp"
#include "media/srtp/srtp_session.hpp"

namespace dialtone::media {

struct RemoteRtp {
  std::string_view address;     // IP literal from c=; "0.0.0.0" or "::" = none yet
  std::uint16_t rtp_port = 0;   // m= port
  std::uint16_t rtcp_port = 0;  // a=rtcp; 0 = rtp_port + 1
  bool rtcp_mux = false;
};

class RtpTransport {
 public:
  struct Callbacks {
    InplaceFunction<void(std::span<const std::uint8_t> rtp), 32> on_rtp;
    InplaceFunction<void(std::span<const std::uint8_t> rtcp), 32> on_rtcp;
  };
  struct Stats {
    std::uint64_t rtp_sent = 0, rtcp_sent = 0, rtp_received = 0, rtcp_received = 0;
    std::uint64_t unprotect_failures = 0, send_failures = 0;
    std::uint64_t invalid = 0;          // not RTP/RTCP version 2
    std::uint64_t before_remote = 0;    // arrived before set_remote: dropped, never latched on
    std::uint64_t foreign_dropped = 0;  // from another address than the latched one
    std::uint32_t latch_moves = 0;      // latching changed where we send
  };

  // The address to use when none is configured: the first IPv4 address of
  // an interface that is up and not loopback. Set-up time only
  // (getifaddrs allocates). False if there is none.
  static bool default_host_address(FixedString<limits::kIceAddressMax>& out);

  explicit RtpTransport(EventLoop& loop);
  ~RtpTransport();
  RtpTransport(const RtpTransport&) = delete;
  RtpTransport& operator=(const RtpTransport&) = delete;

  // Binds the RTP socket on an even port of `host_address` (an IP literal)
  // and RTCP on the next one. False (logged) if that fails.
  bool open(std::string_view host_address, Callbacks callbacks);
  bool is_open() const { return rtp_fd_ >= 0; }
  std::string_view local_address() const { return local_address_.view(); }
  std::uint16_t rtp_port() const { return rtp_port_; }
  std::uint16_t rtcp_port() const { return static_cast<std::uint16_t>(rtp_port_ + 1); }

  // False if the address is not an IP literal of our socket's family.
  bool set_remote(const RemoteRtp& remote);
  // SRTP from now on. A key equal to the one in use keeps that direction's
  // context (its rollover counter and replay window); a new key starts a
  // new one. False: libsrtp refused; then nothing is sent or accepted.
  bool set_srtp(SrtpSuite suite, std::span<const std::uint8_t> our_key, std::span<const std::uint8_t> their_key);
  void set_plain();
  bool srtp() const { return srtp_on_; }

  // Plain RTP/RTCP in (at most limits::kRtpPacketMax bytes). False when
  // there is nowhere to send yet, or on a protect/send error.
  bool send_rtp(std::span<const std::uint8_t> rtp);
  bool send_rtcp(std::span<const std::uint8_t> rtcp);

  // At every audio tick, before the frame is played: reads every datagram
  // queued on the RTP socket (recvfrom until it would block; at most 64,
  // over a second of audio). Once the offer/answer is complete (set_remote),
  // the RTP socket is no longer polled for (EventLoop::defer_fd): the loop
  // wakes once per frame, for the audio clock. There is no handshake to keep
  // prompt; media waits at most one frame in the kernel, which the jitter
  // buffer absorbs. The RTCP socket (one report in seconds) stays polled.
  void read_queued();
  bool reading_at_tick() const { return rtp_deferred_; }

  void close();

  bool has_destination() const { return rtp_dest_len_ != 0; }
  bool latched() const { return rtp_latched_; }
  // Where RTP goes now (after latching, where the peer's RTP came from).
  std::uint16_t rtp_destination_port() const;
  const Stats& stats() const { return stats_; }

 private:
  void on_readable(bool rtcp_socket);
  void handle(bool rtcp_socket, std::size_t len, const sockaddr_storage& from, socklen_t from_len);
  bool send_on(bool rtcp_socket, std::span<const std::uint8_t> plain, bool is_rtcp);
  void close_fds();

  EventLoop& loop_;
  Callbacks cb_;
  int rtp_fd_ = -1;
  bool rtp_deferred_ = false;  // read at the audio tick (read_queued)
  bool defer_refused_ = false;
  int rtcp_fd_ = -1;
  int family_ = AF_INET;
  FixedString<limits::kIceAddressMax> local_address_;
  std::uint16_t rtp_port_ = 0;

  // Destinations, per socket; a zero length means none.
  sockaddr_storage rtp_dest_{};
  socklen_t rtp_dest_len_ = 0;
  sockaddr_storage rtcp_dest_{};
  socklen_t rtcp_dest_len_ = 0;
  bool rtcp_mux_ = false;
  bool remote_set_ = false;  // until then (keys included) nothing is accepted
  bool rtp_latched_ = false;
  bool rtcp_latched_ = false;
  FixedString<limits::kIceAddressMax> remote_address_;  // as the SDP said, to see it change
  std::uint16_t remote_rtp_port_ = 0, remote_rtcp_port_ = 0;

  SrtpSession srtp_;
  bool srtp_on_ = false;
  std::array<std::uint8_t, SrtpSession::kKeySaltLen> our_key_{};
  std::array<std::uint8_t, SrtpSession::kKeySaltLen> their_key_{};
  SrtpSuite suite_ = SrtpSuite::kAesCm128HmacSha1_80;

  std::array<std::uint8_t, limits::kRtpPacketMax + SrtpSession::kOverheadMax> tx_{};
  std::array<std::uint8_t, limits::kRtpPacketMax + SrtpSession::kOverheadMax> rx_{};
  Stats stats_;
};

}  // namespace dialtone::media
