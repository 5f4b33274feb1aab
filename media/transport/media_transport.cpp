#include "media/transport/media_transport.hpp"

#include "media/rtp/demux.hpp"

#include <cstring>

#include "firmware/core/log.hpp"

namespace dialtone::media {

namespace {
constexpr const char* kMod = "transport";
}

MediaTransport::MediaTransport(EventLoop& loop, GMainContext* ctx, const DtlsCertificate& cert)
    : loop_(loop), cert_(cert), ice_(ctx) {}

MediaTransport::~MediaTransport() { close(); }

bool MediaTransport::start(const IceConfig& ice, Callbacks callbacks) {
  cb_ = std::move(callbacks);
  if (!dtls_.init(cert_)) return false;
  IceAgent::Callbacks ic;
  ic.on_gathering_done = [this] {
    if (cb_.on_gathering_done) cb_.on_gathering_done();
  };
  ic.on_state = [this](IceState s) { on_ice_state(s); };
  ic.on_selected_pair = [this](CandidateType, CandidateType) { on_selected_pair(); };
  ic.on_datagram = [this](std::span<const std::uint8_t> d) { on_datagram(d); };
  return ice_.start(ice, std::move(ic));
}

bool MediaTransport::set_remote(const RemoteDescription& r) {
  if (closed_ || failed_) return false;
  if (dtls_started_ && r.fingerprint != remote_fingerprint_.view()) {
    // A new certificate needs a new DTLS association: a new transport.
    DT_LOGW(kMod, "remote fingerprint changed after DTLS started; ignored");
  }
  if (!dtls_started_) {
    role_ = r.dtls_role;
    remote_fingerprint_.assign(r.fingerprint);
  }
  if (!ice_.set_remote(r.ice_ufrag, r.ice_pwd, r.candidates)) {
    fail("ICE: the remote description has no usable credentials or candidates");
    return false;
  }
  if (!remote_set_) stats_.set_remote_at = loop_.now();
  remote_set_ = true;
  // A server only answers, so it may start now; a client waits for a pair.
  if (role_ == DtlsRole::kServer || ice_.has_selected_pair()) start_dtls();
  return !failed_;
}

bool MediaTransport::restart_ice() {
  if (closed_ || failed_) return false;
  stop_tick_reading();
  awaiting_pair_ = true;  // libnice selects a new pair once the new checks end
  return ice_.restart();
}

void MediaTransport::read_queued() {
  if (closed_ || failed_) return;
  if (!connected_ || awaiting_pair_) {
    stop_tick_reading();
    return;
  }
  if (tick_fd_ < 0 && !tick_fd_looked_up_) {
    tick_fd_looked_up_ = true;
    const int fd = ice_.selected_fd();
    if (fd >= 0 && loop_.defer_fd(fd)) {
      tick_fd_ = fd;
      ice_.set_tick_fd(fd);
      DT_LOGD(kMod, "media socket %d read at the audio tick", fd);
    }
  }
  if (tick_fd_ >= 0) loop_.drain_glib();
}

void MediaTransport::stop_tick_reading() {
  tick_fd_looked_up_ = false;
  if (tick_fd_ < 0) return;
  loop_.undefer_fd(tick_fd_);
  ice_.set_tick_fd(-1);
  tick_fd_ = -1;
}

void MediaTransport::on_selected_pair() {
  // Another pair may use another socket: looked up again at the next tick.
  stop_tick_reading();
  awaiting_pair_ = false;
  if (stats_.ice_connected_at < 0) stats_.ice_connected_at = loop_.now();
  if (path_lost_ && dtls_.state() == DtlsState::kConnected) {
    // An ICE restart found a path again. The DTLS association and the SRTP
    // keys never went away (RFC 8445 section 9: a restart changes only ICE).
    path_lost_ = false;
    connected_ = true;
    DT_LOGI(kMod, "path restored by ICE restart; SRTP continues");
    if (cb_.on_connected) cb_.on_connected();
    return;
  }
  if (remote_set_) start_dtls();
  after_dtls();  // a server's queued flight can go now
}

void MediaTransport::on_ice_state(IceState s) {
  if (s != IceState::kFailed) return;
  stop_tick_reading();
  if (connected_) {
    // Consent lost mid-call (a dead network, a new address): the media keys
    // are fine, only the path is gone. The call layer may restart ICE.
    connected_ = false;
    path_lost_ = true;
    constexpr std::string_view kReason = "ICE: consent lost (the peer stopped answering connectivity checks)";
    DT_LOGW(kMod, "%.*s", static_cast<int>(kReason.size()), kReason.data());
    if (cb_.on_path_lost) cb_.on_path_lost(kReason);
    return;
  }
  // Never connected, or a restart that found no path either: final.
  fail(path_lost_ ? "ICE restart failed: no candidate pair works" : "ICE failed: no candidate pair works");
}

void MediaTransport::start_dtls() {
  if (dtls_started_ || failed_) return;
  dtls_started_ = true;
  if (!dtls_.start(role_, remote_fingerprint_.view(), loop_.now())) {
    fail(dtls_.failure_reason());
    return;
  }
  if (early_len_) {
    dtls_.handle_datagram({early_, early_len_}, loop_.now());
    early_len_ = 0;
  }
  after_dtls();
}

void MediaTransport::after_dtls() {
  if (!dtls_started_ || closed_) return;
  // Drain only when ICE can carry it; otherwise the datagrams wait.
  if (ice_.has_selected_pair()) {
    std::span<const std::uint8_t> d;
    while (dtls_.poll_transmit(d))
      if (!ice_.send(d)) ++stats_.send_failures;
  }
  const TimeMs deadline = dtls_.poll_timeout();
  if (deadline != dtls_deadline_) {
    loop_.cancel_timer(dtls_timer_);
    dtls_deadline_ = deadline;
    if (deadline >= 0)
      dtls_timer_ = loop_.add_timer_at(deadline, [this] {
        dtls_deadline_ = -1;
        dtls_.handle_timeout(loop_.now());
        after_dtls();
      });
  }
  switch (dtls_.state()) {
    case DtlsState::kConnected:
      if (!connected_ && !path_lost_) {
        connected_ = true;
        stats_.dtls_connected_at = loop_.now();
        if (cb_.on_connected) cb_.on_connected();
      }
      break;
    case DtlsState::kFailed:
    case DtlsState::kClosed:
      fail(dtls_.failure_reason());
      break;
    case DtlsState::kNew:
    case DtlsState::kHandshaking:
      break;
  }
}

void MediaTransport::on_datagram(std::span<const std::uint8_t> d) {
  if (closed_ || failed_) return;
  const PacketKind kind = classify(d);  // RFC 7983 (media/rtp/demux)
  switch (kind) {
    case PacketKind::kDtls:
      if (!dtls_started_) {
        if (d.size() <= sizeof(early_)) {
          std::memcpy(early_, d.data(), d.size());
          early_len_ = d.size();
        }
        return;
      }
      dtls_.handle_datagram(d, loop_.now());
      after_dtls();
      return;
    case PacketKind::kRtp:
    case PacketKind::kRtcp: {
      if (!connected_ || d.size() > sizeof(rx_)) {
        ++stats_.dropped_before_keys;
        return;
      }
      const bool rtcp = kind == PacketKind::kRtcp;
      std::memcpy(rx_, d.data(), d.size());
      std::size_t len = d.size();
      if (!(rtcp ? dtls_.unprotect_rtcp(rx_, len) : dtls_.unprotect_rtp(rx_, len))) {
        ++stats_.unprotect_failures;  // forged, replayed or from an old session
        return;
      }
      if (rtcp) {
        ++stats_.rtcp_received;
        if (cb_.on_rtcp) cb_.on_rtcp({rx_, len});
      } else {
        ++stats_.rtp_received;
        if (cb_.on_rtp) cb_.on_rtp({rx_, len});
      }
      return;
    }
    case PacketKind::kStun:
    case PacketKind::kZrtp:
    case PacketKind::kTurnChannel:
    case PacketKind::kUnknown:
      return;  // libnice consumes STUN itself; anything else is noise
  }
}

bool MediaTransport::send_protected(std::span<const std::uint8_t> plain, bool rtcp) {
  if (!connected_ || failed_ || plain.size() > limits::kRtpPacketMax) return false;
  std::memcpy(tx_, plain.data(), plain.size());
  std::size_t len = plain.size();
  if (!(rtcp ? dtls_.protect_rtcp(tx_, len) : dtls_.protect_rtp(tx_, len))) return false;
  if (!ice_.send({tx_, len})) {
    ++stats_.send_failures;
    return false;
  }
  ++(rtcp ? stats_.rtcp_sent : stats_.rtp_sent);
  return true;
}

bool MediaTransport::send_rtp(std::span<const std::uint8_t> rtp) { return send_protected(rtp, false); }
bool MediaTransport::send_rtcp(std::span<const std::uint8_t> rtcp) { return send_protected(rtcp, true); }

void MediaTransport::fail(std::string_view reason) {
  if (failed_ || closed_) return;
  failed_ = true;
  connected_ = false;
  stop_tick_reading();
  loop_.cancel_timer(dtls_timer_);
  DT_LOGE(kMod, "failed: %.*s", static_cast<int>(reason.size()), reason.data());
  if (cb_.on_failed) cb_.on_failed(reason);
}

void MediaTransport::close() {
  if (closed_) return;
  stop_tick_reading();
  loop_.cancel_timer(dtls_timer_);
  if (dtls_started_) {
    // Tell the peer (close_notify) while ICE can still carry it.
    dtls_.close();
    std::span<const std::uint8_t> d;
    while (dtls_.poll_transmit(d)) ice_.send(d);
  }
  closed_ = true;
  connected_ = false;
  ice_.close();
}

}  // namespace dialtone::media
