// Offer/answer rules (RFC 3264, RFC 8842, yna-wire.md section 7): which
// codec we send, which payload types may arrive, our direction and our DTLS
// role. Pure functions of the descriptions; SdpSession keeps the state.
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

// We answer `offer`: pick our most preferred codec the offer carries.
SdpError negotiate_answer(const SessionDescription& offer, Direction wanted,
                          std::optional<DtlsRole> current_role, Negotiated& out);

// Our offer (with direction `offered`) was answered by `answer`.
SdpError negotiate_offer_answered(const SessionDescription& answer, Direction offered, Negotiated& out);

}  // namespace dialtone::media::sdp
