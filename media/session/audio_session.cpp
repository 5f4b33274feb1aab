#include "media/session/audio_session.hpp"

#include <algorithm>

#include "firmware/core/log.hpp"
#include "firmware/core/random.hpp"
#include "media/dtls/dtls_certificate.hpp"
#include "media/jitter/playout.hpp"
#include "media/rtp/rtcp.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/sdp/sdp_parser.hpp"
#include "media/session/candidate_line.hpp"

namespace dialtone::media {
namespace {

constexpr const char* kMod = "audio";
constexpr TimeMs kFirstReportMs = 1000;  // soon after connecting, so rtt appears early
constexpr TimeMs kReportIntervalMs = 5000;

const char* codec_name(sdp::CodecKind k) {
  switch (k) {
    case sdp::CodecKind::kOpus: return "opus";
    case sdp::CodecKind::kPcmu: return "PCMU";
    case sdp::CodecKind::kPcma: return "PCMA";
    default: return "";
  }
}

// The RTP timestamp clock of a codec (RFC 7587: Opus is 48 kHz whatever its
// PCM rate; RFC 3551: G.711 is 8 kHz).
std::uint32_t rtp_clock(sdp::CodecKind k) { return k == sdp::CodecKind::kOpus ? 48000 : 8000; }

SrtpSuite to_srtp(sdp::CryptoSuite s) {
  return s == sdp::CryptoSuite::kAesCm128HmacSha1_32 ? SrtpSuite::kAesCm128HmacSha1_32
                                                       : SrtpSuite::kAesCm128HmacSha1_80;
}

DtlsRole to_transport_role(sdp::DtlsRole r) {
  return r == sdp::DtlsRole::kClient ? DtlsRole::kClient : DtlsRole::kServer;
}

void mix_saturating(std::span<const std::int16_t> in, std::span<std::int16_t> out) {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) {
    int v = static_cast<int>(out[i]) + in[i];
    out[i] = static_cast<std::int16_t>(std::clamp(v, -32768, 32767));
  }
}

}  // namespace

AudioSession::AudioSession(EventLoop& loop, GMainContext* ctx, const DtlsCertificate& cert,
                           const AudioSessionConfig& config)
    : loop_(loop), cert_(cert), config_(config), transport_(loop, ctx, cert), rtp_(loop),
      profile_(config.offer_profile) {
  // Set-up time only: random identity (RFC 3264 session id < 2^63, RFC 3550
  // SSRC and first sequence number and timestamp, CNAME) from the process's
  // generator. Without it the session refuses every offer and answer.
  Csprng& rng = process_csprng();
  std::uint32_t r[5] = {};
  std::uint8_t c[12] = {};
  bool drawn = true;
  for (std::uint32_t& v : r) drawn = drawn && rng.uint32(v);
  drawn = drawn && rng.fill(c);
  if (!drawn) {
    DT_LOGE(kMod, "no random SSRC or session id: this session cannot be used");
    failed_ = true;
  } else {
    session_id_ = ((std::uint64_t{r[0]} << 32) | r[1]) & 0x7fffffffffffffffULL;
    ssrc_ = r[2];
    seq_ = static_cast<std::uint16_t>(r[3]);
    timestamp_ = r[4];
    static constexpr char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (std::uint8_t b : c) cname_.push_back(kAlnum[b % (sizeof(kAlnum) - 1)]);
  }
  // Opus codes at the board's own rate when it can (no resampling either
  // way, and less work inside libopus than at 48 kHz).
  OpusConfig opus = config_.opus;
  if (opus_supports_pcm_rate(config_.board_rate)) opus.pcm_rate = config_.board_rate;
  if (!opus_.init(opus)) DT_LOGE(kMod, "Opus init failed; only G.711 will work");
  if (config_.board_rate != 8000 && config_.board_rate != 16000 && config_.board_rate != 48000)
    DT_LOGW(kMod, "unusual board rate %u", static_cast<unsigned>(config_.board_rate));
}

AudioSession::~AudioSession() { close(); }

// ---- signalling -------------------------------------------------------------

bool AudioSession::set_offer_profile(sdp::Profile p) {
  if (started_) return false;
  profile_ = p;
  return true;
}

