#include "media/sdp/sdp_writer.hpp"

#include <mbedtls/base64.h>

#include "media/sdp/text_writer.hpp"

namespace dialtone::media::sdp {
namespace {

bool is_ipv6(std::string_view a) { return a.find(':') != std::string_view::npos; }

void ip(TextWriter& w, std::string_view addr) { w.put(is_ipv6(addr) ? "IP6 " : "IP4 ").put(addr); }

void session_header(TextWriter& w, const LocalMedia& l, std::string_view bundle_mid) {
  w.put("v=0").crlf();
  w.put("o=- ").num(l.session_id).put(' ').num(l.session_version).put(" IN ");
  if (l.profile == Profile::kDtls) w.put("IP4 0.0.0.0");
  else ip(w, l.address);
  w.crlf();
  w.put("s=-").crlf();
  if (l.profile != Profile::kDtls) {
    w.put("c=IN ");
    ip(w, l.address);
    w.crlf();
  }
  w.put("t=0 0").crlf();
  if (l.profile != Profile::kDtls) return;
  w.put("a=group:BUNDLE ").put(bundle_mid).crlf();
  w.put("a=msid-semantic: WMS").crlf();
}

// m=, and for SIP peers a=rtcp (RFC 3605) where RTCP is not muxed. `proto`:
// an answer repeats the offer's (RFC 3264 6).
void plain_media_line(TextWriter& w, const LocalMedia& l, std::string_view proto, std::span<const std::uint8_t> pts,
                      bool rtcp_port) {
  w.put("m=audio ").num(l.port).put(' ').put(proto);
  for (std::uint8_t pt : pts) w.put(' ').num(pt);
  w.crlf();
  if (rtcp_port) w.put("a=rtcp:").num(l.rtcp_port).crlf();
}

void crypto(TextWriter& w, const Crypto& k) {
  unsigned char b64[48];
  std::size_t n = 0;
  if (mbedtls_base64_encode(b64, sizeof b64, &n, k.key.data(), k.key.size()) != 0) n = 0;
  w.put("a=crypto:").num(k.tag).put(' ').put(to_string(k.suite)).put(" inline:");
  w.put(std::string_view(reinterpret_cast<const char*>(b64), n)).crlf();
}

void media_line(TextWriter& w, const LocalMedia& l, std::span<const std::uint8_t> pts) {
  const Candidate* def = default_candidate(l.candidates);
  w.put("m=audio ").num(def ? def->port : 9).put(" UDP/TLS/RTP/SAVPF");
  for (std::uint8_t pt : pts) w.put(' ').num(pt);
  w.crlf();
  std::string_view addr = def ? def->address.view() : std::string_view("0.0.0.0");
  w.put("c=IN ").put(is_ipv6(addr) ? "IP6 " : "IP4 ").put(addr).crlf();
  w.put("a=rtcp:9 IN IP4 0.0.0.0").crlf();
}

void transport(TextWriter& w, const LocalMedia& l, Setup setup) {
  for (const Candidate& c : l.candidates) {
    w.put("a=candidate:").put(c.foundation.view()).put(' ').num(c.component).put(" udp ").num(c.priority);
    w.put(' ').put(c.address.view()).put(' ').num(c.port).put(" typ ").put(to_string(c.type));
    if (c.type != CandidateType::kHost) {
      // raddr/rport are mandatory for reflexive and relayed candidates.
      std::string_view ra = c.related_address.empty() ? std::string_view("0.0.0.0") : c.related_address.view();
      w.put(" raddr ").put(ra).put(" rport ").num(c.related_port);
    }
    w.put(" generation 0").crlf();
  }
  w.put("a=end-of-candidates").crlf();
  w.put("a=ice-ufrag:").put(l.ice_ufrag).crlf();
  w.put("a=ice-pwd:").put(l.ice_pwd).crlf();
  w.put("a=fingerprint:sha-256 ");
  for (std::size_t i = 0; i < l.fingerprint_sha256.size(); ++i) {
    if (i) w.put(':');
    w.hex_byte(l.fingerprint_sha256[i]);
  }
  w.crlf();
  w.put("a=setup:").put(to_string(setup)).crlf();
}

void format(TextWriter& w, std::uint8_t pt, std::string_view name, std::uint32_t rate, std::uint8_t channels,
            std::string_view fmtp) {
  w.put("a=rtpmap:").num(pt).put(' ').put(name).put('/').num(rate);
  if (channels > 1) w.put('/').num(channels);
  w.crlf();
  if (!fmtp.empty()) w.put("a=fmtp:").num(pt).put(' ').put(fmtp).crlf();
}

void ssrc(TextWriter& w, const LocalMedia& l) {
  w.put("a=ssrc:").num(l.ssrc).put(" cname:").put(l.cname).crlf();
}

SdpError check(const LocalMedia& l) {
  if (l.profile != Profile::kDtls) {
    if (l.address.empty() || l.port == 0) return SdpError::kNoConnection;
    if (l.profile == Profile::kSdes && l.cryptos.empty()) return SdpError::kNoCrypto;
    return SdpError::kOk;
  }
  if (l.ice_ufrag.empty() || l.ice_pwd.empty()) return SdpError::kMissingIceCredentials;
  if (l.fingerprint_sha256.size() != 32) return SdpError::kNoFingerprint;
  return SdpError::kOk;
}

SdpError done(const TextWriter& w, std::size_t& len) {
  if (w.overflow()) return SdpError::kBufferTooSmall;
  len = w.size();
  return SdpError::kOk;
}

const char* our_fmtp(const PayloadFormat& f) {
  for (const auto& mine : local_formats())
    if (mine.kind == f.kind && mine.clock_rate == f.clock_rate) return mine.fmtp;
  return "";
}

}  // namespace

const Candidate* default_candidate(std::span<const Candidate> candidates) {
  const Candidate* best = nullptr;
  auto rank = [](CandidateType t) {
    switch (t) {
      case CandidateType::kRelay: return 3;
      case CandidateType::kSrflx: return 2;
      case CandidateType::kPrflx: return 1;
      case CandidateType::kHost: return 0;
    }
    return 0;
  };
  for (const Candidate& c : candidates)
    if (!best || rank(c.type) > rank(best->type)) best = &c;
  return best;
}

SdpError write_offer(const LocalMedia& l, std::span<char> out, std::size_t& len) {
  if (SdpError e = check(l); e != SdpError::kOk) return e;
  TextWriter w(out);
  session_header(w, l, "0");
  std::uint8_t pts[limits::kSdpFormatsMax];
  std::size_t n = 0;
  for (const auto& f : local_formats())
    if (n < limits::kSdpFormatsMax) pts[n++] = f.pt;
  if (l.profile == Profile::kDtls) {
    media_line(w, l, {pts, n});
    transport(w, l, Setup::kActpass);
    w.put("a=mid:0").crlf();
  } else {
    plain_media_line(w, l, proto_of(l.profile), {pts, n}, true);
  }
  w.put("a=").put(to_string(l.direction)).crlf();
  w.put("a=rtcp-mux").crlf();
  if (l.profile == Profile::kSdes)
    for (const Crypto& k : l.cryptos) crypto(w, k);
  for (const auto& f : local_formats()) format(w, f.pt, f.name, f.clock_rate, f.channels, f.fmtp);
  w.put("a=ptime:20").crlf();
  ssrc(w, l);
  return done(w, len);
}

SdpError write_answer(const LocalMedia& l, const SessionDescription& offer, const Negotiated& n,
                      std::span<char> out, std::size_t& len) {
  if (SdpError e = check(l); e != SdpError::kOk) return e;
  if (l.profile != offer.profile || l.profile != n.profile) return SdpError::kProfileMismatch;
  TextWriter w(out);
  session_header(w, l, offer.mid.view());
  const std::size_t sections = offer.others.size() + 1;
  for (std::size_t i = 0; i < sections; ++i) {
    if (i != offer.audio_index) {
      // A section we do not take: same media and proto, port 0 (RFC 3264 6).
      for (const auto& o : offer.others) {
        if (o.index != i) continue;
        w.put("m=").put(o.media.view()).put(" 0 ").put(o.proto.view()).put(' ').put(o.first_format.view()).crlf();
        w.put("c=IN IP4 0.0.0.0").crlf();
        if (!o.mid.empty()) w.put("a=mid:").put(o.mid.view()).crlf();
        w.put("a=inactive").crlf();
      }
      continue;
    }
    std::uint8_t pts[2] = {n.audio.pt, n.dtmf.pt};
    if (l.profile == Profile::kDtls) {
      media_line(w, l, {pts, n.has_dtmf ? 2u : 1u});
      DtlsRole role = n.dtls_role;
      transport(w, l, role == DtlsRole::kClient ? Setup::kActive : Setup::kPassive);
      w.put("a=mid:").put(offer.mid.view()).crlf();
    } else {
      plain_media_line(w, l, offer.proto.view(), {pts, n.has_dtmf ? 2u : 1u}, !n.rtcp_mux);
      if (!offer.mid.empty()) w.put("a=mid:").put(offer.mid.view()).crlf();
    }
    w.put("a=").put(to_string(n.direction)).crlf();
    if (n.rtcp_mux) w.put("a=rtcp-mux").crlf();
    if (l.profile == Profile::kSdes) crypto(w, n.local_key);
    format(w, n.audio.pt, n.audio.name.view(), n.audio.clock_rate, n.audio.channels, our_fmtp(n.audio));
    if (n.has_dtmf) format(w, n.dtmf.pt, n.dtmf.name.view(), n.dtmf.clock_rate, 1, "0-15");
    w.put("a=ptime:20").crlf();
    ssrc(w, l);
  }
  return done(w, len);
}

}  // namespace dialtone::media::sdp
