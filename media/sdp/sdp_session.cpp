#include "media/sdp/sdp_session.hpp"

#include "media/sdp/sdp_parser.hpp"

namespace dialtone::media::sdp {

SdpSession::SdpSession(const Identity& id)
    : session_id_(id.session_id), profile_(id.profile), address_(id.address), port_(id.port),
      rtcp_port_(id.rtcp_port), ssrc_(id.ssrc), cname_(id.cname), ufrag_(id.ice_ufrag), pwd_(id.ice_pwd) {
  fingerprint_size_ = id.fingerprint_sha256.size() <= fingerprint_.size() ? id.fingerprint_sha256.size() : 0;
  for (std::size_t i = 0; i < fingerprint_size_; ++i) fingerprint_[i] = id.fingerprint_sha256[i];
}

LocalMedia SdpSession::local(std::span<const Candidate> candidates, Direction d) const {
  LocalMedia l;
  l.profile = profile_;
  l.address = address_.view();
  l.port = port_;
  l.rtcp_port = rtcp_port_;
  l.cryptos = local_keys_.span();
  l.ice_ufrag = ufrag_.view();
  l.ice_pwd = pwd_.view();
  l.fingerprint_sha256 = {fingerprint_.data(), fingerprint_size_};
  l.ssrc = ssrc_;
  l.cname = cname_.view();
  l.candidates = candidates;
  l.direction = d;
  l.session_id = session_id_;
  l.session_version = version_ + 1;
  return l;
}

SdpError SdpSession::create_offer(std::span<const Candidate> candidates, Direction direction, std::span<char> out,
                                  std::size_t& len) {
  if (remote_offer_pending_) return SdpError::kWrongState;  // answer the peer first
  SdpError e = write_offer(local(candidates, direction), out, len);
  if (e != SdpError::kOk) return e;
  ++version_;
  offer_pending_ = true;
  offered_direction_ = direction;
  offered_keys_ = local_keys_;
  return SdpError::kOk;
}

void SdpSession::note_remote_credentials() {
  remote_restarted_ = !remote_ufrag_.empty() &&
                      (remote_ufrag_.view() != remote_.ice_ufrag.view() || remote_pwd_.view() != remote_.ice_pwd.view());
  remote_ufrag_ = remote_.ice_ufrag;
  remote_pwd_ = remote_.ice_pwd;
}

SdpError SdpSession::set_remote_answer(std::string_view text, Negotiated& out) {
  if (!offer_pending_) return SdpError::kWrongState;
  // Parse aside: a bad answer must not clobber the description in use.
  SessionDescription answer;
  SdpError e = parse(text, answer);
  if (e != SdpError::kOk) return e;
  e = negotiate_offer_answered(answer, offered_direction_, out, profile_, offered_keys_.span());
  if (e != SdpError::kOk) return e;
  remote_ = answer;
  offer_pending_ = false;
  role_ = out.dtls_role;
  note_remote_credentials();
  return SdpError::kOk;
}

SdpError SdpSession::set_remote_offer(std::string_view text) {
  if (offer_pending_) return SdpError::kWrongState;  // glare: the caller decides
  SessionDescription offer;
  SdpError e = parse(text, offer);
  if (e != SdpError::kOk) return e;
  if (offer.profile != profile_) return SdpError::kProfileMismatch;
  remote_ = offer;
  remote_offer_pending_ = true;
  note_remote_credentials();
  return SdpError::kOk;
}

SdpError SdpSession::create_answer(std::span<const Candidate> candidates, Direction wanted, std::span<char> out,
                                   std::size_t& len, Negotiated& n) {
  if (!remote_offer_pending_) return SdpError::kWrongState;
  // An ICE restart from the peer keeps the DTLS association (RFC 8842 5.5),
  // so the role stays as it was.
  SdpError e = negotiate_answer(remote_, wanted, role_, n, local_keys_.span());
  if (e != SdpError::kOk) return e;
  e = write_answer(local(candidates, n.direction), remote_, n, out, len);
  if (e != SdpError::kOk) return e;
  ++version_;
  remote_offer_pending_ = false;
  role_ = n.dtls_role;
  return SdpError::kOk;
}

void SdpSession::set_local_keys(std::span<const Crypto> keys) {
  local_keys_.clear();
  for (const Crypto& k : keys)
    if (!local_keys_.push_back(k)) break;
  // Tags in offers: 1, 2, ... in our order of preference.
  for (std::size_t i = 0; i < local_keys_.size(); ++i) local_keys_[i].tag = static_cast<std::uint32_t>(i + 1);
}

void SdpSession::restart_ice(std::string_view ufrag, std::string_view pwd) {
  ufrag_.assign(ufrag);
  pwd_.assign(pwd);
}

}  // namespace dialtone::media::sdp
