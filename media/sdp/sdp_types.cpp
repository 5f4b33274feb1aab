#include "media/sdp/sdp_types.hpp"

namespace dialtone::media::sdp {

const char* to_string(SdpError e) {
  switch (e) {
    case SdpError::kOk: return "ok";
    case SdpError::kEmpty: return "empty";
    case SdpError::kTooLong: return "too long";
    case SdpError::kBadLine: return "bad line";
    case SdpError::kBadVersion: return "bad version";
    case SdpError::kBadOrigin: return "bad origin";
    case SdpError::kBadMediaLine: return "bad media line";
    case SdpError::kBadConnection: return "bad connection";
    case SdpError::kBadRtpmap: return "bad rtpmap";
    case SdpError::kBadCandidate: return "bad candidate";
    case SdpError::kBadFingerprint: return "bad fingerprint";
    case SdpError::kBadSetup: return "bad setup";
    case SdpError::kBadCrypto: return "bad crypto";
    case SdpError::kNoAudio: return "no audio";
    case SdpError::kNoFingerprint: return "no fingerprint";
    case SdpError::kNoCommonCodec: return "no common codec";
    case SdpError::kMissingIceCredentials: return "missing ice credentials";
    case SdpError::kNoRtcpMux: return "no rtcp-mux";
    case SdpError::kSetupConflict: return "setup conflict";
    case SdpError::kWrongState: return "wrong state";
    case SdpError::kUnsupportedProfile: return "unsupported media profile";
    case SdpError::kNoConnection: return "no connection address";
    case SdpError::kNoCrypto: return "no crypto";
    case SdpError::kNoUsableCrypto: return "no usable crypto";
    case SdpError::kProfileMismatch: return "media profile mismatch";
    case SdpError::kBufferTooSmall: return "buffer too small";
  }
  return "?";
}

bool is_unparsable(SdpError e) {
  switch (e) {
    case SdpError::kEmpty:
    case SdpError::kTooLong:
    case SdpError::kBadLine:
    case SdpError::kBadVersion:
    case SdpError::kBadOrigin:
    case SdpError::kBadMediaLine:
    case SdpError::kBadConnection:
    case SdpError::kBadRtpmap:
    case SdpError::kBadCandidate:
    case SdpError::kBadFingerprint:
    case SdpError::kBadSetup:
    case SdpError::kBadCrypto:
      return true;
    case SdpError::kOk:
    case SdpError::kNoAudio:
    case SdpError::kNoFingerprint:
    case SdpError::kNoCommonCodec:
    case SdpError::kMissingIceCredentials:
    case SdpError::kNoRtcpMux:
    case SdpError::kSetupConflict:
    case SdpError::kWrongState:
    case SdpError::kUnsupportedProfile:
    case SdpError::kNoConnection:
    case SdpError::kNoCrypto:
    case SdpError::kNoUsableCrypto:
    case SdpError::kProfileMismatch:
    case SdpError::kBufferTooSmall:
      return false;
  }
  return false;
}

const char* to_string(Direction d) {
  switch (d) {
    case Direction::kSendRecv: return "sendrecv";
    case Direction::kSendOnly: return "sendonly";
    case Direction::kRecvOnly: return "recvonly";
    case Direction::kInactive: return "inactive";
  }
  return "sendrecv";
}

const char* to_string(Setup s) {
  switch (s) {
    case Setup::kActpass: return "actpass";
    case Setup::kActive: return "active";
    case Setup::kPassive: return "passive";
    case Setup::kHoldconn: return "holdconn";
  }
  return "actpass";
}

const char* to_string(CandidateType t) {
  switch (t) {
    case CandidateType::kHost: return "host";
    case CandidateType::kSrflx: return "srflx";
    case CandidateType::kPrflx: return "prflx";
    case CandidateType::kRelay: return "relay";
  }
  return "host";
}

const char* to_string(Profile p) {
  switch (p) {
    case Profile::kDtls: return "dtls";
    case Profile::kSdes: return "sdes";
    case Profile::kRtp: return "rtp";
  }
  return "dtls";
}

const char* to_string(CryptoSuite s) {
  switch (s) {
    case CryptoSuite::kAesCm128HmacSha1_80: return "AES_CM_128_HMAC_SHA1_80";
    case CryptoSuite::kAesCm128HmacSha1_32: return "AES_CM_128_HMAC_SHA1_32";
    case CryptoSuite::kOther: return "?";
  }
  return "?";
}

const char* proto_of(Profile p) {
  switch (p) {
    case Profile::kDtls: return "UDP/TLS/RTP/SAVPF";
    case Profile::kSdes: return "RTP/SAVP";
    case Profile::kRtp: return "RTP/AVP";
  }
  return "UDP/TLS/RTP/SAVPF";
}

Direction make_direction(bool send, bool recv) {
  if (send && recv) return Direction::kSendRecv;
  if (send) return Direction::kSendOnly;
  if (recv) return Direction::kRecvOnly;
  return Direction::kInactive;
}

Direction reverse(Direction d) { return make_direction(receives(d), sends(d)); }

const PayloadFormat* SessionDescription::find_format(std::uint8_t pt) const {
  for (const auto& f : formats)
    if (f.pt == pt) return &f;
  return nullptr;
}

const Fingerprint* SessionDescription::find_fingerprint(std::string_view algorithm) const {
  for (const auto& f : fingerprints)
    if (f.algorithm.view() == algorithm) return &f;
  return nullptr;
}

}  // namespace dialtone::media::sdp
