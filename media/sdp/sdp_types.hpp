// The SDP we exchange (yna-wire.md section 7, sip-line.md section 5), as
// fixed structures: one audio section, its transport profile, ICE
// credentials and candidates, DTLS fingerprints or SDES keys, and the
// payload formats. Everything is bounded by limits.hpp; no heap.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::media::sdp {

// Errors are either "unparsable" (the text is not SDP we can read) or
// "inconsistent" (it reads, but it is not a session we can hold). The split
// follows str0m's sdp/error.rs: callers answer the two differently in logs.
enum class SdpError {
  kOk,
  // unparsable
  kEmpty,
  kTooLong,           // whole SDP > kSdpMax, or one line > kSdpLineMax
  kBadLine,           // not "<letter>=<value>"
  kBadVersion,        // v= missing or not 0
  kBadOrigin,         // o= malformed
  kBadMediaLine,      // m= malformed
  kBadConnection,     // c= malformed
  kBadRtpmap,         // a=rtpmap malformed
  kBadCandidate,      // a=candidate malformed
  kBadFingerprint,    // a=fingerprint malformed
  kBadSetup,          // a=setup value unknown
  kBadCrypto,         // a=crypto malformed (no tag, suite or key parameters)
  // inconsistent
  kNoAudio,           // no usable m=audio (absent or port 0)
  kNoFingerprint,     // no fingerprint with a hash we can check
  kNoCommonCodec,     // none of opus/PCMU/PCMA
  kMissingIceCredentials,
  kNoRtcpMux,         // WebRTC requires it and we open one component only
  kSetupConflict,     // e.g. an answer saying actpass, an offer saying holdconn
  kWrongState,        // an answer with no offer of ours outstanding, or glare
  kUnsupportedProfile,  // m=audio proto is none of RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF
  kNoConnection,      // RTP/AVP or RTP/SAVP without a c= address
  kNoCrypto,          // RTP/SAVP without a=crypto (nor DTLS)
  kNoUsableCrypto,    // a=crypto lines, none of which we can key SRTP with
  kProfileMismatch,   // an answer in another profile than our offer, or a re-offer that switches
  kBufferTooSmall,    // building: the output span is too small
};

const char* to_string(SdpError e);
// True for the "cannot read it" group, false for "read it, cannot use it".
bool is_unparsable(SdpError e);

enum class Direction { kSendRecv, kSendOnly, kRecvOnly, kInactive };
enum class Setup { kActpass, kActive, kPassive, kHoldconn };
enum class DtlsRole { kClient, kServer };
enum class CandidateType { kHost, kSrflx, kPrflx, kRelay };
enum class CodecKind { kOpus, kPcmu, kPcma, kTelephoneEvent, kOther };
// How the audio travels (sip-line.md section 5):
//   kDtls  UDP/TLS/RTP/SAVPF: ICE + DTLS-SRTP, rtcp-mux (the YNA line, WebRTC)
//   kSdes  RTP/SAVP with a=crypto (RFC 4568): SRTP keyed in the SDP, no ICE
//   kRtp   RTP/AVP: plain RTP, RTCP on port + 1 or muxed, no ICE
enum class Profile { kDtls, kSdes, kRtp };
// The SDES crypto suites (RFC 4568 6.2). kOther: a suite we cannot key.
enum class CryptoSuite { kAesCm128HmacSha1_80, kAesCm128HmacSha1_32, kOther };

const char* to_string(Direction d);
const char* to_string(Setup s);
const char* to_string(CandidateType t);
const char* to_string(Profile p);     // "dtls", "sdes", "rtp" (the config's words)
const char* to_string(CryptoSuite s);  // the a=crypto name
// The m= proto we write for a profile.
const char* proto_of(Profile p);

inline bool sends(Direction d) { return d == Direction::kSendRecv || d == Direction::kSendOnly; }
inline bool receives(Direction d) { return d == Direction::kSendRecv || d == Direction::kRecvOnly; }
Direction make_direction(bool send, bool recv);
// The same session seen from the other side: sendonly <-> recvonly.
Direction reverse(Direction d);

using Token = FixedString<limits::kSdpTokenMax>;
using IceCredential = FixedString<limits::kIceUfragPwdMax>;

