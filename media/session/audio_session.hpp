// AudioSession: one call's audio, from SDP text to earpiece samples. It owns
// the transport, the SdpSession (offer/answer state), the codecs,
// resamplers, jitter buffer, RFC 4733 DTMF and RTCP, so the call layer only
// carries SDP strings and flips flags.
//
// Three profiles (sip-line.md section 5), one per session, fixed by the
// first offer or answer:
//   dtls  UDP/TLS/RTP/SAVPF: MediaTransport (ICE + DTLS-SRTP), the YNA line
//   sdes  RTP/SAVP with a=crypto: RtpTransport + SRTP keyed from the SDP
//   rtp   RTP/AVP: RtpTransport, plain RTP, RTCP on port + 1 or muxed
// Our offers use AudioSessionConfig::offer_profile (or set_offer_profile()
// before the first one); an answer takes the profile of the remote offer.
// rtp/sdes bind on the first of ice.host_addresses; there is no ICE, and
// on_connected comes (from the loop) once the answer is applied or written.
//
//
//   AudioSession s(loop, glib_ctx, certificate, config);  // once per call
//   s.set_callbacks({on_local_sdp, on_connected, on_failed, on_dtmf});
//   offerer:  s.create_offer(kSendRecv, false) -> on_local_sdp(offer)
//             ... s.apply_answer(answer_text)
//   answerer: s.create_answer(offer_text, kSendRecv) -> on_local_sdp(answer)
//   on_connected: DTLS done, SRTP keys exist, audio flows (rtp/sdes: the
//         offer/answer is complete)
//   on_path_lost: the network path died mid-call (ICE consent lost); audio
//         stops but the session lives: create_offer(direction, true) (an ICE
//         restart through renegotiation) can bring it back, and on_connected
//         then comes again. on_failed is final.
//   audio clock, every 20 ms: s.on_audio_frame(mic, earpiece_mix)
//   hold: create_offer(kSendOnly) / answering a hold offer gives recvonly;
//         set_send(false) / set_play(false) for the call layer's own hold/mute
//   re-offers keep ICE credentials unless ice_restart is true
//
// on_local_sdp always comes from the loop (never from inside create_*), once
// ICE has gathered every candidate (no trickle, yna-wire section 7). Every
// sdes offer or answer carries a fresh key from the process's generator.
//
// Threading: everything, on_audio_frame included, runs on the loop thread
// (the HAL's audio clock is an fd on the same EventLoop).
//
// Memory: the object is large (Opus state ~70 KB, jitter slots ~24 KB):
// create it at call set-up (speexdsp and libnice allocate then), never per
// frame. Per frame and per packet nothing is allocated by our code.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/core/limits.hpp"
#include "media/codec/g711_codec.hpp"
#include "media/codec/opus_codec.hpp"
#include "media/dtmf/telephone_event.hpp"
#include "media/jitter/jitter_buffer.hpp"
#include "media/resample/resampler.hpp"
#include "media/rtp/receiver_stats.hpp"
#include "media/sdp/sdp_session.hpp"
#include "media/transport/media_transport.hpp"
#include "media/transport/rtp_transport.hpp"

namespace dialtone::media {

struct AudioSessionConfig {
  // Host addresses, STUN, TURN, relay_only. `controlling` is ignored: the
  // offerer controls, the answerer is controlled. rtp/sdes bind on the
  // first host address (none: the first non-loopback IPv4 interface).
  IceConfig ice;
  // The profile of our offers (the SIP line's `media`; the YNA line: dtls).
  sdp::Profile offer_profile = sdp::Profile::kDtls;
  std::uint32_t board_rate = 16000;  // 8000, 16000 or 48000
  OpusConfig opus;
};

struct AudioSessionStats {
  const char* codec = "";        // "opus", "PCMU", "PCMA"; "" before negotiation
  const char* profile = "";      // "dtls", "sdes", "rtp"; "" before the first offer or answer
  std::uint64_t rx_packets = 0;  // audio RTP packets received
  std::int64_t lost = 0;         // RFC 3550 cumulative lost
  double jitter_ms = 0;          // RFC 3550 interarrival jitter
  std::int32_t rtt_ms = -1;      // from the peer's RTCP report blocks; -1 unknown
  std::uint64_t tx_packets = 0;  // RTP sent (audio + DTMF)
};

class AudioSession {
 public:
  struct Callbacks {
    InplaceFunction<void(std::string_view sdp), 32> on_local_sdp;
    InplaceFunction<void(), 32> on_connected;
    InplaceFunction<void(std::string_view reason), 32> on_failed;
    InplaceFunction<void(std::string_view reason), 32> on_path_lost;
    InplaceFunction<void(char digit), 32> on_dtmf;
  };

  // `cert` must outlive the session; `ctx` is the GLib context `loop` pumps.
  AudioSession(EventLoop& loop, GMainContext* ctx, const DtlsCertificate& cert, const AudioSessionConfig& config);
  ~AudioSession();
  AudioSession(const AudioSession&) = delete;
  AudioSession& operator=(const AudioSession&) = delete;

  void set_callbacks(Callbacks cb) { cb_ = std::move(cb); }
  // The profile of our first offer, instead of config.offer_profile. False
  // once the session has one (an offer was made or answered).
  bool set_offer_profile(sdp::Profile p);
  sdp::Profile profile() const { return profile_; }

  // Signalling. False (logged) on bad input or wrong state; the SDP itself
  // arrives later through on_local_sdp.
  bool create_offer(sdp::Direction direction, bool ice_restart);
  bool create_answer(std::string_view remote_offer, sdp::Direction direction);
  bool apply_answer(std::string_view remote_answer);
  std::string_view local_sdp() const { return {local_sdp_.data(), local_sdp_len_}; }