void AudioSession::schedule_produce() {
  if (produce_timer_.valid()) return;
  produce_timer_ = loop_.add_timer(0, [this] {
    produce_timer_ = {};
    produce_pending();
  });
}

// rtp/sdes: the socket pair now, and the SDP identity with its address; no
// gathering to wait for.
bool AudioSession::start_rtp() {
  started_ = true;
  FixedString<limits::kIceAddressMax> host;
  if (!config_.ice.host_addresses.empty()) host.assign(config_.ice.host_addresses[0].view());
  else if (!RtpTransport::default_host_address(host)) {
    DT_LOGE(kMod, "no host address for RTP (ice.host_addresses is empty and no interface is up)");
    failed_ = true;
    return false;
  }
  RtpTransport::Callbacks cb;
  cb.on_rtp = [this](std::span<const std::uint8_t> p) { on_rtp(p); };
  cb.on_rtcp = [this](std::span<const std::uint8_t> p) { on_rtcp(p); };
  if (!rtp_.open(host.view(), std::move(cb))) {
    failed_ = true;
    return false;
  }
  sdp::SdpSession::Identity id;
  id.session_id = session_id_;
  id.ssrc = ssrc_;
  id.cname = cname_.view();
  id.profile = profile_;
  id.address = rtp_.local_address();
  id.port = rtp_.rtp_port();
  id.rtcp_port = rtp_.rtcp_port();
  sdp_.emplace(id);
  gathered_ = true;
  return true;
}

// A fresh SDES key per suite for the description about to be written
// (sip-line.md 5: a fresh key per offer), from the process's generator.
bool AudioSession::draw_sdes_keys() {
  sdp::Crypto keys[2];
  keys[0].suite = sdp::CryptoSuite::kAesCm128HmacSha1_80;
  keys[1].suite = sdp::CryptoSuite::kAesCm128HmacSha1_32;
  for (sdp::Crypto& k : keys) {
    if (!process_csprng().fill(k.key)) return false;
    k.usable = true;
  }
  sdp_->set_local_keys(keys);
  for (sdp::Crypto& k : keys) k.key.fill(0);
  return true;
}

bool AudioSession::configure_rtp(const sdp::Negotiated& n) {
  const sdp::SessionDescription& remote = sdp_->remote();
  RemoteRtp r;
  r.address = remote.connection_address.view();
  r.rtp_port = remote.port;
  r.rtcp_port = remote.rtcp_port;
  r.rtcp_mux = n.rtcp_mux;
  if (!rtp_.set_remote(r)) {
    fail("the peer's c= address is not an IP address of our family");
    return false;
  }
  if (n.profile == sdp::Profile::kSdes &&
      !rtp_.set_srtp(to_srtp(n.local_key.suite), n.local_key.key, n.remote_key.key)) {
    fail("libsrtp refused the SDES keys");
    return false;
  }
  if (!rtp_connected_) {
    rtp_connected_ = true;
    // From the loop, as DTLS's on_connected would come: never from inside
    // apply_answer or the producing of our SDP.
    connect_timer_ = loop_.add_timer(0, [this] {
      connect_timer_ = {};
      if (closed_ || failed_) return;
      DT_LOGI(kMod, "%s media ready (RTP port %u)", sdp::to_string(profile_), static_cast<unsigned>(rtp_.rtp_port()));
      loop_.cancel_timer(rtcp_timer_);
      rtcp_timer_ = loop_.add_timer(kFirstReportMs, [this] { send_rtcp_report(); });
      if (cb_.on_connected) cb_.on_connected();
    });
  }
  return true;
}

bool AudioSession::send_rtp_packet(std::span<const std::uint8_t> p) {
  return profile_ == sdp::Profile::kDtls ? transport_.send_rtp(p) : rtp_.send_rtp(p);
}

bool AudioSession::send_rtcp_packet(std::span<const std::uint8_t> p) {
  return profile_ == sdp::Profile::kDtls ? transport_.send_rtcp(p) : rtp_.send_rtcp(p);
}