struct Candidate {
  Token foundation;
  std::uint8_t component = 1;
  std::uint32_t priority = 0;
  Token address;  // IPv4, IPv6 or an mDNS ".local" name, as written
  std::uint16_t port = 0;
  CandidateType type = CandidateType::kHost;
  Token related_address;  // raddr (srflx/relay); empty for host
  std::uint16_t related_port = 0;
};

struct Fingerprint {
  FixedString<16> algorithm;  // lower case: "sha-256"
  std::array<std::uint8_t, limits::kFingerprintBytesMax> digest{};
  std::size_t size = 0;
  std::span<const std::uint8_t> bytes() const { return {digest.data(), size}; }
};

// One a=crypto line (RFC 4568 9.1):
//   a=crypto:<tag> <suite> inline:<base64 key||salt>[|lifetime][|MKI:len] [params]
// `usable` says we can key libsrtp with it: a suite we know, exactly one
// inline key of 30 bytes, no MKI, no session parameters (UNENCRYPTED_SRTP,
// KDR, FEC_ORDER, ... change the transform, which we do not do). A lifetime
// is accepted: a call never reaches 2^31 packets of one key.
struct Crypto {
  std::uint32_t tag = 0;
  CryptoSuite suite = CryptoSuite::kOther;
  std::array<std::uint8_t, limits::kSdesKeySaltBytes> key{};  // master key | master salt
  bool usable = false;
};

struct PayloadFormat {
  std::uint8_t pt = 0;
  CodecKind kind = CodecKind::kOther;
  FixedString<32> name;  // as written in a=rtpmap ("opus", "PCMU")
  std::uint32_t clock_rate = 0;
  std::uint8_t channels = 1;
  FixedString<limits::kSdpFmtpMax> fmtp;  // a=fmtp value, "" if none
  bool has_rtpmap = false;  // static types (0, 8) may come without one
};

// An m= section we do not use (video, application, a second audio): kept so
// the answer can reject it in place (port 0), as JSEP requires.
struct OtherSection {
  std::size_t index = 0;  // position among all m= lines
  FixedString<16> media;  // "video", "application"
  FixedString<32> proto;
  Token first_format;  // "96", "webrtc-datachannel"
  Token mid;
};

struct SessionDescription {
  // o=
  std::uint64_t session_id = 0;
  std::uint64_t session_version = 0;
  // the audio section (media-level values override session-level ones)
  std::size_t audio_index = 0;  // position among all m= lines
  Token connection_address;     // c= of the audio section
  std::uint16_t port = 0;       // m=audio port
  FixedString<32> proto;         // as written; an answer repeats the offer's
  Profile profile = Profile::kDtls;
  std::uint16_t rtcp_port = 0;  // a=rtcp (RFC 3605); 0 = not given (port + 1)
  Token mid;
  bool bundled = false;  // mid appears in a=group:BUNDLE
  bool rtcp_mux = false;
  Direction direction = Direction::kSendRecv;
  Setup setup = Setup::kActpass;
  bool setup_present = false;
  IceCredential ice_ufrag;
  IceCredential ice_pwd;
  bool ice_lite = false;
  bool end_of_candidates = false;
  std::uint32_t ptime_ms = 0;  // 0 = not given
  std::uint32_t ssrc = 0;      // first a=ssrc (0 = none)
  Token cname;
  FixedVector<PayloadFormat, limits::kSdpFormatsMax> formats;  // m= line order
  FixedVector<Candidate, limits::kIceCandidatesMax> candidates;  // UDP, component 1
  std::size_t candidates_skipped = 0;  // TCP, component 2, or beyond capacity
  FixedVector<Fingerprint, limits::kSdpFingerprintsMax> fingerprints;
  FixedVector<Crypto, limits::kSdpCryptosMax> cryptos;  // audio section, in order
  FixedVector<OtherSection, limits::kSdpExtraSectionsMax> others;

  const PayloadFormat* find_format(std::uint8_t pt) const;
  // The fingerprint for `algorithm` ("sha-256"), or nullptr.
  const Fingerprint* find_fingerprint(std::string_view algorithm) const;
};

}  // namespace dialtone::media::sdp
