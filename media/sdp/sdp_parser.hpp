// Reads the other side's SDP (aiortc, Chrome, the YNA network, SIP peers) into a fixed
// SessionDescription. Pure: text in, a filled structure or a named error out.
#pragma once
#include <string_view>

#include "media/sdp/sdp_types.hpp"

namespace dialtone::media::sdp {

// Parses and checks: syntax first (unparsable errors), then what a session
// of its profile needs: kUnsupportedProfile; for UDP/TLS/RTP/SAVPF
// kNoFingerprint, kMissingIceCredentials, kNoRtcpMux; for RTP/AVP and
// RTP/SAVP kNoConnection (and kNoCrypto); then kNoCommonCodec. On error
// `out` holds whatever was read so far.
SdpError parse(std::string_view text, SessionDescription& out);

}  // namespace dialtone::media::sdp
