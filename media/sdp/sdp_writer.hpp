// Writes our offers and answers into a caller's buffer, audio only.
// kDtls (yna-wire.md section 7): BUNDLE on mid 0, rtcp-mux, no trickle (every
// gathered candidate is in the text, and c=/m= carry the default candidate).
// kRtp and kSdes (sip-line.md section 5): c=/m= are our socket's address and
// port, a=rtcp the RTCP port (port + 1), a=rtcp-mux offered, a=crypto for
// kSdes; no ICE, no fingerprint, no BUNDLE.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "media/sdp/sdp_negotiate.hpp"
#include "media/sdp/sdp_types.hpp"

namespace dialtone::media::sdp {

struct LocalMedia {
  Profile profile = Profile::kDtls;
  // kRtp / kSdes: where we receive.
  std::string_view address;
  std::uint16_t port = 0;
  std::uint16_t rtcp_port = 0;
  // kSdes offers: one line per key, tags as given (answers use Negotiated).
  std::span<const Crypto> cryptos;
  // kDtls
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

// Offer with every local format (kDtls: a=setup:actpass).
SdpError write_offer(const LocalMedia& local, std::span<char> out, std::size_t& len);

// Answer to `offer`, as decided by negotiate_answer. Sections of the offer
// we do not use are rejected in place (port 0), audio keeps the offer's mid.
SdpError write_answer(const LocalMedia& local, const SessionDescription& offer, const Negotiated& n,
                      std::span<char> out, std::size_t& len);

}  // namespace dialtone::media::sdp
