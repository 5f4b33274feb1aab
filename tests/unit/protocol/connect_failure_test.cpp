// The sentence a person reads when a connection could not be made.
#include <gtest/gtest.h>

#include <string>

#include "protocol/tls/connect_failure.hpp"

using namespace dialtone::protocol;

namespace {
std::string describe(std::string_view host, std::uint16_t port, StreamError e, std::string_view what = {}) {
  char buf[kConnectFailureMax];
  return std::string(describe_connect_failure(buf, host, port, e, what));
}
}  // namespace

TEST(ConnectFailure, DnsFailuresNameTheHostAlone) {
  EXPECT_EQ(describe("yna.test", 443, StreamError::kResolveTimeout, "DNS lookup timed out after 10 s"),
            "cannot reach yna.test: DNS lookup timed out after 10 s");
  EXPECT_EQ(describe("nowhere.test", 443, StreamError::kResolve),
            "cannot reach nowhere.test: host name did not resolve");
}

TEST(ConnectFailure, OtherFailuresNameHostAndPort) {
  EXPECT_EQ(describe("127.0.0.1", 8443, StreamError::kRefused), "cannot reach 127.0.0.1:8443: connection refused");
  EXPECT_EQ(describe("yna.test", 443, StreamError::kTimeout, "timed out after 2.5 s"),
            "cannot reach yna.test:443: timed out after 2.5 s");
  EXPECT_EQ(describe("::1", 8443, StreamError::kCertUntrusted),
            "cannot reach [::1]:8443: certificate not trusted");
}

TEST(ConnectFailure, LongHostIsCutNotOverrun) {
  std::string host(300, 'a');
  char buf[32];
  std::string_view s = describe_connect_failure(buf, host, 443, StreamError::kRefused, {});
  EXPECT_EQ(s.size(), sizeof buf - 1);
  EXPECT_EQ(s.substr(0, 13), "cannot reach ");
  char none[1];
  EXPECT_EQ(describe_connect_failure(std::span<char>(none, 0), host, 443, StreamError::kRefused, {}), "");
}

TEST(ConnectFailure, SecondsAsPeopleSayThem) {
  char buf[24];
  EXPECT_EQ(format_seconds(buf, 10000), "10 s");
  EXPECT_EQ(format_seconds(buf, 1500), "1.5 s");
  EXPECT_EQ(format_seconds(buf, 300), "0.3 s");
  EXPECT_EQ(format_seconds(buf, 9980), "10 s");
}
