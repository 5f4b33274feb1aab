// SDP of the SIP media profiles (sip-line.md section 5): RTP/AVP with RTCP on
// port + 1 or muxed, RTP/SAVP with SDES a=crypto (RFC 4568). Parse, write,
// negotiate, and the crypto lines we must refuse by name.
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

// 30 bytes 1..30 and 101..130 in base64.
constexpr std::string_view kKeyA = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e";
constexpr std::string_view kKeyB = "ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGC";

// The shape of Debian's baresip 1.0 offer with mediaenc=srtp-mand: session
// c=, RTP/SAVP, two suites (_32 first), telephone-event/8000, no rtcp-mux,
// an a=rtcp line of its own.
const std::string kSdesOffer = std::string(
    "v=0\r\n"
    "o=- 1234 5678 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 10000 RTP/SAVP 96 0 8 101\r\n"
    "b=AS:128\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=rtcp:10003\r\n"
    "a=sendrecv\r\n"
    "a=label:1\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:") + std::string(kKeyA) + "\r\n" +
    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kKeyB) + "|2^31\r\n" +
    "a=ptime:20\r\n";

const std::string kRtpOffer =
    "v=0\r\n"
    "o=sipp 1 1 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 6000 RTP/AVP 8 0 101\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n";

std::string edit(std::string_view s, std::string_view from, std::string_view to) {
  std::string r(s);
  auto pos = r.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) r.replace(pos, from.size(), to);
  return r;
}