bool AudioSession::start_transport(bool controlling) {
  IceConfig ice = config_.ice;
  ice.controlling = controlling;
  MediaTransport::Callbacks cb;
  cb.on_gathering_done = [this] { on_gathered(); };
  cb.on_connected = [this] {
    loop_.cancel_timer(rtcp_timer_);
    rtcp_timer_ = loop_.add_timer(kFirstReportMs, [this] { send_rtcp_report(); });
    if (cb_.on_connected) cb_.on_connected();
  };
  cb.on_failed = [this](std::string_view reason) { fail(reason); };
  cb.on_path_lost = [this](std::string_view reason) {
    loop_.cancel_timer(rtcp_timer_);  // nothing to report over a dead path
    if (cb_.on_path_lost) cb_.on_path_lost(reason);
  };
  cb.on_rtp = [this](std::span<const std::uint8_t> p) { on_rtp(p); };
  cb.on_rtcp = [this](std::span<const std::uint8_t> p) { on_rtcp(p); };
  started_ = true;
  if (!transport_.start(ice, std::move(cb))) {
    DT_LOGE(kMod, "transport did not start (ICE config?)");
    failed_ = true;
    return false;
  }
  return true;
}

void AudioSession::on_gathered() {
  local_candidates_.clear();
  for (const CandidateLine& line : transport_.local_candidates()) {
    sdp::Candidate c;
    if (candidate_from_line(line.view(), c) && !local_candidates_.push_back(c)) break;
  }
  if (!sdp_) {
    sdp::SdpSession::Identity id;
    id.session_id = session_id_;
    id.ssrc = ssrc_;
    id.cname = cname_.view();
    id.fingerprint_sha256 = cert_.digest();
    id.ice_ufrag = transport_.local_ufrag();
    id.ice_pwd = transport_.local_pwd();
    sdp_.emplace(id);
  }
  gathered_ = true;
  // Restarts fix the credentials themselves (restart_local_ice); the first
  // gathering releases what create_* left pending.
  if (pending_ != Pending::kNone && !produce_timer_.valid())
    produce_timer_ = loop_.add_timer(0, [this] {
      produce_timer_ = {};
      produce_pending();
    });
}

bool AudioSession::create_offer(sdp::Direction direction, bool ice_restart) {
  if (closed_ || failed_ || pending_ != Pending::kNone) return false;
  if (sdp_ && sdp_->offer_pending()) return false;  // the last offer is unanswered
  pending_ = Pending::kOffer;
  pending_direction_ = direction;
  if (profile_ != sdp::Profile::kDtls) {
    // No ICE: nothing to restart, the socket pair stays.
    if (!started_ && !start_rtp()) return false;
    schedule_produce();
    return true;
  }
  if (!started_) return start_transport(true);
  if (!gathered_) return true;  // on_gathered produces it
  if (ice_restart) {
    if (!transport_.restart_ice()) {
      pending_ = Pending::kNone;
      return false;
    }
    // libnice gathers again synchronously (ice_agent.hpp): new credentials now.
    sdp_->restart_ice(transport_.local_ufrag(), transport_.local_pwd());
    remote_pending_ = true;
  }
  produce_timer_ = loop_.add_timer(0, [this] {
    produce_timer_ = {};
    produce_pending();
  });
  return true;
}

bool AudioSession::create_answer(std::string_view remote_offer, sdp::Direction direction) {
  if (closed_ || failed_ || pending_ != Pending::kNone) return false;
  if (remote_offer.size() > remote_offer_.size()) return false;
  sdp::SdpError e = sdp::parse(remote_offer, scratch_);
  if (e != sdp::SdpError::kOk) {
    DT_LOGW(kMod, "remote offer refused: %s", sdp::to_string(e));
    return false;
  }
  if (scratch_.profile == sdp::Profile::kSdes) {
    // Refused now, by name, rather than answered without keys (RFC 4568 7.1.2).
    bool usable = false;
    for (const sdp::Crypto& k : scratch_.cryptos) usable = usable || k.usable;
    if (!usable) {
      DT_LOGW(kMod, "remote offer refused: %s", sdp::to_string(sdp::SdpError::kNoUsableCrypto));
      return false;
    }
  }
  if (started_ && scratch_.profile != profile_) {
    DT_LOGW(kMod, "remote offer refused: %s, not the %s of this session", sdp::to_string(scratch_.profile),
            sdp::to_string(profile_));
    return false;
  }
  std::copy(remote_offer.begin(), remote_offer.end(), remote_offer_.begin());
  remote_offer_len_ = remote_offer.size();
  pending_ = Pending::kAnswer;
  pending_direction_ = direction;
  if (!started_) profile_ = scratch_.profile;  // we answer whatever the offer asks
  if (profile_ != sdp::Profile::kDtls) {
    if (!started_ && !start_rtp()) return false;
    schedule_produce();
    return true;
  }
  if (!started_) return start_transport(scratch_.ice_lite);  // a lite peer never controls
  if (!gathered_) return true;
  produce_timer_ = loop_.add_timer(0, [this] {
    produce_timer_ = {};
    produce_pending();
  });
  return true;
}

