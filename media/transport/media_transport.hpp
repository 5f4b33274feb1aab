// MediaTransport: the network half of one call's audio. ICE (IceAgent) +
// DTLS-SRTP (DtlsSrtp) + the RFC 7983 demultiplexer, on our EventLoop.
//
// What the audio session (SDP + codecs) does with it:
//
//   MediaTransport t(loop, glib_ctx, certificate);
//   t.start(ice_config, callbacks);          // gathering starts
//   on_gathering_done -> put local_ufrag/pwd/candidates/fingerprint in SDP
//   t.set_remote({ufrag, pwd, candidates, fingerprint, our DTLS role});
//   on_connected      -> SRTP keys exist; send_rtp/send_rtcp work
//   on_rtp / on_rtcp  -> plain (unprotected) packets from the peer
//   on_failed(reason) -> final: ICE never found a pair, DTLS failed or closed
//   on_path_lost(reason) -> after on_connected, the path died (consent lost:
//                      the network changed or dropped). Not final: DTLS and
//                      SRTP keep their keys, and an ICE restart can bring
//                      the call back (on_connected again when it does)
//   t.restart_ice() -> on_gathering_done (new ufrag/pwd) -> set_remote() again;
//                      DTLS and SRTP stay as they are.
//   t.close()         (also from the destructor)
//
// DTLS role: kClient when our a=setup is "active" (the usual answerer), else
// kServer. ICE role: IceConfig::controlling (the offerer controls).
// The DTLS client starts only once ICE has a selected pair; a server's
// datagrams wait in DtlsSrtp's queue until ICE has a pair.
//
// Per packet nothing is allocated by our code: RTP is protected in a fixed
// member buffer, received packets are unprotected in place in another.
// Callbacks run on the loop thread; they must not destroy the transport.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/core/limits.hpp"
#include "media/dtls/dtls_srtp.hpp"
#include "media/ice/ice_agent.hpp"

namespace dialtone::media {

struct RemoteDescription {
  std::string_view ice_ufrag;
  std::string_view ice_pwd;
  std::span<const std::string_view> candidates;  // "a=candidate:..." lines
  std::string_view fingerprint;                  // a=fingerprint value, "sha-256 AB:.."
  DtlsRole dtls_role = DtlsRole::kClient;        // OUR role (a=setup:active -> kClient)
};


class MediaTransport {
 public:
  struct Callbacks {
    InplaceFunction<void(), 32> on_gathering_done;
    InplaceFunction<void(), 32> on_connected;
    InplaceFunction<void(std::string_view reason), 32> on_failed;
    InplaceFunction<void(std::string_view reason), 32> on_path_lost;
    InplaceFunction<void(std::span<const std::uint8_t> rtp), 32> on_rtp;
    InplaceFunction<void(std::span<const std::uint8_t> rtcp), 32> on_rtcp;
  };
  struct Stats {
    std::uint64_t rtp_sent = 0, rtcp_sent = 0, rtp_received = 0, rtcp_received = 0;
    std::uint64_t unprotect_failures = 0, send_failures = 0, dropped_before_keys = 0;
    TimeMs set_remote_at = -1, ice_connected_at = -1, dtls_connected_at = -1;
  };

  // `cert` must outlive the transport; `ctx` is the context `loop` pumps.
  MediaTransport(EventLoop& loop, GMainContext* ctx, const DtlsCertificate& cert);
  ~MediaTransport();
  MediaTransport(const MediaTransport&) = delete;
  MediaTransport& operator=(const MediaTransport&) = delete;

  bool start(const IceConfig& ice, Callbacks callbacks);

  // Valid from on_gathering_done.
  std::string_view local_ufrag() const { return ice_.local_ufrag(); }
  std::string_view local_pwd() const { return ice_.local_pwd(); }
  std::span<const CandidateLine> local_candidates() const { return ice_.local_candidates(); }
  std::string_view local_fingerprint() const { return cert_.fingerprint(); }

  bool set_remote(const RemoteDescription& remote);
  bool restart_ice();

  // Plain RTP/RTCP in (at most limits::kRtpPacketMax bytes); false before
  // on_connected, or on a protect/send error.
  bool send_rtp(std::span<const std::uint8_t> rtp);
  bool send_rtcp(std::span<const std::uint8_t> rtcp);

  // At every audio tick, before the frame is played: reads every datagram
  // queued on the media socket. From the first tick with DTLS up, that
  // socket is no longer polled for (EventLoop::defer_fd): the loop then
  // wakes once per frame, for the audio clock, instead of once more per
  // datagram. Media waits at most one frame in the kernel; the jitter
  // buffer holds at least two (limits::kJitterMinDelayMs), and the tick reads
  // before it plays. Until DTLS is up, while ICE restarts or after the path
  // is lost, the socket is polled as usual, so handshakes and checks stay
  // prompt; STUN from the peer on the deferred socket (consent checks,
  // keepalives) waits for the tick, well inside their timeouts. A relayed
  // pair stays polled (its socket is not known: IceAgent::selected_fd).
  void read_queued();
  bool reading_at_tick() const { return tick_fd_ >= 0; }

  void close();

  bool connected() const { return connected_; }
  bool failed() const { return failed_; }
  bool path_lost() const { return path_lost_; }
  CandidateType selected_local_type() const { return ice_.selected_local_type(); }
  const Stats& stats() const { return stats_; }

 private:
  void on_selected_pair();
  void on_ice_state(IceState s);
  void on_datagram(std::span<const std::uint8_t> d);
  void start_dtls();
  void after_dtls();
  void fail(std::string_view reason);
  bool send_protected(std::span<const std::uint8_t> plain, bool rtcp);
  void stop_tick_reading();

  EventLoop& loop_;
  const DtlsCertificate& cert_;
  IceAgent ice_;
  DtlsSrtp dtls_;
  Callbacks cb_;
  TimerId dtls_timer_;
  TimeMs dtls_deadline_ = -1;

  DtlsRole role_ = DtlsRole::kClient;
  FingerprintText remote_fingerprint_;
  bool remote_set_ = false;
  bool dtls_started_ = false;
  bool connected_ = false;
  bool failed_ = false;
  bool path_lost_ = false;  // was connected; ICE lost the path; restart_ice() may recover
  bool closed_ = false;
  bool awaiting_pair_ = false;    // an ICE restart runs: its checks must stay prompt
  bool tick_fd_looked_up_ = false;  // for this pair (none for a relayed one)
  int tick_fd_ = -1;              // the deferred media socket

  // A DTLS datagram that arrived before DTLS was started (a fast peer's
  // ClientHello); replayed at start instead of waiting for its retransmit.
  std::uint8_t early_[limits::kDtlsDatagramMax];
  std::size_t early_len_ = 0;

  std::uint8_t tx_[limits::kRtpPacketMax + DtlsSrtp::kSrtpOverheadMax];
  std::uint8_t rx_[limits::kRtpPacketMax + DtlsSrtp::kSrtpOverheadMax];
  Stats stats_;
};

}  // namespace dialtone::media
