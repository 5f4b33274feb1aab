// One call's offer/answer state: our identity (o= session id, profile, ICE
// credentials and fingerprint or RTP address and port, SSRC/cname), the o=
// version that grows with each description we write, the DTLS role once
// fixed, the pending offer (and the SDES keys it carried), and the last
// remote description. Pure: no clock, no randomness (the caller passes
// random ids, credentials and SDES keys in).
//
// The profile is fixed for the session's life: an offer or answer in another
// one is kProfileMismatch (a new transport would be a new session).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "media/sdp/sdp_negotiate.hpp"
#include "media/sdp/sdp_types.hpp"
#include "media/sdp/sdp_writer.hpp"

namespace dialtone::media::sdp {

class SdpSession {
 public:
  struct Identity {
    std::uint64_t session_id = 0;  // random, < 2^63 (RFC 3264 5)
    std::uint32_t ssrc = 0;
    std::string_view cname;
    Profile profile = Profile::kDtls;
    // kRtp / kSdes: our socket
    std::string_view address;
    std::uint16_t port = 0;
    std::uint16_t rtcp_port = 0;
    // kDtls
    std::span<const std::uint8_t> fingerprint_sha256;  // our certificate's
    std::string_view ice_ufrag;
    std::string_view ice_pwd;
  };

  explicit SdpSession(const Identity& id);

  // New offer (first offer, hold/resume re-offer, or after restart_ice):
  // same ufrag/pwd unless restart_ice was called, o= version + 1.
  SdpError create_offer(std::span<const Candidate> candidates, Direction direction, std::span<char> out,
                        std::size_t& len);
  // The peer's answer to our outstanding offer.
  SdpError set_remote_answer(std::string_view text, Negotiated& out);

  // The peer's offer (initial, hold, resume, renegotiation). Parsed and kept
  // until create_answer.
  SdpError set_remote_offer(std::string_view text);
  SdpError create_answer(std::span<const Candidate> candidates, Direction wanted, std::span<char> out,
                         std::size_t& len, Negotiated& n);

  // kSdes: the keys of the next offer or answer (one per suite, usable,
  // freshly drawn by the caller: a fresh key per description we write).
  void set_local_keys(std::span<const Crypto> keys);

  // Our next offer carries new credentials (ICE restart, RFC 8839 4.4.1.1.1).
  void restart_ice(std::string_view ufrag, std::string_view pwd);
  // The last remote description changed the peer's ufrag/pwd: an ICE restart
  // (the ICE layer must restart and take the new credentials).
  bool remote_ice_restarted() const { return remote_restarted_; }

  bool offer_pending() const { return offer_pending_; }
  std::optional<DtlsRole> dtls_role() const { return role_; }
  std::uint64_t version() const { return version_; }
  std::string_view ice_ufrag() const { return ufrag_.view(); }
  std::string_view ice_pwd() const { return pwd_.view(); }
  const SessionDescription& remote() const { return remote_; }
  Profile profile() const { return profile_; }

 private:
  LocalMedia local(std::span<const Candidate> candidates, Direction d) const;
  void note_remote_credentials();

  std::uint64_t session_id_;
  Profile profile_;
  Token address_;
  std::uint16_t port_ = 0, rtcp_port_ = 0;
  FixedVector<Crypto, 2> local_keys_;    // for the next description
  FixedVector<Crypto, 2> offered_keys_;  // in our outstanding offer
  std::uint64_t version_ = 0;  // of the last description written; first is 1
  std::uint32_t ssrc_;
  Token cname_;
  std::array<std::uint8_t, 32> fingerprint_{};
  std::size_t fingerprint_size_ = 0;
  IceCredential ufrag_, pwd_;
  IceCredential remote_ufrag_, remote_pwd_;
  bool remote_restarted_ = false;
  bool offer_pending_ = false;
  bool remote_offer_pending_ = false;
  Direction offered_direction_ = Direction::kSendRecv;
  std::optional<DtlsRole> role_;
  SessionDescription remote_;
};

}  // namespace dialtone::media::sdp