void AudioSession::produce_pending() {
  if (closed_ || failed_ || !sdp_) return;
  const Pending what = pending_;
  pending_ = Pending::kNone;
  std::size_t len = 0;
  sdp::SdpError e = sdp::SdpError::kOk;
  if (profile_ == sdp::Profile::kSdes && what != Pending::kNone && !draw_sdes_keys())
    return fail("no random SDES key: the generator failed");
  if (what == Pending::kOffer) {
    e = sdp_->create_offer(local_candidates_.span(), pending_direction_, local_sdp_, len);
  } else if (what == Pending::kAnswer) {
    e = sdp_->set_remote_offer({remote_offer_.data(), remote_offer_len_});
    if (e == sdp::SdpError::kOk && sdp_->remote_ice_restarted() && !remote_pending_) {
      // The peer restarts ICE: so do we (RFC 8445 section 9).
      if (!transport_.restart_ice()) return fail("ICE restart failed");
      sdp_->restart_ice(transport_.local_ufrag(), transport_.local_pwd());
      remote_pending_ = true;
    }
    sdp::Negotiated n;
    if (e == sdp::SdpError::kOk) e = sdp_->create_answer(local_candidates_.span(), pending_direction_, local_sdp_, len, n);
    if (e == sdp::SdpError::kOk) {
      local_sdp_len_ = len;
      if (!apply_negotiated(n)) return;
      if (profile_ != sdp::Profile::kDtls) {
        if (!configure_rtp(n)) return;
      } else if (remote_pending_ && !set_transport_remote()) {
        return;
      }
    }
  } else {
    return;
  }
  if (e != sdp::SdpError::kOk) {
    DT_LOGE(kMod, "cannot write our SDP: %s", sdp::to_string(e));
    return fail(sdp::to_string(e));
  }
  local_sdp_len_ = len;
  if (cb_.on_local_sdp) cb_.on_local_sdp(local_sdp());
}

bool AudioSession::apply_answer(std::string_view remote_answer) {
  if (closed_ || failed_ || !sdp_ || !sdp_->offer_pending()) return false;
  if (remote_answer.size() > remote_offer_.size()) return false;
  sdp::Negotiated n;
  sdp::SdpError e = sdp_->set_remote_answer(remote_answer, n);
  if (e != sdp::SdpError::kOk) {
    DT_LOGW(kMod, "remote answer refused: %s", sdp::to_string(e));
    return false;
  }
  // The transport reads candidate lines out of this text (set_transport_remote).
  std::copy(remote_answer.begin(), remote_answer.end(), remote_offer_.begin());
  remote_offer_len_ = remote_answer.size();
  if (!apply_negotiated(n)) return false;
  if (profile_ != sdp::Profile::kDtls) return configure_rtp(n);
  if (remote_pending_) return set_transport_remote();
  return true;
}

