// Writes our offers and answers (yna-wire.md section 7) into a caller's
// buffer: audio only, BUNDLE on mid 0, rtcp-mux, no trickle (every gathered
// candidate is in the text, and c=/m= carry the default candidate).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "media/sdp/sdp_negotiate.hpp"
#include "media/sdp/sdp_types.hpp"

namespace dialtone::media::sdp {

struct LocalMedia {
  std::string_view ice_ufrag;
  std::string_view ice_pwd;
  std::span<const std::uint8_t> fingerprint_sha256;  // 32 bytes
  std::uint32_t ssrc = 0;
  std::string_view cname;
  std::span<const Candidate> candidates;  // all gathered, component 1
  Direction direction = Direction::kSendRecv;
  std::uint64_t session_id = 0;
  std::uint64_t session_version = 0;
};

// The candidate for c= and the m= port: relay, else srflx, else host (the
// one most likely to work, RFC 8839 section 4.2.1.1); nullptr if none.
const Candidate* default_candidate(std::span<const Candidate> candidates);

// Offer with every local format, a=setup:actpass.
SdpError write_offer(const LocalMedia& local, std::span<char> out, std::size_t& len);

// Answer to `offer`, as decided by negotiate_answer. Sections of the offer
// we do not use are rejected in place (port 0), audio keeps the offer's mid.
SdpError write_answer(const LocalMedia& local, const SessionDescription& offer, const Negotiated& n,
                      std::span<char> out, std::size_t& len);

}  // namespace dialtone::media::sdp
