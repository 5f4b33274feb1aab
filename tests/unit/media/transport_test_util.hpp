// A MediaTransport with its events recorded, and RTP helpers, for the
// transport_* tests.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "media/transport/media_transport.hpp"

namespace dialtone::media::testing {

inline std::vector<std::uint8_t> make_rtp(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
                                          const std::uint8_t* payload, std::size_t n) {
  std::vector<std::uint8_t> b(12 + n);
  b[0] = 0x80;
  b[1] = pt;
  b[2] = static_cast<std::uint8_t>(seq >> 8);
  b[3] = static_cast<std::uint8_t>(seq);
  for (int i = 0; i < 4; ++i) b[4 + i] = static_cast<std::uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) b[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  if (n) std::memcpy(b.data() + 12, payload, n);
  return b;
}

inline std::uint32_t rtp_ssrc(std::span<const std::uint8_t> p) {
  return static_cast<std::uint32_t>(p[8]) << 24 | static_cast<std::uint32_t>(p[9]) << 16 |
         static_cast<std::uint32_t>(p[10]) << 8 | p[11];
}

struct Peer {
  Peer(EventLoop& loop, GMainContext* ctx, const DtlsCertificate& cert) : t(loop, ctx, cert) {}
  MediaTransport t;
  bool gathered = false, connected = false, failed = false;
  std::string reason;
  std::vector<std::vector<std::uint8_t>> rtp, rtcp;

  bool start(const IceConfig& cfg) {
    MediaTransport::Callbacks cb;
    cb.on_gathering_done = [this] { gathered = true; };
    cb.on_connected = [this] { connected = true; };
    cb.on_failed = [this](std::string_view r) {
      failed = true;
      reason.assign(r);
    };
    cb.on_rtp = [this](std::span<const std::uint8_t> p) { rtp.emplace_back(p.begin(), p.end()); };
    cb.on_rtcp = [this](std::span<const std::uint8_t> p) { rtcp.emplace_back(p.begin(), p.end()); };
    return t.start(cfg, std::move(cb));
  }

  // What the other side needs from us (as if it came from our SDP).
  struct Offer {
    std::string ufrag, pwd, fingerprint;
    std::vector<std::string> candidates;
  };
  Offer describe() const {
    Offer o{std::string(t.local_ufrag()), std::string(t.local_pwd()), std::string(t.local_fingerprint()), {}};
    for (const auto& c : t.local_candidates()) o.candidates.emplace_back(c.view());
    return o;
  }
  bool set_remote(const Offer& o, DtlsRole my_role, std::string_view fingerprint_override = {}) {
    std::vector<std::string_view> lines(o.candidates.begin(), o.candidates.end());
    RemoteDescription r;
    r.ice_ufrag = o.ufrag;
    r.ice_pwd = o.pwd;
    r.candidates = lines;
    r.fingerprint = fingerprint_override.empty() ? std::string_view(o.fingerprint) : fingerprint_override;
    r.dtls_role = my_role;
    return t.set_remote(r);
  }
};

}  // namespace dialtone::media::testing