bool AudioSession::apply_negotiated(const sdp::Negotiated& n) {
  const bool codec_changed = !negotiated_ok_ || n.audio.kind != negotiated_.audio.kind;
  negotiated_ = n;
  negotiated_ok_ = true;
  if (codec_changed) {
    // Call set-up (or a codec change in a renegotiation): speexdsp allocates here.
    // The codec's PCM rate (Opus may run at the board's own: then these pass through).
    Codec* c = codec();
    const std::uint32_t pcm_rate = c ? c->sample_rate() : config_.board_rate;
    if (!mic_resampler_.init(config_.board_rate, pcm_rate) || !ear_resampler_.init(pcm_rate, config_.board_rate)) {
      fail("resampler init failed");
      return false;
    }
    JitterConfig jc;
    jc.clock_rate = rtp_clock(n.audio.kind);
    jitter_ = JitterBuffer(jc);
    rx_stats_ = ReceiverStats(jc.clock_rate);
    have_remote_ssrc_ = false;
    if (c) c->reset();
    talkspurt_ = true;
    DT_LOGI(kMod, "codec %s pt %u, dtmf %s pt %u, direction %s", codec_name(n.audio.kind),
            static_cast<unsigned>(n.audio.pt), n.has_dtmf ? "yes" : "no", static_cast<unsigned>(n.dtmf.pt),
            sdp::to_string(n.direction));
  }
  if (n.has_dtmf) dtmf_sender_.configure(n.dtmf.pt, n.dtmf.clock_rate);
  auto remember = [this](const sdp::PayloadFormat& f) {
    for (sdp::PayloadFormat& k : known_formats_)
      if (k.pt == f.pt) {
        k = f;  // the newest mapping wins
        return;
      }
    known_formats_.push_back(f);
  };
  remember(n.audio);
  if (n.has_dtmf) remember(n.dtmf);
  for (const sdp::PayloadFormat& f : n.receive_formats) remember(f);
  return true;
}

bool AudioSession::set_transport_remote() {
  const sdp::SessionDescription& remote = sdp_->remote();
  const sdp::Fingerprint* fp = remote.find_fingerprint("sha-256");
  if (!fp || fp->size != 32) {
    fail("the peer's SDP has no sha-256 fingerprint");
    return false;
  }
  Sha256 digest{};
  std::copy(fp->digest.begin(), fp->digest.begin() + 32, digest.begin());
  const FingerprintText fingerprint = format_fingerprint(digest);
  // Candidate lines straight from the text: libnice parses its own format.
  FixedVector<std::string_view, limits::kIceCandidatesMax> lines;
  std::string_view text(remote_offer_.data(), remote_offer_len_);
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("a=candidate:") && !lines.push_back(line)) break;
  }
  RemoteDescription r;
  r.ice_ufrag = remote.ice_ufrag.view();
  r.ice_pwd = remote.ice_pwd.view();
  r.candidates = lines.span();
  r.fingerprint = fingerprint.view();
  r.dtls_role = to_transport_role(sdp_->dtls_role().value_or(sdp::DtlsRole::kClient));
  remote_pending_ = false;
  return transport_.set_remote(r);  // on failure the transport reports on_failed
}

void AudioSession::fail(std::string_view reason) {
  if (failed_) return;
  failed_ = true;
  loop_.cancel_timer(rtcp_timer_);
  loop_.cancel_timer(connect_timer_);
  DT_LOGE(kMod, "failed: %.*s", static_cast<int>(reason.size()), reason.data());
  if (cb_.on_failed) cb_.on_failed(reason);
}

void AudioSession::close() {
  if (closed_) return;
  if (media_connected() && !failed_) {
    std::array<std::uint8_t, limits::kRtcpPacketMax> buf{};
    RtcpWriter w(buf);
    w.receiver_report(ssrc_, {});
    w.sdes_cname(ssrc_, cname_.view());
    w.bye(ssrc_);
    send_rtcp_packet(w.bytes());
  }
  closed_ = true;
  loop_.cancel_timer(rtcp_timer_);
  loop_.cancel_timer(produce_timer_);
  loop_.cancel_timer(connect_timer_);
  transport_.close();
  rtp_.close();
}

// ---- audio ------------------------------------------------------------------

Codec* AudioSession::codec() {
  switch (negotiated_.audio.kind) {
    case sdp::CodecKind::kOpus: return opus_.ready() ? &opus_ : nullptr;
    case sdp::CodecKind::kPcmu: return &pcmu_;
    case sdp::CodecKind::kPcma: return &pcma_;
    default: return nullptr;
  }
}

