#include "media/sdp/sdp_negotiate.hpp"

namespace dialtone::media::sdp {
namespace {

constexpr LocalFormat kLocalFormats[] = {
    {111, CodecKind::kOpus, "opus", 48000, 2, "minptime=10;useinbandfec=1"},
    {0, CodecKind::kPcmu, "PCMU", 8000, 1, ""},
    {8, CodecKind::kPcma, "PCMA", 8000, 1, ""},
    {126, CodecKind::kTelephoneEvent, "telephone-event", 48000, 1, "0-15"},
    {101, CodecKind::kTelephoneEvent, "telephone-event", 8000, 1, "0-15"},
};

bool usable_audio(const PayloadFormat& f) {
  switch (f.kind) {
    case CodecKind::kOpus: return f.clock_rate == 48000;
    case CodecKind::kPcmu:
    case CodecKind::kPcma: return f.clock_rate == 8000;
    case CodecKind::kTelephoneEvent:
    case CodecKind::kOther: return false;
  }
  return false;
}

bool fmtp_has(std::string_view fmtp, std::string_view param) {
  // "minptime=10;useinbandfec=1": parameters separated by ';', maybe spaced
  while (!fmtp.empty()) {
    std::size_t semi = fmtp.find(';');
    std::string_view p = fmtp.substr(0, semi);
    while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
    if (p == param) return true;
    fmtp.remove_prefix(semi == std::string_view::npos ? fmtp.size() : semi + 1);
  }
  return false;
}

const PayloadFormat* find_dtmf(const SessionDescription& d, std::uint32_t clock_rate) {
  for (const auto& f : d.formats)
    if (f.kind == CodecKind::kTelephoneEvent && f.clock_rate == clock_rate) return &f;
  return nullptr;
}

void fill_common(const SessionDescription& remote, const PayloadFormat& audio, Negotiated& out) {
  out.audio = audio;
  out.peer_wants_fec = audio.kind == CodecKind::kOpus && fmtp_has(audio.fmtp.view(), "useinbandfec=1");
  // DTMF shares the audio SSRC and timestamp line, so its clock must match.
  const PayloadFormat* te = find_dtmf(remote, audio.clock_rate);
  out.has_dtmf = te != nullptr;
  if (te) out.dtmf = *te;
  out.remote_ssrc = remote.ssrc;
}

}  // namespace

std::span<const LocalFormat> local_formats() { return kLocalFormats; }

Direction answer_direction(Direction offered, Direction wanted) {
  return make_direction(receives(offered) && sends(wanted), sends(offered) && receives(wanted));
}

SdpError answer_setup(Setup offered, std::optional<DtlsRole> current, Setup& ours, DtlsRole& role) {
  switch (offered) {
    case Setup::kActpass:
      role = current.value_or(DtlsRole::kClient);
      break;
    case Setup::kActive:
      role = DtlsRole::kServer;
      break;
    case Setup::kPassive:
      role = DtlsRole::kClient;
      break;
    case Setup::kHoldconn:
      return SdpError::kSetupConflict;
  }
  ours = role == DtlsRole::kClient ? Setup::kActive : Setup::kPassive;
  return SdpError::kOk;
}

SdpError role_from_answer(const SessionDescription& answer, DtlsRole& role) {
  if (!answer.setup_present) {
    role = DtlsRole::kServer;  // the answerer defaults to active
    return SdpError::kOk;
  }
  switch (answer.setup) {
    case Setup::kActive:
      role = DtlsRole::kServer;
      return SdpError::kOk;
    case Setup::kPassive:
      role = DtlsRole::kClient;
      return SdpError::kOk;
    case Setup::kActpass:
    case Setup::kHoldconn:
      return SdpError::kSetupConflict;
  }
  return SdpError::kSetupConflict;
}

SdpError negotiate_answer(const SessionDescription& offer, Direction wanted,
                          std::optional<DtlsRole> current_role, Negotiated& out, std::span<const Crypto> our_keys) {
  out = Negotiated{};
  const PayloadFormat* chosen = nullptr;
  for (const auto& mine : kLocalFormats) {
    for (const auto& f : offer.formats) {
      if (usable_audio(f) && f.kind == mine.kind) {
        chosen = &f;
        break;
      }
    }
    if (chosen) break;
  }
  if (!chosen) return SdpError::kNoCommonCodec;
  out.profile = offer.profile;
  if (offer.profile == Profile::kDtls) {
    Setup ours;
    SdpError e = answer_setup(offer.setup_present ? offer.setup : Setup::kActpass, current_role, ours, out.dtls_role);
    if (e != SdpError::kOk) return e;
  } else {
    out.rtcp_mux = offer.rtcp_mux;
  }
  if (offer.profile == Profile::kSdes) {
    bool agreed = false;
    for (const Crypto& theirs : offer.cryptos) {
      if (!theirs.usable) continue;
      for (const Crypto& mine : our_keys) {
        if (!mine.usable || mine.suite != theirs.suite) continue;
        out.remote_key = theirs;
        out.local_key = mine;
        out.local_key.tag = theirs.tag;
        agreed = true;
        break;
      }
      if (agreed) break;
    }
    if (!agreed) return SdpError::kNoUsableCrypto;
  }
  fill_common(offer, *chosen, out);
  out.direction = answer_direction(offer.direction, wanted);
  // Our answer lists only the chosen codec (and its DTMF), so that is all
  // the peer may send us.
  out.receive_formats.push_back(out.audio);
  if (out.has_dtmf) out.receive_formats.push_back(out.dtmf);
  return SdpError::kOk;
}

SdpError negotiate_offer_answered(const SessionDescription& answer, Direction offered, Negotiated& out,
                                  Profile profile, std::span<const Crypto> offered_keys) {
  out = Negotiated{};
  if (answer.profile != profile) return SdpError::kProfileMismatch;
  const PayloadFormat* chosen = nullptr;
  for (const auto& f : answer.formats) {  // the answerer's order decides
    if (usable_audio(f)) {
      chosen = &f;
      break;
    }
  }
  if (!chosen) return SdpError::kNoCommonCodec;
  out.profile = profile;
  if (profile == Profile::kDtls) {
    SdpError e = role_from_answer(answer, out.dtls_role);
    if (e != SdpError::kOk) return e;
  } else {
    out.rtcp_mux = answer.rtcp_mux;
  }
  if (profile == Profile::kSdes) {
    // RFC 4568 7.1.3: exactly one line, naming one of our tags and its suite.
    if (answer.cryptos.empty()) return SdpError::kNoCrypto;
    const Crypto& theirs = answer.cryptos[0];
    const Crypto* mine = nullptr;
    for (const Crypto& k : offered_keys)
      if (k.tag == theirs.tag && k.suite == theirs.suite) mine = &k;
    if (!mine || !theirs.usable || !mine->usable) return SdpError::kNoUsableCrypto;
    out.remote_key = theirs;
    out.local_key = *mine;
  }
  fill_common(answer, *chosen, out);
  // The answer's direction is the peer's view: its recvonly is our sendonly.
  // We never widen what we offered.
  Direction theirs = reverse(answer.direction);
  out.direction = make_direction(sends(theirs) && sends(offered), receives(theirs) && receives(offered));
  for (const auto& f : answer.formats)
    if (usable_audio(f) || f.kind == CodecKind::kTelephoneEvent) out.receive_formats.push_back(f);
  return SdpError::kOk;
}

}  // namespace dialtone::media::sdp
