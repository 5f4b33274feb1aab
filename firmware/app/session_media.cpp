#include "firmware/app/session_media.hpp"

#include <arpa/inet.h>

#include <cstdio>

#include "firmware/core/log.hpp"

namespace dialtone::app {
namespace {

media::sdp::Direction to_sdp(call::MediaDirection d) {
  switch (d) {
    case call::MediaDirection::kSendRecv: return media::sdp::Direction::kSendRecv;
    case call::MediaDirection::kSendOnly: return media::sdp::Direction::kSendOnly;
    case call::MediaDirection::kRecvOnly: return media::sdp::Direction::kRecvOnly;
    case call::MediaDirection::kInactive: return media::sdp::Direction::kInactive;
  }
  return media::sdp::Direction::kSendRecv;
}

bool is_ip_literal(std::string_view host) {
  char buf[64];
  if (host.size() >= sizeof buf) return false;
  std::snprintf(buf, sizeof buf, "%.*s", static_cast<int>(host.size()), host.data());
  unsigned char addr[16];
  return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

// "stun:1.2.3.4:3478" / "turn:1.2.3.4:3478?transport=udp" -> ip, port.
bool parse_server(std::string_view url, media::IceServerConfig& out) {
  auto colon = url.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view rest = url.substr(colon + 1);
  rest = rest.substr(0, rest.find('?'));
  std::string_view host = rest;
  std::uint16_t port = 3478;
  auto pc = rest.rfind(':');
  if (pc != std::string_view::npos && rest.find(':') == pc) {  // host:port (not a bare IPv6)
    host = rest.substr(0, pc);
    unsigned v = 0;
    for (char ch : rest.substr(pc + 1)) {
      if (ch < '0' || ch > '9' || v > 65535) return false;
      v = v * 10 + static_cast<unsigned>(ch - '0');
    }
    if (v == 0 || v > 65535) return false;
    port = static_cast<std::uint16_t>(v);
  }
  if (!is_ip_literal(host)) {
    DT_LOGW("media", "ICE server %.*s skipped: give an IP address (host names would be resolved on GLib threads)",
            static_cast<int>(url.size()), url.data());
    return false;
  }
  out.ip.assign(host);
  out.port = port;
  return true;
}

}  // namespace

media::IceConfig ice_config_from(const config::IceConfig& c) {
  media::IceConfig ice;
  for (const auto& a : c.host_addresses) ice.host_addresses.push_back(media::IpString(a.view()));
  if (!c.stun.empty()) parse_server(c.stun[0].view(), ice.stun);
  if (!c.turn.empty() && parse_server(c.turn[0].url.view(), ice.turn)) {
    ice.turn.username.assign(c.turn[0].username.view());
    ice.turn.password.assign(c.turn[0].credential.view());
  }
  return ice;
}

void SessionMedia::to_calls(call::Event::Kind k) { calls_.from_media(slot_, call::Event{.kind = k}); }

void SessionMedia::media_failed(const char* what, std::string_view reason) {
  DT_LOGW("media", "%s: %.*s", what, static_cast<int>(reason.size()), reason.data());
  status_.add_error(reason);
  call::Event e{.kind = call::Event::Kind::kMediaFailed};
  e.reason = reason;
  calls_.from_media(slot_, e);
}

bool SessionMedia::ensure_session() {
  if (session_ && !closing_) return true;
  loop_.cancel_timer(reap_timer_);
  session_.reset();
  closing_ = false;
  session_.emplace(loop_, ctx_, cert_, cfg_);
  media::AudioSession::Callbacks cb;
  cb.on_local_sdp = [this](std::string_view) { to_calls(call::Event::Kind::kLocalSdp); };
  cb.on_connected = [this] {
    DT_LOGI("media", "call %u connected (%s, codec %s)", call_id(), media::sdp::to_string(session_->profile()), session_->stats().codec);
    to_calls(call::Event::Kind::kMediaUp);
  };
  // Both reach the call machine as kMediaFailed: mid-call it answers with an
  // ICE restart through renegotiation, which only a lost path survives (the
  // session then comes back through on_connected); a failed session refuses
  // the restart and the call ends.
  cb.on_failed = [this](std::string_view reason) { media_failed("failed", reason); };
  cb.on_path_lost = [this](std::string_view reason) { media_failed("path lost", reason); };
  cb.on_dtmf = [this](char d) {
    DT_LOGI("media", "call %u: far end sent DTMF %c", call_id(), d);
    events_.dtmf(call_id(), d, "rfc4733");
  };
  session_->set_callbacks(std::move(cb));
  arm_stats();
  return true;
}

media::sdp::Profile sip_offer_profile(const config::SipConfig& c) {
  switch (c.media) {
    case config::SipMedia::kRtp: return media::sdp::Profile::kRtp;
    case config::SipMedia::kSdes: return media::sdp::Profile::kSdes;
    case config::SipMedia::kDtls: return media::sdp::Profile::kDtls;
    case config::SipMedia::kAuto: break;
  }
  return c.transport == config::SipTransportKind::kTls ? media::sdp::Profile::kSdes : media::sdp::Profile::kRtp;
}

void SessionMedia::set_offer_profile(std::string_view line, media::sdp::Profile p) {
  for (LineProfile& lp : offer_profiles_) {
    if (lp.line.view() == line) {
      lp.profile = p;
      return;
    }
  }
  offer_profiles_.push_back(LineProfile{FixedString<8>(line), p});
}

bool SessionMedia::create_offer(call::MediaDirection d, bool ice_restart) {
  // A re-offer within the call keeps the session; the first offer makes it,
  // in the profile of the call's line.
  if (!session_ || closing_) {
    ensure_session();
    const std::string_view line = calls_.line_name(slot_);
    for (const LineProfile& lp : offer_profiles_)
      if (lp.line.view() == line) session_->set_offer_profile(lp.profile);
  }
  return session_->create_offer(to_sdp(d), ice_restart);
}

bool SessionMedia::create_answer(std::string_view remote_offer, call::MediaDirection d) {
  if (!session_ || closing_) ensure_session();
  return session_->create_answer(remote_offer, to_sdp(d));
}

bool SessionMedia::apply_answer(std::string_view remote_answer) {
  return session_ && !closing_ && session_->apply_answer(remote_answer);
}

std::string_view SessionMedia::local_sdp() const {
  return session_ ? session_->local_sdp() : std::string_view{};
}

void SessionMedia::set_flow(bool send, bool play) {
  if (!session_ || closing_) return;
  session_->set_send(send);
  session_->set_play(play);
}

bool SessionMedia::send_dtmf(char digit) { return session_ && !closing_ && session_->send_dtmf(digit); }

void SessionMedia::close() {
  if (!session_ || closing_) return;
  report_stats();
  session_->close();
  closing_ = true;
  loop_.cancel_timer(stats_timer_);
  // The close may come from inside one of the session's own callbacks:
  // destroy it from the loop, not from under its feet.
  reap_timer_ = loop_.add_timer(0, [this] {
    reap_timer_ = TimerId{};
    if (closing_) {
      session_.reset();
      closing_ = false;
    }
  });
}

void SessionMedia::on_audio_frame(std::span<const std::int16_t> mic, std::span<std::int16_t> earpiece) {
  if (session_ && !closing_) session_->on_audio_frame(mic, earpiece);
}

void SessionMedia::arm_stats() {
  // One timer per session at most: re-arming always replaces the last one.
  loop_.cancel_timer(stats_timer_);
  stats_timer_ = loop_.add_timer(5000, [this] {
    stats_timer_ = TimerId{};
    report_stats();
    if (session_ && !closing_) arm_stats();
  });
}

void SessionMedia::report_stats() {
  if (!session_) return;
  media::AudioSessionStats s = session_->stats();
  events_.media(call_id(), MediaFigures{.codec = s.codec, .rx_packets = s.rx_packets, .tx_packets = s.tx_packets,
                                        .lost = s.lost, .rtt_ms = s.rtt_ms, .jitter_ms = s.jitter_ms});
}

}  // namespace dialtone::app