bool AudioSession::send_dtmf(char digit) {
  if (!negotiated_ok_ || !negotiated_.has_dtmf) return false;
  return dtmf_sender_.queue(digit, 100);
}

void AudioSession::on_audio_frame(std::span<const std::int16_t> mic, std::span<std::int16_t> earpiece_mix) {
  if (closed_) return;
  // In steady state the media socket is read here, not polled for, so the
  // loop wakes once per frame (MediaTransport::read_queued,
  // RtpTransport::read_queued). Read before playing: a packet that arrived
  // during the last frame is in the jitter buffer for this pop. Arrival times
  // are then the tick's, up to one frame late: the jitter estimate sees at
  // most that one frame of extra variation, and the buffer's minimum delay
  // (limits::kJitterMinDelayMs, two frames) absorbs it
  // (JitterBufferTest.PacketsReadAtTheTickAreAllPlayed). A sender at our
  // tick boundary raises the estimate, and so the target, by about a frame.
  if (profile_ == sdp::Profile::kDtls) transport_.read_queued();
  else rtp_.read_queued();
  if (!negotiated_ok_ || failed_ || !codec()) return;
  send_audio(mic);
  play_audio(earpiece_mix);
}

void AudioSession::send_audio(std::span<const std::int16_t> mic) {
  Codec& c = *codec();
  const std::size_t frame = c.frame_samples();  // PCM samples per frame at the codec's rate
  const std::uint32_t ts = timestamp_;
  timestamp_ += static_cast<std::uint32_t>(c.rtp_clock_rate() * limits::kFrameMs / 1000);  // RTP ticks per frame
  timestamp_at_ = loop_.now();
  const bool may_send = media_connected() && sdp::sends(negotiated_.direction) && send_enabled_;
  if (!may_send) {
    talkspurt_ = true;
    return;
  }
  RtpHeader h;
  h.ssrc = ssrc_;
  h.sequence = seq_;
  std::size_t size = 0;
  std::size_t payload = 0;
  if (std::optional<DtmfPacket> d = negotiated_.has_dtmf ? dtmf_sender_.tick(ts) : std::nullopt) {
    h.marker = d->marker;
    h.payload_type = d->payload_type;
    h.timestamp = d->timestamp;
    size = write_rtp(h, d->payload, tx_);
    payload = d->payload.size();
    talkspurt_ = true;  // audio after the event starts a new talkspurt
  } else {
    const std::span<std::int16_t> pcm = std::span(mic_codec_).first(frame);
    std::size_t n = mic_resampler_.process(mic, pcm);
    std::fill(pcm.begin() + static_cast<std::ptrdiff_t>(std::min(n, frame)), pcm.end(), std::int16_t{0});
    h.marker = talkspurt_;
    h.payload_type = negotiated_.audio.pt;
    h.timestamp = ts;
    const std::size_t header = write_rtp_header(h, tx_);
    if (header == 0) return;
    int bytes = c.encode(pcm, std::span(tx_).subspan(header));
    if (bytes <= 0) return;
    size = header + static_cast<std::size_t>(bytes);
    payload = static_cast<std::size_t>(bytes);
    talkspurt_ = false;
  }
  if (size == 0) return;
  if (send_rtp_packet(std::span(tx_).first(size))) {
    ++seq_;
    ++sent_packets_;
    sent_octets_ += static_cast<std::uint32_t>(payload);
    sent_since_report_ = true;
  }
}

void AudioSession::play_audio(std::span<std::int16_t> earpiece_mix) {
  Codec& c = *codec();
  const std::span<std::int16_t> pcm = std::span(ear_codec_).first(c.frame_samples());
  // Always drained, so a resumed call does not play what arrived while held.
  PlayoutResult r = play_next(jitter_, c, pcm);
  if (r.kind == JitterFrame::Kind::kBuffering) return;
  if (!sdp::receives(negotiated_.direction) || !play_enabled_) return;
  std::size_t n = ear_resampler_.process(pcm, ear_board_);
  mix_saturating(std::span(ear_board_).first(n), earpiece_mix);
}

