// The call layer's media port for one call slot, carried out by one
// media::AudioSession. The session lives in storage reserved here at
// start-up and is rebuilt for each call (libnice and speexdsp allocate then,
// never per frame). Its reports reach the call layer as inputs; it also
// sends the control socket's `media` event every 5 s and a `dtmf` event for
// each digit the far end sends.
#pragma once
#include <optional>

#include "firmware/app/event_publisher.hpp"
#include "firmware/call/call_layer.hpp"
#include "firmware/call/call_ports.hpp"
#include "firmware/config/config.hpp"
#include "firmware/core/event_loop.hpp"
#include "media/dtls/dtls_certificate.hpp"
#include "media/session/audio_session.hpp"

namespace dialtone::app {

// ice.* of the config as the ICE agent takes it. STUN/TURN hosts must be IP
// literals (libnice would resolve names on GResolver's threads); others are
// skipped with a warning.
media::IceConfig ice_config_from(const config::IceConfig& c);

// The media profile of the SIP line's offers (sip-line.md 1: `auto` offers
// SDES over TLS, where the keys travel encrypted, and plain RTP otherwise).
media::sdp::Profile sip_offer_profile(const config::SipConfig& c);

class SessionMedia final : public call::CallMedia {
 public:
  SessionMedia(EventLoop& loop, GMainContext* ctx, const media::DtlsCertificate& cert,
               const media::AudioSessionConfig& cfg, std::uint8_t slot, call::CallLayer& calls,
               status::DeviceStatus& status, EventPublisher& events)
      : loop_(loop), ctx_(ctx), cert_(cert), cfg_(cfg), slot_(slot), calls_(calls), status_(status),
        events_(events) {}

  bool create_offer(call::MediaDirection d, bool ice_restart) override;
  bool create_answer(std::string_view remote_offer, call::MediaDirection d) override;
  bool apply_answer(std::string_view remote_answer) override;
  std::string_view local_sdp() const override;
  void set_flow(bool send, bool play) override;
  bool send_dtmf(char digit) override;
  void close() override;

  void on_audio_frame(std::span<const std::int16_t> mic, std::span<std::int16_t> earpiece);

  // The profile of a call's first offer on the line named `line` (the SIP
  // line's `media`); a line not named here offers the configured default
  // (DTLS-SRTP with ICE, as the YNA line must). Answers always follow the
  // far end's offer.
  void set_offer_profile(std::string_view line, media::sdp::Profile p);

 private:
  bool ensure_session();
  void media_failed(const char* what, std::string_view reason);
  void report_stats();  // the `media` event, now
  void arm_stats();     // ... and every 5 s while the session lives
  void to_calls(call::Event::Kind k);
  std::uint32_t call_id() const { return calls_.slot(slot_).id(); }

  EventLoop& loop_;
  GMainContext* ctx_;
  const media::DtlsCertificate& cert_;
  media::AudioSessionConfig cfg_;
  std::uint8_t slot_;
  call::CallLayer& calls_;
  status::DeviceStatus& status_;
  EventPublisher& events_;
  struct LineProfile {
    FixedString<8> line;
    media::sdp::Profile profile = media::sdp::Profile::kDtls;
  };
  FixedVector<LineProfile, limits::kLinesMax> offer_profiles_;
  std::optional<media::AudioSession> session_;
  bool closing_ = false;
  TimerId stats_timer_;
  TimerId reap_timer_;
};

}  // namespace dialtone::app
