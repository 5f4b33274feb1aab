#include <gtest/gtest.h>

#include <array>
#include <string>

#include "media/sdp/sdp_negotiate.hpp"
#include "media/sdp/sdp_parser.hpp"
#include "media/sdp/sdp_session.hpp"
#include "media/sdp/sdp_writer.hpp"
#include "tests/unit/media/sdp_fixtures.hpp"

namespace dialtone::media::sdp {
namespace {

using test::kAiortcAnswerMultiFingerprint;
using test::kAiortcOffer;
using test::kChromeOffer;
using test::kSessionLevelPcmuOffer;

constexpr std::array<std::uint8_t, 32> kOurFingerprint = {
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE,
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};

Candidate cand(CandidateType t, std::string_view addr, std::uint16_t port, std::uint32_t prio) {
  Candidate c;
  c.foundation.assign(to_string(t));
  c.component = 1;
  c.priority = prio;
  c.address.assign(addr);
  c.port = port;
  c.type = t;
  if (t != CandidateType::kHost) {
    c.related_address.assign("192.168.1.20");
    c.related_port = 40000;
  }
  return c;
}

const std::array<Candidate, 3> kOurCandidates = {
    cand(CandidateType::kHost, "192.168.1.20", 40000, 2130706431),
    cand(CandidateType::kSrflx, "198.51.100.20", 41000, 1694498815),
    cand(CandidateType::kRelay, "203.0.113.50", 49152, 16777215),
};

SdpSession::Identity identity() {
  SdpSession::Identity id;
  id.session_id = 123456789012345ull;
  id.ssrc = 0xCAFEBABE;
  id.cname = "dialtone-cname";
  id.fingerprint_sha256 = kOurFingerprint;
  id.ice_ufrag = "uf01";
  id.ice_pwd = "pwd0123456789abcdefghij";
  return id;
}

std::string offer_from(SdpSession& s, Direction d = Direction::kSendRecv) {
  std::array<char, limits::kSdpMax> buf;
  std::size_t len = 0;
  EXPECT_EQ(s.create_offer(kOurCandidates, d, buf, len), SdpError::kOk);
  return std::string(buf.data(), len);
}

std::string answer_from(SdpSession& s, std::string_view offer, Negotiated& n, Direction wanted = Direction::kSendRecv) {
  std::array<char, limits::kSdpMax> buf;
  std::size_t len = 0;
  EXPECT_EQ(s.set_remote_offer(offer), SdpError::kOk);
  EXPECT_EQ(s.create_answer(kOurCandidates, wanted, buf, len, n), SdpError::kOk);
  return std::string(buf.data(), len);
}

// Replaces the first occurrence of `from` in `s`.
std::string edit(std::string_view s, std::string_view from, std::string_view to) {
  std::string r(s);
  auto pos = r.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) r.replace(pos, from.size(), to);
  return r;
}

TEST(SdpParse, AiortcOffer) {
  SessionDescription d;
  ASSERT_EQ(parse(kAiortcOffer, d), SdpError::kOk);
  EXPECT_EQ(d.session_id, 4004454294u);
  EXPECT_EQ(d.port, 43388);
  EXPECT_EQ(d.connection_address.view(), "10.9.8.7");
  EXPECT_EQ(d.mid.view(), "0");
  EXPECT_TRUE(d.bundled);
  EXPECT_TRUE(d.rtcp_mux);
  EXPECT_EQ(d.direction, Direction::kSendRecv);
  EXPECT_EQ(d.setup, Setup::kActpass);
  EXPECT_EQ(d.ice_ufrag.view(), "HaDN");
  EXPECT_EQ(d.ice_pwd.view(), "OVUwmWZzzFeQUCzDDFUDgn");
  EXPECT_TRUE(d.end_of_candidates);
  EXPECT_EQ(d.ssrc, 3816517382u);
  EXPECT_EQ(d.cname.view(), "d9202423-17b4-42ce-9eb2-6437d982e1f3");
  ASSERT_EQ(d.formats.size(), 3u);
  EXPECT_EQ(d.formats[0].pt, 96);
  EXPECT_EQ(d.formats[0].kind, CodecKind::kOpus);
  EXPECT_EQ(d.formats[0].channels, 2);
  EXPECT_EQ(d.formats[1].kind, CodecKind::kPcmu);
  EXPECT_EQ(d.formats[2].kind, CodecKind::kPcma);
  ASSERT_EQ(d.candidates.size(), 1u);
  EXPECT_EQ(d.candidates[0].address.view(), "10.9.8.7");
  EXPECT_EQ(d.candidates[0].port, 43388);
  EXPECT_EQ(d.candidates[0].priority, 2130706431u);
  const Fingerprint* fp = d.find_fingerprint("sha-256");
  ASSERT_NE(fp, nullptr);
  ASSERT_EQ(fp->size, 32u);
  EXPECT_EQ(fp->digest[0], 0xA6);
  EXPECT_EQ(fp->digest[31], 0x0E);
}

TEST(SdpParse, MultipleFingerprintsAndLfOnly) {
  SessionDescription d;
  ASSERT_EQ(parse(kAiortcAnswerMultiFingerprint, d), SdpError::kOk);
  ASSERT_EQ(d.fingerprints.size(), 3u);
  ASSERT_NE(d.find_fingerprint("sha-384"), nullptr);
  EXPECT_EQ(d.find_fingerprint("sha-384")->size, 48u);
  EXPECT_EQ(d.find_fingerprint("sha-512")->size, 64u);
  EXPECT_EQ(d.find_fingerprint("sha-512")->digest[63], 0xFA);
  EXPECT_EQ(d.setup, Setup::kActive);
  EXPECT_EQ(d.direction, Direction::kRecvOnly);
}

TEST(SdpParse, ChromeOffer) {
  SessionDescription d;
  ASSERT_EQ(parse(kChromeOffer, d), SdpError::kOk);
  EXPECT_EQ(d.session_id, 4611731400430051336ull);
  EXPECT_EQ(d.audio_index, 0u);
  ASSERT_EQ(d.formats.size(), 8u);
  EXPECT_EQ(d.find_format(110)->kind, CodecKind::kTelephoneEvent);
  EXPECT_EQ(d.find_format(110)->clock_rate, 48000u);
  EXPECT_EQ(d.find_format(126)->clock_rate, 8000u);
  EXPECT_EQ(d.find_format(63)->kind, CodecKind::kOther);
  EXPECT_EQ(d.find_format(111)->fmtp.view(), "minptime=10;useinbandfec=1");
  // UDP component 1 only: the RTCP and TCP candidates are skipped.
  ASSERT_EQ(d.candidates.size(), 3u);
  EXPECT_EQ(d.candidates_skipped, 2u);
  EXPECT_EQ(d.candidates[1].type, CandidateType::kSrflx);
  EXPECT_EQ(d.candidates[1].related_address.view(), "192.168.0.196");
  EXPECT_EQ(d.candidates[1].related_port, 50132);
  EXPECT_EQ(d.candidates[2].type, CandidateType::kRelay);
  EXPECT_FALSE(d.end_of_candidates);
  // The audio ssrc, not the video ssrc-group's.
  EXPECT_EQ(d.ssrc, 1001u);
  EXPECT_EQ(d.cname.view(), "Ht6r4cQ1bNpwdCky");
  ASSERT_EQ(d.others.size(), 2u);
  EXPECT_EQ(d.others[0].media.view(), "video");
  EXPECT_EQ(d.others[0].mid.view(), "1");
  EXPECT_EQ(d.others[0].index, 1u);
  EXPECT_EQ(d.others[1].media.view(), "application");
  EXPECT_EQ(d.others[1].proto.view(), "UDP/DTLS/SCTP");
}

TEST(SdpParse, SessionLevelAttributesAndStaticPayloadType) {
  SessionDescription d;
  ASSERT_EQ(parse(kSessionLevelPcmuOffer, d), SdpError::kOk);
  EXPECT_EQ(d.ice_ufrag.view(), "f00d");
  EXPECT_EQ(d.fingerprints.size(), 1u);
  EXPECT_EQ(d.direction, Direction::kSendOnly);
  EXPECT_EQ(d.connection_address.view(), "::1");
  ASSERT_EQ(d.formats.size(), 2u);
  EXPECT_EQ(d.formats[0].kind, CodecKind::kPcmu);
  EXPECT_FALSE(d.formats[0].has_rtpmap);
  EXPECT_EQ(d.formats[0].clock_rate, 8000u);
}

TEST(SdpWrite, OfferRoundTrip) {
  SdpSession s(identity());
  std::string text = offer_from(s);
  SessionDescription d;
  ASSERT_EQ(parse(text, d), SdpError::kOk) << text;
  EXPECT_EQ(d.session_id, 123456789012345ull);
  EXPECT_EQ(d.session_version, 1u);
  EXPECT_EQ(d.mid.view(), "0");
  EXPECT_TRUE(d.bundled);
  EXPECT_TRUE(d.rtcp_mux);
  EXPECT_EQ(d.setup, Setup::kActpass);
  EXPECT_EQ(d.direction, Direction::kSendRecv);
  EXPECT_EQ(d.ice_ufrag.view(), "uf01");
  EXPECT_EQ(d.ice_pwd.view(), "pwd0123456789abcdefghij");
  EXPECT_TRUE(d.end_of_candidates);
  EXPECT_EQ(d.ssrc, 0xCAFEBABEu);
  EXPECT_EQ(d.cname.view(), "dialtone-cname");
  const Fingerprint* fp = d.find_fingerprint("sha-256");
  ASSERT_NE(fp, nullptr);
  EXPECT_TRUE(std::equal(kOurFingerprint.begin(), kOurFingerprint.end(), fp->digest.begin()));
  // Formats in preference order with our payload types.
  ASSERT_EQ(d.formats.size(), 5u);
  const std::uint8_t pts[] = {111, 0, 8, 126, 101};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(d.formats[i].pt, pts[i]);
  EXPECT_EQ(d.formats[0].name.view(), "opus");
  EXPECT_EQ(d.formats[0].channels, 2);
  EXPECT_EQ(d.formats[0].fmtp.view(), "minptime=10;useinbandfec=1");
  EXPECT_EQ(d.formats[3].clock_rate, 48000u);
  EXPECT_EQ(d.formats[4].clock_rate, 8000u);
  // Every candidate, and c=/m= from the default (relay) one.
  ASSERT_EQ(d.candidates.size(), 3u);
  EXPECT_EQ(d.candidates[1].related_address.view(), "192.168.1.20");
  EXPECT_EQ(d.connection_address.view(), "203.0.113.50");
  EXPECT_EQ(d.port, 49152);
  EXPECT_NE(text.find("\r\n"), std::string::npos);
}

TEST(SdpWrite, OfferWithoutCandidatesUsesPort9) {
  SdpSession s(identity());
  std::array<char, limits::kSdpMax> buf;
  std::size_t len = 0;
  ASSERT_EQ(s.create_offer({}, Direction::kSendRecv, buf, len), SdpError::kOk);
  SessionDescription d;
  ASSERT_EQ(parse({buf.data(), len}, d), SdpError::kOk);
  EXPECT_EQ(d.port, 9);
  EXPECT_EQ(d.connection_address.view(), "0.0.0.0");
}

TEST(SdpNegotiate, AnswerChromeOfferKeepsTheirPayloadTypesAndRejectsOtherSections) {
  SdpSession s(identity());
  Negotiated n;
  std::string text = answer_from(s, kChromeOffer, n);
  EXPECT_EQ(n.audio.kind, CodecKind::kOpus);
  EXPECT_EQ(n.audio.pt, 111);
  EXPECT_TRUE(n.peer_wants_fec);
  ASSERT_TRUE(n.has_dtmf);
  EXPECT_EQ(n.dtmf.pt, 110);  // their telephone-event/48000, not our 126
  EXPECT_EQ(n.dtls_role, DtlsRole::kClient);
  EXPECT_EQ(n.direction, Direction::kSendRecv);
  EXPECT_EQ(n.remote_ssrc, 1001u);
  EXPECT_EQ(s.dtls_role(), DtlsRole::kClient);

  SessionDescription d;
  ASSERT_EQ(parse(text, d), SdpError::kOk) << text;
  EXPECT_EQ(d.setup, Setup::kActive);
  ASSERT_EQ(d.formats.size(), 2u);
  EXPECT_EQ(d.formats[0].pt, 111);
  EXPECT_EQ(d.formats[1].pt, 110);
  EXPECT_EQ(d.formats[1].clock_rate, 48000u);
  ASSERT_EQ(d.others.size(), 2u);  // video and data, rejected in place
  EXPECT_EQ(d.others[0].index, 1u);
  EXPECT_EQ(d.others[0].mid.view(), "1");
  EXPECT_NE(text.find("m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("a=group:BUNDLE 0\r\n"), std::string::npos);
  EXPECT_EQ(d.connection_address.view(), "203.0.113.50");
}

TEST(SdpNegotiate, AnswerAiortcPicksDynamicOpusNumber) {
  SdpSession s(identity());
  Negotiated n;
  std::string text = answer_from(s, kAiortcOffer, n);
  EXPECT_EQ(n.audio.pt, 96);
  EXPECT_FALSE(n.has_dtmf);  // aiortc offers no telephone-event
  EXPECT_FALSE(n.peer_wants_fec);
  SessionDescription d;
  ASSERT_EQ(parse(text, d), SdpError::kOk);
  ASSERT_EQ(d.formats.size(), 1u);
  EXPECT_EQ(d.formats[0].pt, 96);
  EXPECT_EQ(d.formats[0].fmtp.view(), "minptime=10;useinbandfec=1");  // what we want to receive
}

TEST(SdpNegotiate, PcmuOnlyGetsEightKilohertzDtmf) {
  SdpSession s(identity());
  Negotiated n;
  std::string text = answer_from(s, kSessionLevelPcmuOffer, n);
  EXPECT_EQ(n.audio.kind, CodecKind::kPcmu);
  ASSERT_TRUE(n.has_dtmf);
  EXPECT_EQ(n.dtmf.pt, 101);
  EXPECT_EQ(n.dtmf.clock_rate, 8000u);
  // Their setup:active makes us the DTLS server; their sendonly, our recvonly.
  EXPECT_EQ(n.dtls_role, DtlsRole::kServer);
  EXPECT_EQ(n.direction, Direction::kRecvOnly);
  SessionDescription d;
  ASSERT_EQ(parse(text, d), SdpError::kOk) << text;
  EXPECT_EQ(d.setup, Setup::kPassive);
  EXPECT_EQ(d.direction, Direction::kRecvOnly);
}

TEST(SdpNegotiate, AnswerDirectionRule) {
  using D = Direction;
  EXPECT_EQ(answer_direction(D::kSendRecv, D::kSendRecv), D::kSendRecv);
  EXPECT_EQ(answer_direction(D::kSendOnly, D::kSendRecv), D::kRecvOnly);  // remote hold
  EXPECT_EQ(answer_direction(D::kRecvOnly, D::kSendRecv), D::kSendOnly);
  EXPECT_EQ(answer_direction(D::kInactive, D::kSendRecv), D::kInactive);
  EXPECT_EQ(answer_direction(D::kSendRecv, D::kSendOnly), D::kSendOnly);  // we hold in an answer
  EXPECT_EQ(answer_direction(D::kSendOnly, D::kSendOnly), D::kInactive);  // both hold
  EXPECT_EQ(reverse(D::kSendOnly), D::kRecvOnly);
  EXPECT_EQ(reverse(D::kSendRecv), D::kSendRecv);
}

TEST(SdpNegotiate, SetupRules) {
  sdp::Setup ours;
  DtlsRole role;
  ASSERT_EQ(answer_setup(Setup::kActpass, std::nullopt, ours, role), SdpError::kOk);
  EXPECT_EQ(ours, Setup::kActive);
  EXPECT_EQ(role, DtlsRole::kClient);
  // A re-offer after the association exists keeps our role.
  ASSERT_EQ(answer_setup(Setup::kActpass, DtlsRole::kServer, ours, role), SdpError::kOk);
  EXPECT_EQ(ours, Setup::kPassive);
  ASSERT_EQ(answer_setup(Setup::kActive, std::nullopt, ours, role), SdpError::kOk);
  EXPECT_EQ(ours, Setup::kPassive);
  EXPECT_EQ(role, DtlsRole::kServer);
  ASSERT_EQ(answer_setup(Setup::kPassive, std::nullopt, ours, role), SdpError::kOk);
  EXPECT_EQ(ours, Setup::kActive);
  EXPECT_EQ(role, DtlsRole::kClient);
  EXPECT_EQ(answer_setup(Setup::kHoldconn, std::nullopt, ours, role), SdpError::kSetupConflict);
}

TEST(SdpSessionTest, OfferAnsweredHoldAndResume) {
  SdpSession s(identity());
  offer_from(s);
  EXPECT_TRUE(s.offer_pending());
  Negotiated n;
  ASSERT_EQ(s.set_remote_answer(kAiortcAnswerMultiFingerprint, n), SdpError::kOk);
  EXPECT_FALSE(s.offer_pending());
  EXPECT_EQ(n.audio.pt, 111);
  EXPECT_EQ(n.dtmf.pt, 126);
  EXPECT_EQ(n.dtls_role, DtlsRole::kServer);  // they are active
  // Their recvonly answer to our sendrecv: we only send.
  EXPECT_EQ(n.direction, Direction::kSendOnly);
  EXPECT_EQ(n.receive_formats.size(), 2u);

  // Local hold: re-offer sendonly, same credentials, version + 1.
  std::string hold = offer_from(s, Direction::kSendOnly);
  SessionDescription d;
  ASSERT_EQ(parse(hold, d), SdpError::kOk);
  EXPECT_EQ(d.direction, Direction::kSendOnly);
  EXPECT_EQ(d.session_version, 2u);
  EXPECT_EQ(d.session_id, 123456789012345ull);
  EXPECT_EQ(d.ice_ufrag.view(), "uf01");
  EXPECT_EQ(d.setup, Setup::kActpass);
  std::string hold_answer = edit(kAiortcAnswerMultiFingerprint, "a=recvonly", "a=sendrecv");
  ASSERT_EQ(s.set_remote_answer(hold_answer, n), SdpError::kOk);
  EXPECT_EQ(n.direction, Direction::kSendOnly);  // never wider than our offer
  EXPECT_FALSE(s.remote_ice_restarted());

  std::string resume = offer_from(s, Direction::kSendRecv);
  ASSERT_EQ(parse(resume, d), SdpError::kOk);
  EXPECT_EQ(d.session_version, 3u);
  EXPECT_EQ(d.direction, Direction::kSendRecv);
}

TEST(SdpSessionTest, IceRestartBothWays) {
  SdpSession s(identity());
  offer_from(s);
  Negotiated n;
  ASSERT_EQ(s.set_remote_answer(kAiortcAnswerMultiFingerprint, n), SdpError::kOk);
  s.restart_ice("uf02", "pwd-new-0123456789abcdef");
  std::string re = offer_from(s);
  SessionDescription d;
  ASSERT_EQ(parse(re, d), SdpError::kOk);
  EXPECT_EQ(d.ice_ufrag.view(), "uf02");
  EXPECT_EQ(d.ice_pwd.view(), "pwd-new-0123456789abcdef");
  std::string restarted =
      edit(edit(kAiortcAnswerMultiFingerprint, "ice-ufrag:Ab12", "ice-ufrag:Cd34"), "ice-pwd:0123", "ice-pwd:9999");
  ASSERT_EQ(s.set_remote_answer(restarted, n), SdpError::kOk);
  EXPECT_TRUE(s.remote_ice_restarted());
  EXPECT_EQ(n.dtls_role, DtlsRole::kServer);

  // A peer re-offer with the same credentials is no restart, and our answer
  // keeps the DTLS role we already have even though they say actpass.
  std::string reoffer = edit(restarted, "a=setup:active", "a=setup:actpass");
  ASSERT_EQ(s.set_remote_offer(reoffer), SdpError::kOk);
  EXPECT_FALSE(s.remote_ice_restarted());
  std::array<char, limits::kSdpMax> buf;
  std::size_t len = 0;
  ASSERT_EQ(s.create_answer(kOurCandidates, Direction::kSendRecv, buf, len, n), SdpError::kOk);
  EXPECT_EQ(n.dtls_role, DtlsRole::kServer);
  ASSERT_EQ(parse({buf.data(), len}, d), SdpError::kOk);
  EXPECT_EQ(d.setup, Setup::kPassive);
  EXPECT_EQ(d.session_version, 3u);
}

TEST(SdpSessionTest, AnswerSetupConflict) {
  SdpSession s(identity());
  offer_from(s);
  Negotiated n;
  std::string bad = edit(kAiortcAnswerMultiFingerprint, "a=setup:active", "a=setup:actpass");
  EXPECT_EQ(s.set_remote_answer(bad, n), SdpError::kSetupConflict);
  EXPECT_TRUE(s.offer_pending());
  // No a=setup in an answer means active.
  std::string none = edit(kAiortcAnswerMultiFingerprint, "a=setup:active\n", "");
  ASSERT_EQ(s.set_remote_answer(none, n), SdpError::kOk);
  EXPECT_EQ(n.dtls_role, DtlsRole::kServer);
}

TEST(SdpSessionTest, WrongState) {
  SdpSession s(identity());
  Negotiated n;
  EXPECT_EQ(s.set_remote_answer(kAiortcAnswerMultiFingerprint, n), SdpError::kWrongState);
  std::array<char, limits::kSdpMax> buf;
  std::size_t len = 0;
  EXPECT_EQ(s.create_answer(kOurCandidates, Direction::kSendRecv, buf, len, n), SdpError::kWrongState);
  offer_from(s);
  EXPECT_EQ(s.set_remote_offer(kAiortcOffer), SdpError::kWrongState);  // glare
}

TEST(SdpWrite, BufferTooSmall) {
  SdpSession s(identity());
  std::array<char, 200> small;
  std::size_t len = 0;
  EXPECT_EQ(s.create_offer(kOurCandidates, Direction::kSendRecv, small, len), SdpError::kBufferTooSmall);
  EXPECT_FALSE(s.offer_pending());
}

struct ErrorCase {
  const char* what;
  std::string text;
  SdpError want;
};

TEST(SdpParse, EveryNamedError) {
  const std::string a(kAiortcOffer);
  const std::string long_line = "v=0\r\na=x:" + std::string(limits::kSdpLineMax, 'x') + "\r\n";
  const ErrorCase cases[] = {
      {"empty", "", SdpError::kEmpty},
      {"blank lines", "\r\n\r\n", SdpError::kEmpty},
      {"whole too long", a + std::string(limits::kSdpMax, '\n'), SdpError::kTooLong},
      {"line too long", long_line, SdpError::kTooLong},
      {"ufrag too long", edit(a, "ice-ufrag:HaDN", "ice-ufrag:" + std::string(300, 'u')), SdpError::kTooLong},
      {"no equals", edit(a, "s=-", "s-"), SdpError::kBadLine},
      {"version", edit(a, "v=0", "v=1"), SdpError::kBadVersion},
      {"first line not v", "o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n", SdpError::kBadVersion},
      {"origin", edit(a, "o=- 4004454294 4004454294", "o=- x 4004454294"), SdpError::kBadOrigin},
      {"media port", edit(a, "m=audio 43388", "m=audio port"), SdpError::kBadMediaLine},
      {"media fmt", edit(a, "SAVPF 96 0 8", "SAVPF 96 zero 8"), SdpError::kBadMediaLine},
      {"media no fmt", edit(a, "SAVPF 96 0 8", "SAVPF"), SdpError::kBadMediaLine},
      {"connection", edit(a, "c=IN IP4 10.9.8.7", "c=IN IPX 10.9.8.7"), SdpError::kBadConnection},
      {"rtpmap", edit(a, "rtpmap:96 opus/48000/2", "rtpmap:96 opus"), SdpError::kBadRtpmap},
      {"rtpmap pt", edit(a, "rtpmap:96 opus", "rtpmap:300 opus"), SdpError::kBadRtpmap},
      {"candidate", edit(a, "typ host", "typ hostile"), SdpError::kBadCandidate},
      {"candidate port", edit(a, "10.9.8.7 43388 typ", "10.9.8.7 99999 typ"), SdpError::kBadCandidate},
      {"fingerprint hex", edit(a, "sha-256 A6:D4", "sha-256 G6:D4"), SdpError::kBadFingerprint},
      {"fingerprint length", edit(a, ":AE:0E\r\n", ":AE\r\n"), SdpError::kBadFingerprint},
      {"setup", edit(a, "setup:actpass", "setup:sideways"), SdpError::kBadSetup},
      {"no audio", edit(a, "m=audio", "m=video"), SdpError::kNoAudio},
      {"audio rejected", edit(a, "m=audio 43388", "m=audio 0"), SdpError::kNoAudio},
      {"no fingerprint", edit(a, "a=fingerprint:sha-256 ", "a=x-fingerprint:sha-256 "), SdpError::kNoFingerprint},
      {"only sha-1", edit(a, "a=fingerprint:sha-256 A6:D4:B0:AE:83:DC:96:9D:02:CE:C6:DD:21:88:E6:C2:80:5A:E3:C4:23:9D:BD:93:F2:74:76:82:4E:AC:AE:0E",
                          "a=fingerprint:sha-1 A6:D4:B0:AE:83:DC:96:9D:02:CE:C6:DD:21:88:E6:C2:80:5A:E3:C4"),
       SdpError::kNoFingerprint},
      {"no common codec", edit(edit(a, "SAVPF 96 0 8", "SAVPF 9"), "rtpmap:0 PCMU", "rtpmap:9 G722"),
       SdpError::kNoCommonCodec},
      {"no ufrag", edit(a, "a=ice-ufrag:HaDN\r\n", ""), SdpError::kMissingIceCredentials},
      {"no pwd", edit(a, "a=ice-pwd:OVUwmWZzzFeQUCzDDFUDgn\r\n", ""), SdpError::kMissingIceCredentials},
      {"no rtcp-mux", edit(a, "a=rtcp-mux\r\n", ""), SdpError::kNoRtcpMux},
  };
  for (const auto& c : cases) {
    SessionDescription d;
    SdpError got = parse(c.text, d);
    EXPECT_EQ(got, c.want) << c.what << ": got " << to_string(got);
  }
  EXPECT_TRUE(is_unparsable(SdpError::kBadCandidate));
  EXPECT_TRUE(is_unparsable(SdpError::kTooLong));
  EXPECT_FALSE(is_unparsable(SdpError::kNoCommonCodec));
  EXPECT_FALSE(is_unparsable(SdpError::kMissingIceCredentials));
  EXPECT_STREQ(to_string(SdpError::kNoFingerprint), "no fingerprint");
}

TEST(SdpParse, OpusAtWrongRateIsNoCommonCodec) {
  std::string only_opus8k = edit(edit(kAiortcOffer, "SAVPF 96 0 8", "SAVPF 96"), "opus/48000/2", "opus/8000");
  SessionDescription d;
  ASSERT_EQ(parse(only_opus8k, d), SdpError::kOk);  // it reads; negotiation refuses
  Negotiated n;
  EXPECT_EQ(negotiate_answer(d, Direction::kSendRecv, std::nullopt, n), SdpError::kNoCommonCodec);
}

TEST(SdpParse, TooManyCandidatesAreSkippedNotFatal) {
  std::string text(kAiortcOffer);
  std::string more;
  for (int i = 0; i < 20; ++i)
    more += "a=candidate:" + std::to_string(i) + " 1 udp 100 10.0.0." + std::to_string(i) + " 5000 typ host\r\n";
  text = edit(text, "a=end-of-candidates\r\n", more + "a=end-of-candidates\r\n");
  SessionDescription d;
  ASSERT_EQ(parse(text, d), SdpError::kOk);
  EXPECT_EQ(d.candidates.size(), limits::kIceCandidatesMax);
  EXPECT_EQ(d.candidates_skipped, 21 - limits::kIceCandidatesMax);
}

}  // namespace
}  // namespace dialtone::media::sdp
