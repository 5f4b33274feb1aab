// The pure parts of the SIP call engine: INFO dtmf-relay bodies.
#include <gtest/gtest.h>

#include "protocol/sip/dtmf_relay.hpp"

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

}  // namespace
}  // namespace dialtone::protocol::sip
