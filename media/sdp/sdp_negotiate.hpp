// Offer/answer rules (RFC 3264, RFC 8842, RFC 4568, yna-wire.md section 7,
// sip-line.md section 5): the profile, which codec we send, which payload
// types may arrive, our direction, our DTLS role or the SDES keys, rtcp-mux.
// Pure functions of the descriptions; SdpSession keeps the state.
#pragma once
#include <cstdint>
#include <optional>
#include <span>

#include "media/sdp/sdp_types.hpp"

namespace dialtone::media::sdp {

// What we offer, in order of preference.
struct LocalFormat {
  std::uint8_t pt;
  CodecKind kind;
  const char* name;
  std::uint32_t clock_rate;
  std::uint8_t channels;
  const char* fmtp;  // "" for none
};
std::span<const LocalFormat> local_formats();

struct Negotiated {
  PayloadFormat audio;     // the codec we send, numbered as the peer wants
  bool peer_wants_fec = false;  // peer's opus fmtp has useinbandfec=1
  bool has_dtmf = false;
  PayloadFormat dtmf;      // telephone-event at the audio codec's clock rate
  Direction direction = Direction::kSendRecv;  // ours: do we send, do we receive
  DtlsRole dtls_role = DtlsRole::kClient;
  FixedVector<PayloadFormat, limits::kSdpFormatsMax> receive_formats;  // PTs that may arrive
  std::uint32_t remote_ssrc = 0;  // 0 if the peer announced none
  Profile profile = Profile::kDtls;
  bool rtcp_mux = true;  // always for kDtls; for the others as offered and answered
  // kSdes: the agreed suite and tag. `remote_key` is the peer's (we
  // unprotect with it), `local_key` ours (we protect with it).
  Crypto remote_key;
  Crypto local_key;
};

// The answer's direction: we send only if the offerer receives and we want
// to; receive only if it sends and we want to. A hold offer (sendonly) gets
// recvonly; an inactive offer gets inactive.
Direction answer_direction(Direction offered, Direction wanted);

// Our a=setup in an answer and the DTLS role it gives us. An actpass offer
// gets `active` (we are the DTLS client) unless a DTLS association already
// exists, whose role is kept (RFC 8842 section 5.5). active -> passive,
// passive -> active. holdconn -> kSetupConflict.
SdpError answer_setup(Setup offered, std::optional<DtlsRole> current, Setup& ours, DtlsRole& role);

// Our DTLS role after our actpass offer was answered. An answer without
// a=setup means active (RFC 8842); actpass or holdconn -> kSetupConflict.
SdpError role_from_answer(const SessionDescription& answer, DtlsRole& role);

// We answer `offer` in its own profile: pick our most preferred codec the
// offer carries. For kSdes, the first usable a=crypto line whose suite we
// have a key for in `our_keys` (one per suite, freshly drawn): its tag and
// suite, our key. None usable: kNoUsableCrypto (never a plain answer).
SdpError negotiate_answer(const SessionDescription& offer, Direction wanted,
                          std::optional<DtlsRole> current_role, Negotiated& out,
                          std::span<const Crypto> our_keys = {});

// Our offer (with direction `offered`, in `profile`, with `offered_keys` as
// its a=crypto lines) was answered by `answer`. Another profile:
// kProfileMismatch. kSdes: the answer's first a=crypto must carry the tag and
// suite of one of ours and a usable key, else kNoUsableCrypto.
SdpError negotiate_offer_answered(const SessionDescription& answer, Direction offered, Negotiated& out,
                                  Profile profile = Profile::kDtls, std::span<const Crypto> offered_keys = {});

}  // namespace dialtone::media::sdp
