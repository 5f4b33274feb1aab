#include "media/sdp/sdp_parser.hpp"

#include <mbedtls/base64.h>

#include <charconv>

#include "firmware/core/ascii.hpp"

namespace dialtone::media::sdp {
namespace {

// Next space-separated token; `s` keeps the rest.
std::string_view next_token(std::string_view& s) {
  std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) {
    s = {};
    return {};
  }
  s.remove_prefix(b);
  std::size_t e = s.find_first_of(" \t");
  std::string_view tok = s.substr(0, e);
  s.remove_prefix(e == std::string_view::npos ? s.size() : e);
  return tok;
}

template <typename T>
bool to_uint(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ascii_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::size_t digest_size(std::string_view alg) {
  if (alg == "sha-1") return 20;
  if (alg == "sha-224") return 28;
  if (alg == "sha-256") return 32;
  if (alg == "sha-384") return 48;
  if (alg == "sha-512") return 64;
  return 0;  // unknown: any length up to the capacity
}

SdpError parse_fingerprint(std::string_view v, Fingerprint& fp) {
  std::string_view alg = next_token(v);
  std::string_view hex = next_token(v);
  if (alg.empty() || hex.empty() || alg.size() > 16) return SdpError::kBadFingerprint;
  fp.algorithm.clear();
  for (char c : alg) fp.algorithm.push_back(ascii_lower(c));
  fp.size = 0;
  // "AB:CD:...": two hex digits, then a colon before every byte but the first
  for (std::size_t i = 0; i < hex.size();) {
    if (fp.size > 0) {
      if (hex[i] != ':') return SdpError::kBadFingerprint;
      ++i;
    }
    if (i + 2 > hex.size() || fp.size == fp.digest.size()) return SdpError::kBadFingerprint;
    int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return SdpError::kBadFingerprint;
    fp.digest[fp.size++] = static_cast<std::uint8_t>(hi * 16 + lo);
    i += 2;
  }
  std::size_t want = digest_size(fp.algorithm.view());
  if (want != 0 && want != fp.size) return SdpError::kBadFingerprint;
  return SdpError::kOk;
}

// a=candidate:<foundation> <component> <transport> <priority> <address> <port>
//   typ <type> [raddr <a>] [rport <p>] [extensions...]
// `keep` is false for candidates we do not use (TCP, RTCP component).
SdpError parse_candidate(std::string_view v, Candidate& c, bool& keep) {
  std::string_view foundation = next_token(v), component = next_token(v), transport = next_token(v),
                   priority = next_token(v), address = next_token(v), port = next_token(v),
                   typ = next_token(v), type = next_token(v);
  if (type.empty() || typ != "typ") return SdpError::kBadCandidate;
  if (!c.foundation.assign(foundation) || !to_uint(component, c.component) ||
      !to_uint(priority, c.priority) || !c.address.assign(address) || !to_uint(port, c.port))
    return SdpError::kBadCandidate;
  if (type == "host") c.type = CandidateType::kHost;
  else if (type == "srflx") c.type = CandidateType::kSrflx;
  else if (type == "prflx") c.type = CandidateType::kPrflx;
  else if (type == "relay") c.type = CandidateType::kRelay;
  else return SdpError::kBadCandidate;
  c.related_address.clear();
  c.related_port = 0;
  // Extensions come as name/value pairs; only raddr/rport matter here.
  for (;;) {
    std::string_view name = next_token(v);
    if (name.empty()) break;
    std::string_view value = next_token(v);
    if (value.empty()) return SdpError::kBadCandidate;
    if (name == "raddr" && !c.related_address.assign(value)) return SdpError::kBadCandidate;
    if (name == "rport" && !to_uint(value, c.related_port)) return SdpError::kBadCandidate;
  }
  keep = ascii_iequals(transport, "udp") && c.component == 1;
  return SdpError::kOk;
}

CryptoSuite suite_of(std::string_view name) {
  if (name == "AES_CM_128_HMAC_SHA1_80") return CryptoSuite::kAesCm128HmacSha1_80;
  if (name == "AES_CM_128_HMAC_SHA1_32") return CryptoSuite::kAesCm128HmacSha1_32;
  return CryptoSuite::kOther;
}

// <tag> <suite> <key-params> [<session-params>...] (RFC 4568 9.1). A line
// that reads but that we cannot key SRTP with is kept with usable = false:
// the negotiation refuses it by name instead of dropping it silently.
SdpError parse_crypto(std::string_view v, Crypto& c) {
  std::string_view tag = next_token(v), suite = next_token(v), key_params = next_token(v);
  if (key_params.empty() || !to_uint(tag, c.tag) || tag.size() > 9) return SdpError::kBadCrypto;
  c.suite = suite_of(suite);
  c.usable = false;
  const bool session_params = !next_token(v).empty();
  if (c.suite == CryptoSuite::kOther || session_params) return SdpError::kOk;
  // One key only: "inline:<key||salt>[|lifetime][|MKI:length]".
  if (key_params.find(';') != std::string_view::npos || !key_params.starts_with("inline:")) return SdpError::kOk;
  key_params.remove_prefix(7);
  std::size_t bar = key_params.find('|');
  const std::string_view key = key_params.substr(0, bar);
  while (bar != std::string_view::npos) {
    key_params.remove_prefix(bar + 1);
    bar = key_params.find('|');
    // A field with ':' is an MKI (we send and expect none); else a lifetime.
    if (key_params.substr(0, bar).find(':') != std::string_view::npos) return SdpError::kOk;
  }
  std::uint8_t raw[limits::kSdesKeySaltBytes + 3];
  std::size_t n = 0;
  if (mbedtls_base64_decode(raw, sizeof raw, &n, reinterpret_cast<const unsigned char*>(key.data()), key.size()) != 0 ||
      n != c.key.size())
    return SdpError::kOk;
  std::copy(raw, raw + n, c.key.begin());
  c.usable = true;
  return SdpError::kOk;
}

CodecKind kind_of(std::string_view name) {
  if (ascii_iequals(name, "opus")) return CodecKind::kOpus;
  if (ascii_iequals(name, "PCMU")) return CodecKind::kPcmu;
  if (ascii_iequals(name, "PCMA")) return CodecKind::kPcma;
  if (ascii_iequals(name, "telephone-event")) return CodecKind::kTelephoneEvent;
  return CodecKind::kOther;
}

// "<pt> <name>/<rate>[/<channels>]"
SdpError parse_rtpmap(std::string_view v, SessionDescription& d) {
  std::string_view pt_text = next_token(v), enc = next_token(v);
  unsigned pt = 0;
  if (!to_uint(pt_text, pt) || pt > 127 || enc.empty()) return SdpError::kBadRtpmap;
  std::size_t s1 = enc.find('/');
  if (s1 == std::string_view::npos) return SdpError::kBadRtpmap;
  std::string_view name = enc.substr(0, s1), rest = enc.substr(s1 + 1);
  std::size_t s2 = rest.find('/');
  std::uint32_t rate = 0;
  unsigned channels = 1;
  if (!to_uint(rest.substr(0, s2), rate) || name.empty()) return SdpError::kBadRtpmap;
  if (s2 != std::string_view::npos && !to_uint(rest.substr(s2 + 1), channels)) return SdpError::kBadRtpmap;
  if (channels == 0 || channels > 255) return SdpError::kBadRtpmap;
  for (auto& f : d.formats) {
    if (f.pt != pt) continue;  // rtpmaps for formats not in m= are ignored
    f.name.assign(name);
    f.clock_rate = rate;
    f.channels = static_cast<std::uint8_t>(channels);
    f.kind = kind_of(name);
    f.has_rtpmap = true;
  }
  return SdpError::kOk;
}

// Static payload types may appear without a=rtpmap (RFC 3551).
void fill_static(PayloadFormat& f) {
  if (f.has_rtpmap) return;
  if (f.pt == 0) {
    f.kind = CodecKind::kPcmu;
    f.name.assign("PCMU");
    f.clock_rate = 8000;
  } else if (f.pt == 8) {
    f.kind = CodecKind::kPcma;
    f.name.assign("PCMA");
    f.clock_rate = 8000;
  }
}

// m=<media> <port>[/<count>] <proto> <fmt>...
struct MediaLine {
  std::string_view media, proto, formats;
  std::uint16_t port = 0;
};

SdpError parse_media_line(std::string_view v, MediaLine& m) {
  m.media = next_token(v);
  std::string_view port = next_token(v);
  m.proto = next_token(v);
  m.formats = v;
  std::size_t slash = port.find('/');
  if (m.proto.empty() || !to_uint(port.substr(0, slash), m.port)) return SdpError::kBadMediaLine;
  return SdpError::kOk;
}

SdpError parse_connection(std::string_view v, Token& address) {
  std::string_view net = next_token(v), type = next_token(v), addr = next_token(v);
  if (net != "IN" || (type != "IP4" && type != "IP6") || addr.empty()) return SdpError::kBadConnection;
  addr = addr.substr(0, addr.find('/'));  // multicast TTL
  if (!address.assign(addr)) return SdpError::kBadConnection;
  return SdpError::kOk;
}

SdpError parse_setup(std::string_view v, Setup& s) {
  if (v == "actpass") s = Setup::kActpass;
  else if (v == "active") s = Setup::kActive;
  else if (v == "passive") s = Setup::kPassive;
  else if (v == "holdconn") s = Setup::kHoldconn;
  else return SdpError::kBadSetup;
  return SdpError::kOk;
}

bool parse_direction(std::string_view name, Direction& d) {
  if (name == "sendrecv") d = Direction::kSendRecv;
  else if (name == "sendonly") d = Direction::kSendOnly;
  else if (name == "recvonly") d = Direction::kRecvOnly;
  else if (name == "inactive") d = Direction::kInactive;
  else return false;
  return true;
}

bool has_checkable_fingerprint(const SessionDescription& d) {
  for (const auto& f : d.fingerprints) {
    auto a = f.algorithm.view();
    if (a == "sha-256" || a == "sha-384" || a == "sha-512") return true;
  }
  return false;
}

enum class Where { kSession, kAudio, kOther };

// Values that may sit at session level and apply when the audio section has
// none of its own (RFC 8866, RFC 8839, RFC 8122).
struct SessionDefaults {
  IceCredential ufrag, pwd;
  FixedVector<Fingerprint, limits::kSdpFingerprintsMax> fingerprints;
  Setup setup = Setup::kActpass;
  bool setup_present = false;
  Direction direction = Direction::kSendRecv;
  bool direction_present = false;
  Token connection;
  FixedString<limits::kSdpLineMax> bundle;  // the a=group:BUNDLE mids
};

class Parser {
 public:
  explicit Parser(SessionDescription& out) : d_(out) {}

  SdpError run(std::string_view text) {
    if (text.size() > limits::kSdpMax) return SdpError::kTooLong;
    bool first = true;
    while (!text.empty()) {
      std::size_t nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      if (line.size() > limits::kSdpLineMax) return SdpError::kTooLong;
      if (line.size() < 2 || line[1] != '=') return SdpError::kBadLine;
      if (first) {
        if (line != "v=0") return SdpError::kBadVersion;
        first = false;
        continue;
      }
      SdpError e = this->line(line[0], line.substr(2));
      if (e != SdpError::kOk) return e;
    }
    if (first) return SdpError::kEmpty;
    return finish();
  }

 private:
  SdpError line(char type, std::string_view v) {
    switch (type) {
      case 'o': return origin(v);
      case 'm': return media(v);
      case 'c':
        if (where_ == Where::kSession) return parse_connection(v, defaults_.connection);
        if (where_ == Where::kAudio) return parse_connection(v, d_.connection_address);
        return SdpError::kOk;
      case 'a': return attribute(v);
      default: return SdpError::kOk;  // s=, t=, b=, i=, ... carry nothing we use
    }
  }

  SdpError origin(std::string_view v) {
    std::string_view user = next_token(v), id = next_token(v), version = next_token(v);
    std::string_view net = next_token(v), type = next_token(v), addr = next_token(v);
    if (addr.empty() || user.empty() || net != "IN" || !to_uint(id, d_.session_id) ||
        !to_uint(version, d_.session_version))
      return SdpError::kBadOrigin;
    (void)type;
    return SdpError::kOk;
  }

  SdpError media(std::string_view v) {
    MediaLine m;
    SdpError e = parse_media_line(v, m);
    if (e != SdpError::kOk) return e;
    std::size_t index = sections_++;
    if (m.media == "audio" && m.port != 0 && !have_audio_) {
      have_audio_ = true;
      where_ = Where::kAudio;
      d_.audio_index = index;
      d_.port = m.port;
      d_.proto.assign(m.proto);
      std::string_view fmts = m.formats;
      for (std::string_view t = next_token(fmts); !t.empty(); t = next_token(fmts)) {
        unsigned pt = 0;
        if (!to_uint(t, pt) || pt > 127) return SdpError::kBadMediaLine;
        PayloadFormat f;
        f.pt = static_cast<std::uint8_t>(pt);
        d_.formats.push_back(f);  // beyond capacity: the least preferred are dropped
      }
      if (d_.formats.empty()) return SdpError::kBadMediaLine;
      return SdpError::kOk;
    }
    where_ = Where::kOther;
    other_ = nullptr;
    OtherSection o;
    o.index = index;
    o.media.assign(m.media);
    o.proto.assign(m.proto);
    std::string_view fmts = m.formats;
    o.first_format.assign(next_token(fmts));
    if (d_.others.push_back(o)) other_ = &d_.others.back();
    return SdpError::kOk;
  }

  SdpError attribute(std::string_view v) {
    std::size_t colon = v.find(':');
    std::string_view name = v.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : v.substr(colon + 1);
    if (where_ == Where::kOther) {
      if (name == "mid" && other_) other_->mid.assign(value);
      return SdpError::kOk;
    }
    const bool audio = where_ == Where::kAudio;
    if (name == "candidate") {
      Candidate c;
      bool keep = false;
      SdpError e = parse_candidate(value, c, keep);
      if (e != SdpError::kOk) return e;
      if (!audio || !keep || !d_.candidates.push_back(c)) ++d_.candidates_skipped;
      return SdpError::kOk;
    }
    if (name == "end-of-candidates") {
      d_.end_of_candidates = true;
      return SdpError::kOk;
    }
    if (name == "ice-ufrag") return credential(audio ? d_.ice_ufrag : defaults_.ufrag, value);
    if (name == "ice-pwd") return credential(audio ? d_.ice_pwd : defaults_.pwd, value);
    if (name == "ice-lite") {
      d_.ice_lite = true;
      return SdpError::kOk;
    }
    if (name == "fingerprint") {
      Fingerprint fp;
      SdpError e = parse_fingerprint(value, fp);
      if (e != SdpError::kOk) return e;
      (audio ? d_.fingerprints : defaults_.fingerprints).push_back(fp);  // extras are ignored
      return SdpError::kOk;
    }
    if (name == "setup") {
      Setup s;
      SdpError e = parse_setup(value, s);
      if (e != SdpError::kOk) return e;
      if (audio) {
        d_.setup = s;
        d_.setup_present = true;
      } else {
        defaults_.setup = s;
        defaults_.setup_present = true;
      }
      return SdpError::kOk;
    }
    Direction dir;
    if (parse_direction(name, dir)) {
      if (audio) {
        d_.direction = dir;
        direction_present_ = true;
      } else {
        defaults_.direction = dir;
        defaults_.direction_present = true;
      }
      return SdpError::kOk;
    }
    if (name == "group") {
      std::string_view rest = value;
      if (next_token(rest) == "BUNDLE") defaults_.bundle.assign(rest);
      return SdpError::kOk;
    }
    if (!audio) return SdpError::kOk;
    if (name == "mid") {
      d_.mid.assign(value);
    } else if (name == "crypto") {
      Crypto k;
      SdpError e = parse_crypto(value, k);
      if (e != SdpError::kOk) return e;
      // Beyond capacity the offerer's least preferred lines go; at least
      // kSdpCryptosMax are weighed, so that is never a silent downgrade.
      d_.cryptos.push_back(k);
    } else if (name == "rtcp") {
      std::string_view rest = value;
      if (!to_uint(next_token(rest), d_.rtcp_port)) d_.rtcp_port = 0;  // unreadable: port + 1 it is
    } else if (name == "rtcp-mux") {
      d_.rtcp_mux = true;
    } else if (name == "rtpmap") {
      return parse_rtpmap(value, d_);
    } else if (name == "fmtp") {
      std::string_view rest = value;
      unsigned pt = 0;
      if (to_uint(next_token(rest), pt)) {
        std::size_t b = rest.find_first_not_of(" \t");
        rest = b == std::string_view::npos ? std::string_view{} : rest.substr(b);
        for (auto& f : d_.formats)
          if (f.pt == pt) f.fmtp.assign(rest);
      }
    } else if (name == "ptime") {
      to_uint(value, d_.ptime_ms);
    } else if (name == "ssrc") {
      std::string_view rest = value;
      std::uint32_t ssrc = 0;
      if (!to_uint(next_token(rest), ssrc)) return SdpError::kOk;  // unusable, not fatal
      if (d_.ssrc == 0) d_.ssrc = ssrc;
      std::size_t b = rest.find_first_not_of(" \t");
      rest = b == std::string_view::npos ? std::string_view{} : rest.substr(b);
      if (ssrc == d_.ssrc && rest.substr(0, 6) == "cname:" && d_.cname.empty()) d_.cname.assign(rest.substr(6));
    }
    return SdpError::kOk;  // msid, extmap, rtcp-fb, ssrc-group, rtcp, ... are not ours to use
  }

  // The profile from m= proto (sip-line.md section 5). Old WebRTC stacks
  // wrote RTP/SAVPF with DTLS; RTP/AVP with a=crypto is "best effort SRTP"
  // (baresip's and Asterisk's reading): the keys are used, not ignored.
  SdpError profile() {
    const std::string_view proto = d_.proto.view();
    const bool dtls = !d_.ice_ufrag.empty() && has_checkable_fingerprint(d_);
    if (ascii_iequals(proto, "UDP/TLS/RTP/SAVPF") || ascii_iequals(proto, "UDP/TLS/RTP/SAVP")) {
      d_.profile = Profile::kDtls;
    } else if (ascii_iequals(proto, "RTP/SAVP") || ascii_iequals(proto, "RTP/SAVPF")) {
      if (!d_.cryptos.empty()) d_.profile = Profile::kSdes;
      else if (dtls) d_.profile = Profile::kDtls;
      else return SdpError::kNoCrypto;
    } else if (ascii_iequals(proto, "RTP/AVP") || ascii_iequals(proto, "RTP/AVPF")) {
      d_.profile = d_.cryptos.empty() ? Profile::kRtp : Profile::kSdes;
    } else {
      return SdpError::kUnsupportedProfile;
    }
    return SdpError::kOk;
  }

  static SdpError credential(IceCredential& dst, std::string_view value) {
    // Longer than RFC 8839 allows: refuse rather than truncate a secret.
    return dst.assign(value) ? SdpError::kOk : SdpError::kTooLong;
  }

  SdpError finish() {
    if (!have_audio_) return SdpError::kNoAudio;
    if (d_.ice_ufrag.empty()) d_.ice_ufrag = defaults_.ufrag;
    if (d_.ice_pwd.empty()) d_.ice_pwd = defaults_.pwd;
    if (d_.fingerprints.empty()) d_.fingerprints = defaults_.fingerprints;
    if (!d_.setup_present && defaults_.setup_present) {
      d_.setup = defaults_.setup;
      d_.setup_present = true;
    }
    if (!direction_present_ && defaults_.direction_present) d_.direction = defaults_.direction;
    if (d_.connection_address.empty()) d_.connection_address = defaults_.connection;
    std::string_view mids = defaults_.bundle.view();
    for (std::string_view m = next_token(mids); !m.empty(); m = next_token(mids))
      if (m == d_.mid.view()) d_.bundled = true;
    for (auto& f : d_.formats) fill_static(f);

    SdpError e = profile();
    if (e != SdpError::kOk) return e;
    if (d_.profile == Profile::kDtls) {
      if (d_.ice_ufrag.empty() || d_.ice_pwd.empty()) return SdpError::kMissingIceCredentials;
      if (!has_checkable_fingerprint(d_)) return SdpError::kNoFingerprint;
      if (!d_.rtcp_mux) return SdpError::kNoRtcpMux;
    } else if (d_.connection_address.empty()) {
      return SdpError::kNoConnection;
    }
    for (const auto& f : d_.formats)
      if (f.kind == CodecKind::kOpus || f.kind == CodecKind::kPcmu || f.kind == CodecKind::kPcma)
        return SdpError::kOk;
    return SdpError::kNoCommonCodec;
  }

  SessionDescription& d_;
  SessionDefaults defaults_;
  Where where_ = Where::kSession;
  OtherSection* other_ = nullptr;
  std::size_t sections_ = 0;
  bool have_audio_ = false;
  bool direction_present_ = false;
};

}  // namespace

SdpError parse(std::string_view text, SessionDescription& out) {
  out = SessionDescription{};
  Parser p(out);
  return p.run(text);
}

}  // namespace dialtone::media::sdp