  // The call layer's own gates (hold, mute), on top of the negotiated direction.
  void set_send(bool on) { send_enabled_ = on; }
  void set_play(bool on) { play_enabled_ = on; }

  // Queues an RFC 4733 digit (100 ms). False if no telephone-event was
  // negotiated, the digit is not DTMF, or the queue is full.
  bool send_dtmf(char digit);

  // Every 20 ms: `mic` and `earpiece_mix` hold board_rate/50 samples each.
  // The far end's audio is added (saturating) into earpiece_mix.
  void on_audio_frame(std::span<const std::int16_t> mic, std::span<std::int16_t> earpiece_mix);

  AudioSessionStats stats() const;
  bool connected() const { return media_connected(); }
  bool failed() const { return failed_; }
  // The direction the last completed offer/answer gave us.
  sdp::Direction direction() const { return negotiated_.direction; }
  const MediaTransport& transport() const { return transport_; }
  const RtpTransport& rtp_transport() const { return rtp_; }

  // Sends an RTCP BYE and releases ICE (also from the destructor).
  void close();

 private:
  enum class Pending { kNone, kOffer, kAnswer };

  bool start_transport(bool controlling);
  bool start_rtp();
  bool configure_rtp(const sdp::Negotiated& n);
  bool draw_sdes_keys();
  void schedule_produce();
  bool media_connected() const { return profile_ == sdp::Profile::kDtls ? transport_.connected() : rtp_connected_; }
  bool send_rtp_packet(std::span<const std::uint8_t> p);
  bool send_rtcp_packet(std::span<const std::uint8_t> p);
  void on_gathered();
  void produce_pending();
  bool apply_negotiated(const sdp::Negotiated& n);
  bool set_transport_remote();
  void fail(std::string_view reason);
  void on_rtp(std::span<const std::uint8_t> packet);
  void on_rtcp(std::span<const std::uint8_t> packet);
  void send_rtcp_report();
  void send_audio(std::span<const std::int16_t> mic);
  void play_audio(std::span<std::int16_t> earpiece_mix);
  Codec* codec();

  EventLoop& loop_;
  const DtlsCertificate& cert_;
  AudioSessionConfig config_;
  MediaTransport transport_;
  RtpTransport rtp_;
  Callbacks cb_;
  sdp::Profile profile_ = sdp::Profile::kDtls;
  bool rtp_connected_ = false;  // rtp/sdes: negotiated, destination and keys set
  TimerId connect_timer_;

  // identity
  std::uint64_t session_id_ = 0;
  std::uint32_t ssrc_ = 0;
  FixedString<16> cname_;
  std::optional<sdp::SdpSession> sdp_;  // built once ICE credentials exist

  // signalling state
  bool started_ = false;
  bool gathered_ = false;
  bool remote_pending_ = true;     // the transport needs (new) remote credentials
  bool failed_ = false;
  bool closed_ = false;
  Pending pending_ = Pending::kNone;
  sdp::Direction pending_direction_ = sdp::Direction::kSendRecv;
  TimerId produce_timer_;
  TimerId rtcp_timer_;
  std::array<char, limits::kSdpMax> remote_offer_{};
  std::size_t remote_offer_len_ = 0;
  std::array<char, limits::kSdpMax> local_sdp_{};
  std::size_t local_sdp_len_ = 0;
  FixedVector<sdp::Candidate, limits::kIceCandidatesMax> local_candidates_;
  sdp::SessionDescription scratch_;  // parse check of a remote SDP

  // negotiated media
  bool negotiated_ok_ = false;
  sdp::Negotiated negotiated_;
  // Every payload type any negotiation of this call mapped. A peer may keep
  // sending with the numbers of an earlier offer/answer after a re-offer
  // that renumbers (aiortc does); RFC 3264 8.3.2 keeps those mappings valid.
  FixedVector<sdp::PayloadFormat, 16> known_formats_;
  bool send_enabled_ = true;
  bool play_enabled_ = true;

  // codecs: one object per kind, each both encoder and decoder
  OpusCodec opus_;
  G711Codec pcmu_{sdp::CodecKind::kPcmu};
  G711Codec pcma_{sdp::CodecKind::kPcma};
  Resampler mic_resampler_;   // board -> codec
  Resampler ear_resampler_;   // codec -> board

  // send
  std::uint16_t seq_ = 0;
  std::uint32_t timestamp_ = 0;
  TimeMs timestamp_at_ = 0;   // loop time of the frame carrying timestamp_
  bool talkspurt_ = true;     // next audio packet starts one (marker)
  std::uint32_t sent_packets_ = 0;
  std::uint32_t sent_octets_ = 0;
  bool sent_since_report_ = false;
  DtmfSender dtmf_sender_{101, 8000};
  std::array<std::uint8_t, limits::kRtpPacketMax> tx_{};
  std::array<std::int16_t, limits::kFrameSamplesMax> mic_codec_{};

  // receive
  JitterBuffer jitter_;
  ReceiverStats rx_stats_{48000};
  DtmfReceiver dtmf_receiver_;
  bool have_remote_ssrc_ = false;
  std::uint32_t remote_ssrc_ = 0;
  std::uint64_t rx_packets_ = 0;
  std::int32_t rtt_ms_ = -1;
  std::array<std::int16_t, limits::kFrameSamplesMax> ear_codec_{};
  std::array<std::int16_t, limits::kFrameSamplesMax> ear_board_{};
};

}  // namespace dialtone::media