void AudioSession::on_rtp(std::span<const std::uint8_t> packet) {
  if (!negotiated_ok_ || closed_) return;
  RtpPacket p;
  if (parse_rtp(packet, p) != RtpError::kOk) return;
  sdp::CodecKind kind = sdp::CodecKind::kOther;
  if (p.payload_type == negotiated_.audio.pt) {
    kind = negotiated_.audio.kind;
  } else if (negotiated_.has_dtmf && p.payload_type == negotiated_.dtmf.pt) {
    kind = sdp::CodecKind::kTelephoneEvent;
  } else {
    for (const sdp::PayloadFormat& f : known_formats_)
      if (f.pt == p.payload_type) kind = f.kind;
  }
  const TimeMs now = loop_.now();
  if (!have_remote_ssrc_ || p.ssrc != remote_ssrc_) {
    have_remote_ssrc_ = true;
    remote_ssrc_ = p.ssrc;
    rx_stats_ = ReceiverStats(rtp_clock(negotiated_.audio.kind));
    dtmf_receiver_.reset();
  }
  if (kind == sdp::CodecKind::kTelephoneEvent) {
    rx_stats_.on_packet(p.sequence, p.timestamp, now);
    if (std::optional<char> digit = dtmf_receiver_.on_packet(p.timestamp, p.payload)) {
      DT_LOGI(kMod, "DTMF '%c' received", *digit);
      if (cb_.on_dtmf) cb_.on_dtmf(*digit);
    }
    return;
  }
  if (kind != negotiated_.audio.kind) return;  // a codec we did not pick for this call
  rx_stats_.on_packet(p.sequence, p.timestamp, now);
  ++rx_packets_;
  jitter_.push(p, now);
}

// ---- RTCP -------------------------------------------------------------------

void AudioSession::on_rtcp(std::span<const std::uint8_t> packet) {
  RtcpCompound c;
  if (parse_rtcp(packet, c) != RtcpError::kOk) return;
  const TimeMs now = loop_.now();
  if (c.has_sr) rx_stats_.on_sender_report(c.sender.ntp, now);
  for (const ReportBlock& b : c.blocks) {
    if (b.ssrc != ssrc_) continue;
    if (std::optional<std::uint32_t> rtt = rtt_ms(b, ntp_from_ms(now)))
      rtt_ms_ = static_cast<std::int32_t>(*rtt);
  }
}

void AudioSession::send_rtcp_report() {
  rtcp_timer_ = loop_.add_timer(kReportIntervalMs, [this] { send_rtcp_report(); });
  if (!media_connected() || closed_ || failed_) return;
  const TimeMs now = loop_.now();
  std::array<std::uint8_t, limits::kRtcpPacketMax> buf{};
  RtcpWriter w(buf);
  FixedVector<ReportBlock, 1> blocks;
  if (have_remote_ssrc_ && rx_stats_.valid()) blocks.push_back(rx_stats_.make_report(remote_ssrc_, now));
  if (sent_since_report_) {
    SenderInfo si;
    si.ntp = ntp_from_ms(now);
    // The RTP time of "now", extrapolated from the last frame.
    const std::uint32_t rate = rtp_clock(negotiated_.audio.kind);
    si.rtp_timestamp = timestamp_ + static_cast<std::uint32_t>((now - timestamp_at_) * rate / 1000);
    si.packet_count = sent_packets_;
    si.octet_count = sent_octets_;
    w.sender_report(ssrc_, si, blocks.span());
    sent_since_report_ = false;
  } else {
    w.receiver_report(ssrc_, blocks.span());
  }
  w.sdes_cname(ssrc_, cname_.view());
  send_rtcp_packet(w.bytes());
}

AudioSessionStats AudioSession::stats() const {
  AudioSessionStats s;
  s.codec = negotiated_ok_ ? codec_name(negotiated_.audio.kind) : "";
  s.profile = started_ ? sdp::to_string(profile_) : "";
  s.rx_packets = rx_packets_;
  s.lost = rx_stats_.valid() ? rx_stats_.lost() : 0;
  s.jitter_ms = rx_stats_.jitter_ms();
  s.rtt_ms = rtt_ms_;
  s.tx_packets = sent_packets_;
  return s;
}

}  // namespace dialtone::media