std::size_t count(std::string_view s, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string_view::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

Crypto key(CryptoSuite suite, std::uint8_t first) {
  Crypto k;
  k.suite = suite;
  k.usable = true;
  for (std::size_t i = 0; i < k.key.size(); ++i) k.key[i] = static_cast<std::uint8_t>(first + i);
  return k;
}

SdpSession::Identity sip_identity(Profile p, std::uint16_t port) {
  SdpSession::Identity id;
  id.session_id = 42;
  id.ssrc = 0x11223344;
  id.cname = "sipcname";
  id.profile = p;
  id.address = "127.0.0.1";
  id.port = port;
  id.rtcp_port = static_cast<std::uint16_t>(port + 1);
  return id;
}

std::string offer_of(SdpSession& s, Direction d = Direction::kSendRecv) {
  std::array<char, limits::kSdpMax> buf;
  std::size_t len = 0;
  EXPECT_EQ(s.create_offer({}, d, buf, len), SdpError::kOk);
  return std::string(buf.data(), len);
}

SdpError answer_of(SdpSession& s, std::string_view offer, Negotiated& n, std::string& text) {
  std::array<char, limits::kSdpMax> buf;
  std::size_t len = 0;
  SdpError e = s.set_remote_offer(offer);
  if (e != SdpError::kOk) return e;
  e = s.create_answer({}, Direction::kSendRecv, buf, len, n);
  if (e == SdpError::kOk) text.assign(buf.data(), len);
  return e;
}

TEST(SdpSipParse, SdesOfferCryptoLinesAndRtcpPort) {
  SessionDescription d;
  ASSERT_EQ(parse(kSdesOffer, d), SdpError::kOk);
  EXPECT_EQ(d.profile, Profile::kSdes);
  EXPECT_EQ(d.proto.view(), "RTP/SAVP");
  EXPECT_EQ(d.connection_address.view(), "127.0.0.1");  // from the session level
  EXPECT_EQ(d.port, 10000);
  EXPECT_EQ(d.rtcp_port, 10003);
  EXPECT_FALSE(d.rtcp_mux);
  ASSERT_EQ(d.cryptos.size(), 2u);
  EXPECT_EQ(d.cryptos[0].tag, 1u);
  EXPECT_EQ(d.cryptos[0].suite, CryptoSuite::kAesCm128HmacSha1_32);
  EXPECT_TRUE(d.cryptos[0].usable);
  EXPECT_EQ(d.cryptos[0].key[0], 1);
  EXPECT_EQ(d.cryptos[0].key[29], 30);
  EXPECT_EQ(d.cryptos[1].tag, 2u);
  EXPECT_EQ(d.cryptos[1].suite, CryptoSuite::kAesCm128HmacSha1_80);
  EXPECT_TRUE(d.cryptos[1].usable) << "a lifetime is accepted";
  EXPECT_EQ(d.cryptos[1].key[0], 101);
}

TEST(SdpSipParse, PlainRtpOffer) {
  SessionDescription d;
  ASSERT_EQ(parse(kRtpOffer, d), SdpError::kOk);
  EXPECT_EQ(d.profile, Profile::kRtp);
  EXPECT_EQ(d.rtcp_port, 0);
  EXPECT_TRUE(d.ice_ufrag.empty());
  EXPECT_EQ(d.formats.size(), 3u);
  EXPECT_EQ(d.formats[1].kind, CodecKind::kPcmu);  // static type without rtpmap
}

TEST(SdpSipParse, CryptoLinesWeCannotUseAreKeptAsUnusable) {
  const std::string k(kKeyA);
  const struct {
    const char* what;
    std::string line;
  } cases[] = {
      {"unknown suite", "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" + k},
      {"MKI", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^20|1:4"},
      {"session parameter", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + k + " UNENCRYPTED_SRTP"},
      {"short key", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AQIDBAUGBwgJCgsMDQ4PEBESExQ="},
      {"not base64", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!!" + k.substr(4)},
      {"two keys", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + k + ";inline:" + k},
      {"not inline", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:" + k},
  };
  for (const auto& c : cases) {
    std::string offer = kRtpOffer;
    offer = edit(offer, "RTP/AVP", "RTP/SAVP");
    offer += c.line + "\r\n";
    SessionDescription d;
    ASSERT_EQ(parse(offer, d), SdpError::kOk) << c.what;
    ASSERT_EQ(d.cryptos.size(), 1u) << c.what;
    EXPECT_FALSE(d.cryptos[0].usable) << c.what;
    // Answering it fails by name: no plain answer, no silent skip.
    SdpSession s(sip_identity(Profile::kSdes, 40000));
    const Crypto mine[] = {key(CryptoSuite::kAesCm128HmacSha1_80, 1), key(CryptoSuite::kAesCm128HmacSha1_32, 31)};
    s.set_local_keys(mine);
    Negotiated n;
    std::string answer;
    EXPECT_EQ(answer_of(s, offer, n, answer), SdpError::kNoUsableCrypto) << c.what;
    EXPECT_TRUE(answer.empty());
  }
}

TEST(SdpSipParse, NamedErrorsOfTheSipProfiles) {
  const std::string savp = edit(kRtpOffer, "RTP/AVP", "RTP/SAVP");
  const struct {
    const char* what;
    std::string text;
    SdpError want;
  } cases[] = {
      {"crypto without key params", savp + "a=crypto:1 AES_CM_128_HMAC_SHA1_80\r\n", SdpError::kBadCrypto},
      {"crypto tag not a number", savp + "a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kKeyA) + "\r\n",
       SdpError::kBadCrypto},
      {"RTP/SAVP without crypto", savp, SdpError::kNoCrypto},
      {"no c=", edit(kRtpOffer, "c=IN IP4 127.0.0.1\r\n", ""), SdpError::kNoConnection},
      {"unknown proto", edit(kRtpOffer, "RTP/AVP", "TCP/RTP/AVP"), SdpError::kUnsupportedProfile},
  };
  for (const auto& c : cases) {
    SessionDescription d;
    const SdpError e = parse(c.text, d);
    EXPECT_EQ(e, c.want) << c.what << ": " << to_string(e);
    EXPECT_NE(std::string(to_string(e)), "?");
  }
  EXPECT_TRUE(is_unparsable(SdpError::kBadCrypto));
  EXPECT_FALSE(is_unparsable(SdpError::kNoUsableCrypto));
}

TEST(SdpSipParse, BestEffortSrtpOnRtpAvpUsesTheKeys) {
  // RTP/AVP with a=crypto: keys offered are keys used, never ignored.
  SessionDescription d;
  ASSERT_EQ(parse(kRtpOffer + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kKeyA) + "\r\n", d),
            SdpError::kOk);
  EXPECT_EQ(d.profile, Profile::kSdes);
  SdpSession s(sip_identity(Profile::kSdes, 40000));
  const Crypto mine[] = {key(CryptoSuite::kAesCm128HmacSha1_80, 1)};
  s.set_local_keys(mine);
  Negotiated n;
  std::string answer;
  ASSERT_EQ(answer_of(s, kRtpOffer + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kKeyA) + "\r\n", n,
                      answer),
            SdpError::kOk);
  EXPECT_NE(answer.find("m=audio 40000 RTP/AVP "), std::string::npos) << answer;  // the offer's proto
  EXPECT_NE(answer.find("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"), std::string::npos) << answer;
}

TEST(SdpSipWrite, SdesOfferHasFreshKeyLinesNoIceNoFingerprint) {
  SdpSession s(sip_identity(Profile::kSdes, 40000));
  const Crypto mine[] = {key(CryptoSuite::kAesCm128HmacSha1_80, 1), key(CryptoSuite::kAesCm128HmacSha1_32, 101)};
  s.set_local_keys(mine);
  const std::string offer = offer_of(s);
  EXPECT_NE(offer.find("m=audio 40000 RTP/SAVP 111 0 8 126 101\r\n"), std::string::npos) << offer;
  EXPECT_NE(offer.find("c=IN IP4 127.0.0.1\r\n"), std::string::npos);
  EXPECT_NE(offer.find("a=rtcp:40001\r\n"), std::string::npos);
  EXPECT_NE(offer.find("a=rtcp-mux\r\n"), std::string::npos);
  EXPECT_NE(offer.find("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kKeyA) + "\r\n"), std::string::npos)
      << offer;
  EXPECT_NE(offer.find("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" + std::string(kKeyB) + "\r\n"), std::string::npos);
  for (const char* absent : {"a=ice-", "a=fingerprint", "a=setup", "a=candidate", "BUNDLE"})
    EXPECT_EQ(offer.find(absent), std::string::npos) << absent;
  // It reads back as what it is.
  SessionDescription d;
  ASSERT_EQ(parse(offer, d), SdpError::kOk);
  EXPECT_EQ(d.profile, Profile::kSdes);
  EXPECT_EQ(d.rtcp_port, 40001);
  EXPECT_TRUE(d.rtcp_mux);
  ASSERT_EQ(d.cryptos.size(), 2u);
  EXPECT_TRUE(d.cryptos[0].usable);
  EXPECT_EQ(d.cryptos[0].key, mine[0].key);
}

TEST(SdpSipWrite, RtpOfferHasNoCryptoAndAnSdesSessionWithoutKeysRefusesToWrite) {
  SdpSession rtp(sip_identity(Profile::kRtp, 40002));
  const std::string offer = offer_of(rtp);
  EXPECT_NE(offer.find("m=audio 40002 RTP/AVP "), std::string::npos) << offer;
  EXPECT_EQ(offer.find("a=crypto"), std::string::npos);
  SdpSession sdes(sip_identity(Profile::kSdes, 40004));
  std::array<char, limits::kSdpMax> buf;
  std::size_t len = 0;
  EXPECT_EQ(sdes.create_offer({}, Direction::kSendRecv, buf, len), SdpError::kNoCrypto);
}

TEST(SdpSipNegotiate, SdesAnswerPicksTheFirstUsableLineItHasAKeyFor) {
  // Our keys: only _80. Their first line (_32) has no key of ours: tag 2 it is.
  SdpSession s(sip_identity(Profile::kSdes, 40000));
  const Crypto mine[] = {key(CryptoSuite::kAesCm128HmacSha1_80, 201)};
  s.set_local_keys(mine);
  Negotiated n;
  std::string answer;
  ASSERT_EQ(answer_of(s, kSdesOffer, n, answer), SdpError::kOk);
  EXPECT_EQ(n.profile, Profile::kSdes);
  EXPECT_EQ(n.remote_key.tag, 2u);
  EXPECT_EQ(n.remote_key.suite, CryptoSuite::kAesCm128HmacSha1_80);
  EXPECT_EQ(n.remote_key.key[0], 101);
  EXPECT_EQ(n.local_key.tag, 2u);
  EXPECT_EQ(n.local_key.key, mine[0].key);
  EXPECT_FALSE(n.rtcp_mux);
  EXPECT_EQ(count(answer, "a=crypto:"), 1u) << answer;
  EXPECT_NE(answer.find("a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:"), std::string::npos) << answer;
  // No mux offered: none answered, and our RTCP port is said.
  EXPECT_EQ(answer.find("a=rtcp-mux"), std::string::npos);
  EXPECT_NE(answer.find("a=rtcp:40001\r\n"), std::string::npos);
  // Opus wins; its DTMF would need telephone-event/48000, which this offer lacks.
  EXPECT_NE(answer.find("m=audio 40000 RTP/SAVP 96\r\n"), std::string::npos) << answer;
  // With both suites, the offerer's first usable line (_32) wins.
  SdpSession both(sip_identity(Profile::kSdes, 40000));
  const Crypto two[] = {key(CryptoSuite::kAesCm128HmacSha1_80, 201), key(CryptoSuite::kAesCm128HmacSha1_32, 1)};
  both.set_local_keys(two);
  ASSERT_EQ(answer_of(both, kSdesOffer, n, answer), SdpError::kOk);
  EXPECT_EQ(n.remote_key.tag, 1u);
  EXPECT_EQ(n.local_key.suite, CryptoSuite::kAesCm128HmacSha1_32);
}

TEST(SdpSipNegotiate, RtcpMuxOnlyWhenOffered) {
  SdpSession s(sip_identity(Profile::kRtp, 40000));
  Negotiated n;
  std::string answer;
  ASSERT_EQ(answer_of(s, kRtpOffer, n, answer), SdpError::kOk);
  EXPECT_FALSE(n.rtcp_mux);
  EXPECT_EQ(n.profile, Profile::kRtp);
  EXPECT_EQ(n.audio.kind, CodecKind::kPcmu);  // our preference among theirs
  EXPECT_TRUE(n.has_dtmf);
  EXPECT_EQ(answer.find("a=rtcp-mux"), std::string::npos);
  EXPECT_NE(answer.find("a=rtcp:40001"), std::string::npos);

  SdpSession m(sip_identity(Profile::kRtp, 40000));
  ASSERT_EQ(answer_of(m, kRtpOffer + "a=rtcp-mux\r\n", n, answer), SdpError::kOk);
  EXPECT_TRUE(n.rtcp_mux);
  EXPECT_NE(answer.find("a=rtcp-mux"), std::string::npos);
  EXPECT_EQ(answer.find("a=rtcp:"), std::string::npos);
}

TEST(SdpSipSession, SdesOfferAnsweredKeysCrossOver) {
  SdpSession a(sip_identity(Profile::kSdes, 40000));
  SdpSession b(sip_identity(Profile::kSdes, 50000));
  const Crypto ka[] = {key(CryptoSuite::kAesCm128HmacSha1_80, 1), key(CryptoSuite::kAesCm128HmacSha1_32, 31)};
  const Crypto kb[] = {key(CryptoSuite::kAesCm128HmacSha1_80, 101), key(CryptoSuite::kAesCm128HmacSha1_32, 131)};
  a.set_local_keys(ka);
  b.set_local_keys(kb);
  const std::string offer = offer_of(a);
  Negotiated nb;
  std::string answer;
  ASSERT_EQ(answer_of(b, offer, nb, answer), SdpError::kOk);
  Negotiated na;
  ASSERT_EQ(a.set_remote_answer(answer, na), SdpError::kOk);
  EXPECT_EQ(na.local_key.key, nb.remote_key.key);
  EXPECT_EQ(na.remote_key.key, nb.local_key.key);
  EXPECT_EQ(na.local_key.suite, CryptoSuite::kAesCm128HmacSha1_80);
  EXPECT_EQ(na.local_key.key, ka[0].key);
  EXPECT_TRUE(na.rtcp_mux);
  EXPECT_TRUE(nb.rtcp_mux);
  EXPECT_EQ(b.remote().port, 40000);
  EXPECT_EQ(a.remote().port, 50000);
  EXPECT_EQ(a.remote().connection_address.view(), "127.0.0.1");
}

TEST(SdpSipSession, AnswersThatDoNotFitOurOfferAreRefused) {
  SdpSession a(sip_identity(Profile::kSdes, 40000));
  const Crypto ka[] = {key(CryptoSuite::kAesCm128HmacSha1_80, 1)};
  a.set_local_keys(ka);
  offer_of(a);
  const std::string good = std::string(
      "v=0\r\no=- 7 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio 50000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") + std::string(kKeyB) + "\r\n";
  Negotiated n;
  // A tag we never offered, a suite we did not offer under that tag, no crypto,
  // a plain answer: each refused by name, the offer still pending.
  EXPECT_EQ(a.set_remote_answer(edit(good, "crypto:1", "crypto:7"), n), SdpError::kNoUsableCrypto);
  EXPECT_EQ(a.set_remote_answer(edit(good, "SHA1_80", "SHA1_32"), n), SdpError::kNoUsableCrypto);
  EXPECT_EQ(a.set_remote_answer(edit(good, "inline:" + std::string(kKeyB), "inline:AQID"), n),
            SdpError::kNoUsableCrypto);
  EXPECT_EQ(a.set_remote_answer(edit(edit(good, "RTP/SAVP", "RTP/AVP"), "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" +
                                                                            std::string(kKeyB) + "\r\n",
                                     ""),
                                n),
            SdpError::kProfileMismatch);
  EXPECT_EQ(a.set_remote_answer(test::kAiortcAnswerMultiFingerprint, n), SdpError::kProfileMismatch);
  EXPECT_TRUE(a.offer_pending());
  ASSERT_EQ(a.set_remote_answer(good, n), SdpError::kOk);
  EXPECT_EQ(n.remote_key.key[0], 101);
  EXPECT_FALSE(n.rtcp_mux);
  // A re-offer from the peer that switches to plain RTP is refused.
  EXPECT_EQ(a.set_remote_offer(kRtpOffer), SdpError::kProfileMismatch);
}

TEST(SdpSipSession, HoldReofferKeepsProfileAndSaysSendonly) {
  SdpSession a(sip_identity(Profile::kRtp, 40000));
  offer_of(a);
  Negotiated n;
  ASSERT_EQ(a.set_remote_answer(kRtpOffer, n), SdpError::kOk);
  EXPECT_EQ(a.remote().rtcp_port, 0);
  const std::string hold = offer_of(a, Direction::kSendOnly);
  SessionDescription d;
  ASSERT_EQ(parse(hold, d), SdpError::kOk);
  EXPECT_EQ(d.profile, Profile::kRtp);
  EXPECT_EQ(d.direction, Direction::kSendOnly);
  EXPECT_EQ(d.session_version, 2u);
  ASSERT_EQ(a.set_remote_answer(edit(kRtpOffer, "t=0 0\r\n", "t=0 0\r\na=recvonly\r\n"), n), SdpError::kOk);
  EXPECT_EQ(n.direction, Direction::kSendOnly);
}

}  // namespace
}  // namespace dialtone::media::sdp
