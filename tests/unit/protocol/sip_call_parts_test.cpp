// The pure parts of the SIP call engine: INFO dtmf-relay bodies, RFC 4028
// header values and caller ID from P-Asserted-Identity / From.
#include <gtest/gtest.h>

#include "protocol/sip/caller_id.hpp"
#include "protocol/sip/dtmf_relay.hpp"
#include "protocol/sip/session_expires.hpp"

namespace dialtone::protocol::sip {
namespace {

TEST(DtmfRelay, ReadsSignalAndDuration) {
  DtmfRelay r;
  ASSERT_EQ(parse_dtmf_relay("Signal=5\r\nDuration=160\r\n", r), DtmfRelayError::kOk);
  EXPECT_EQ(r.digit, '5');
  EXPECT_EQ(r.duration_ms, 160u);
}

TEST(DtmfRelay, AcceptsSpacesLfAndLowerCase) {
  DtmfRelay r;
  ASSERT_EQ(parse_dtmf_relay("signal = #\nduration= 250", r), DtmfRelayError::kOk);
  EXPECT_EQ(r.digit, '#');
  EXPECT_EQ(r.duration_ms, 250u);
  ASSERT_EQ(parse_dtmf_relay("Signal=d\r\n", r), DtmfRelayError::kOk);
  EXPECT_EQ(r.digit, 'D');
  EXPECT_EQ(r.duration_ms, 0u);
}

TEST(DtmfRelay, EventCodesForStarAndHash) {
  DtmfRelay r;
  ASSERT_EQ(parse_dtmf_relay("Signal=10\r\n", r), DtmfRelayError::kOk);
  EXPECT_EQ(r.digit, '*');
  ASSERT_EQ(parse_dtmf_relay("Signal=11\r\n", r), DtmfRelayError::kOk);
  EXPECT_EQ(r.digit, '#');
}

TEST(DtmfRelay, NamedErrors) {
  DtmfRelay r{.digit = 'x'};
  EXPECT_EQ(parse_dtmf_relay("", r), DtmfRelayError::kNoSignal);
  EXPECT_EQ(parse_dtmf_relay("Duration=100\r\n", r), DtmfRelayError::kNoSignal);
  EXPECT_EQ(parse_dtmf_relay("Signal=E\r\n", r), DtmfRelayError::kBadSignal);
  EXPECT_EQ(parse_dtmf_relay("Signal=12\r\n", r), DtmfRelayError::kBadSignal);
  EXPECT_EQ(parse_dtmf_relay("Signal=\r\n", r), DtmfRelayError::kBadSignal);
  EXPECT_EQ(parse_dtmf_relay("Signal=1\r\nDuration=-5\r\n", r), DtmfRelayError::kBadDuration);
  EXPECT_EQ(r.digit, 'x');  // untouched on error
}

TEST(SessionExpires, DeltaAndRefresher) {
  SessionExpires se;
  ASSERT_EQ(parse_session_expires("1800;refresher=uac", se), SessionExpiresError::kOk);
  EXPECT_EQ(se.seconds, 1800u);
  EXPECT_EQ(se.refresher, Refresher::kUac);
  ASSERT_EQ(parse_session_expires(" 90 ; foo=bar ; REFRESHER = UAS", se), SessionExpiresError::kOk);
  EXPECT_EQ(se.seconds, 90u);
  EXPECT_EQ(se.refresher, Refresher::kUas);
  ASSERT_EQ(parse_session_expires("600", se), SessionExpiresError::kOk);
  EXPECT_EQ(se.refresher, Refresher::kNone);
}

TEST(SessionExpires, NamedErrors) {
  SessionExpires se;
  EXPECT_EQ(parse_session_expires("", se), SessionExpiresError::kBadDelta);
  EXPECT_EQ(parse_session_expires("abc", se), SessionExpiresError::kBadDelta);
  EXPECT_EQ(parse_session_expires("1800;refresher=both", se), SessionExpiresError::kBadRefresher);
  std::uint32_t min = 0;
  ASSERT_EQ(parse_min_se("120;x=1", min), SessionExpiresError::kOk);
  EXPECT_EQ(min, 120u);
  EXPECT_EQ(parse_min_se("-1", min), SessionExpiresError::kBadDelta);
}

TEST(SessionExpires, HugeDeltaIsClamped) {
  SessionExpires se;
  ASSERT_EQ(parse_session_expires("99999999999999999999", se), SessionExpiresError::kOk);
  EXPECT_EQ(se.seconds, 0xffffffffu);
}

TEST(NameAddr, QuotedDisplayNameWithEscapes) {
  NameAddr na;
  ASSERT_EQ(parse_name_addr(R"("Alice \"A\" Smith" <sip:+15551234567@example.com;user=phone>;tag=9f)", na),
            NameAddrError::kOk);
  EXPECT_EQ(na.uri, "sip:+15551234567@example.com;user=phone");
  FixedString<limits::kPeerNameMax> name;
  unquote_display_name(na.display, name);
  EXPECT_EQ(name.view(), R"(Alice "A" Smith)");
  EXPECT_EQ(uri_user(na.uri), "+15551234567");
}

TEST(NameAddr, TokenDisplayNameAddrSpecAndTel) {
  NameAddr na;
  ASSERT_EQ(parse_name_addr("Bob Jones <sips:bob@example.com>", na), NameAddrError::kOk);
  EXPECT_EQ(na.display, "Bob Jones");
  EXPECT_EQ(na.uri, "sips:bob@example.com");
  ASSERT_EQ(parse_name_addr("sip:carol@example.com;tag=1", na), NameAddrError::kOk);
  EXPECT_EQ(na.display, "");
  EXPECT_EQ(na.uri, "sip:carol@example.com");
  ASSERT_EQ(parse_name_addr("<tel:+15551234567;phone-context=+1>", na), NameAddrError::kOk);
  EXPECT_EQ(uri_user(na.uri), "+15551234567");
  EXPECT_EQ(uri_user("sip:example.com"), "");
  EXPECT_EQ(uri_user("sip:dave:secret@example.com"), "dave");  // never the password
}

TEST(NameAddr, NamedErrors) {
  NameAddr na;
  EXPECT_EQ(parse_name_addr("  ", na), NameAddrError::kEmpty);
  EXPECT_EQ(parse_name_addr("\"Alice <sip:a@b>", na), NameAddrError::kUnclosedQuote);
  EXPECT_EQ(parse_name_addr("Alice <sip:a@b", na), NameAddrError::kUnclosedAngle);
  EXPECT_EQ(parse_name_addr("\"Alice\"", na), NameAddrError::kUnclosedAngle);
  EXPECT_EQ(parse_name_addr("<alice>", na), NameAddrError::kNoScheme);
}

TEST(CallerIdFrom, PaiWinsOverFrom) {
  CallerId id;
  ASSERT_EQ(caller_id("\"Reception\" <sip:+15550001111@carrier.example>, <tel:+15550001111>",
                      "\"anonymous\" <sip:anonymous@anonymous.invalid>;tag=1", id),
            NameAddrError::kOk);
  EXPECT_EQ(id.peer.view(), "+15550001111");
  EXPECT_EQ(id.peer_name.view(), "Reception");
}

TEST(CallerIdFrom, PaiWithoutNameBorrowsFromsName) {
  CallerId id;
  ASSERT_EQ(caller_id("<tel:+15550001111>", "\"Front desk\" <sip:101@pbx.example>;tag=1", id), NameAddrError::kOk);
  EXPECT_EQ(id.peer.view(), "+15550001111");
  EXPECT_EQ(id.peer_name.view(), "Front desk");
}

TEST(CallerIdFrom, FromWhenNoPaiOrAnUnreadableOne) {
  CallerId id;
  ASSERT_EQ(caller_id("", "Bob <sip:bob@example.com>;tag=x", id), NameAddrError::kOk);
  EXPECT_EQ(id.peer.view(), "bob");
  EXPECT_EQ(id.peer_name.view(), "Bob");
  ASSERT_EQ(caller_id("<garbage", "<sip:+4930123@example.com>;tag=x", id), NameAddrError::kOk);
  EXPECT_EQ(id.peer.view(), "+4930123");
  EXPECT_EQ(id.peer_name.view(), "");
}

TEST(CallerIdFrom, LongNameIsTruncatedNotRefused) {
  CallerId id;
  std::string from = "\"" + std::string(200, 'n') + "\" <sip:x@y>";
  ASSERT_EQ(caller_id("", from, id), NameAddrError::kOk);
  EXPECT_EQ(id.peer_name.size(), limits::kPeerNameMax);
}

}  // namespace
}  // namespace dialtone::protocol::sip
