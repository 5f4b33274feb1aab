// STUN MESSAGE-INTEGRITY through libnice's own STUN agent, against the test
// vectors of RFC 5769: the HMAC-SHA1 (short-term credentials) and the MD5
// key (long-term credentials) that libnice computes must reproduce the RFC's
// bytes. In the default build that crypto is mbedTLS through our libnice
// patch (scripts/patches/), which must also make no heap call.
#include <gtest/gtest.h>
#include <stun/stunagent.h>
#include <stun/stunmessage.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "tests/unit/media/alloc_counter.hpp"

namespace {

// RFC 5769 section 2.1: Binding request, short-term credentials,
// password "VOkJxbRl1RmTxUk/WvJxBt", with FINGERPRINT.
constexpr std::array<uint8_t, 108> kSampleRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,  //
    0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,                          //
    0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,  // SOFTWARE
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,                          //
    0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,                          // PRIORITY
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,  // ICE-CONTROLLED
    0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,  // USERNAME
    0x59, 0x20, 0x20, 0x20,                                                  //
    0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56,  // MESSAGE-INTEGRITY
    0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2,  //
    0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,                          // FINGERPRINT
};
constexpr char kSampleUsernameZ[] = "evtj:h6vY";
constexpr std::string_view kSampleUsername = kSampleUsernameZ;
constexpr std::string_view kSamplePassword = "VOkJxbRl1RmTxUk/WvJxBt";
constexpr std::size_t kPriorityValueOffset = 44;

// RFC 5769 section 2.4: Binding request, long-term credentials: username
// U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9 in UTF-8, realm "example.org",
// password "TheMatrIX"; the HMAC key is MD5(username ":" realm ":" password).
constexpr std::array<uint8_t, 116> kLongTermRequest = {
    0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33,  //
    0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,                          //
    0x00, 0x06, 0x00, 0x12, 0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88, 0xe3, 0x83,  // USERNAME
    0xaa, 0xe3, 0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00,  //
    0x00, 0x15, 0x00, 0x1c, 0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39,  // NONCE
    0x35, 0x34, 0x64, 0x36, 0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46,  //
    0x53, 0x54, 0x76, 0x79, 0x36, 0x34, 0x73, 0x41,                          //
    0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e,  // REALM
    0x6f, 0x72, 0x67, 0x00,                                                  //
    0x00, 0x08, 0x00, 0x14, 0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e,  // MESSAGE-INTEGRITY
    0x02, 0xb8, 0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66,  //
};

constexpr uint16_t kKnownAttributes[] = {
    STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY, STUN_ATTRIBUTE_PRIORITY,
    STUN_ATTRIBUTE_NONCE,    STUN_ATTRIBUTE_REALM,             0,
};

// What the validater hands libnice: the password for the one user it knows.
struct Credentials {
  std::string_view username;
  std::string_view password;
  int asked = 0;
};

bool give_password(StunAgent*, StunMessage*, uint8_t* username, uint16_t username_len, uint8_t** password,
                   size_t* password_len, void* user_data) {
  auto* c = static_cast<Credentials*>(user_data);
  ++c->asked;
  if (std::string_view(reinterpret_cast<const char*>(username), username_len) != c->username) return false;
  *password = reinterpret_cast<uint8_t*>(const_cast<char*>(c->password.data()));
  *password_len = c->password.size();
  return true;
}

template <std::size_t N>
StunValidationStatus validate(const std::array<uint8_t, N>& bytes, StunAgentUsageFlags usage, Credentials& creds) {
  StunAgent agent;
  stun_agent_init(&agent, kKnownAttributes, STUN_COMPATIBILITY_RFC5389, usage);
  StunMessage msg;
  return stun_agent_validate(&agent, &msg, bytes.data(), bytes.size(), give_password, &creds);
}

constexpr auto kShortTerm =
    static_cast<StunAgentUsageFlags>(STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
constexpr auto kShortTermNoFingerprint = STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS;
constexpr auto kLongTerm = STUN_AGENT_USAGE_LONG_TERM_CREDENTIALS;

const std::string_view kLongTermUsername(reinterpret_cast<const char*>(kLongTermRequest.data() + 24), 18);

TEST(StunIntegrity, Rfc5769ShortTermRequestValidates) {
  Credentials creds{kSampleUsername, kSamplePassword};
  EXPECT_EQ(validate(kSampleRequest, kShortTerm, creds), STUN_VALIDATION_SUCCESS);
  EXPECT_EQ(creds.asked, 1);
}

TEST(StunIntegrity, Rfc5769ShortTermRequestWithAnotherPasswordIsUnauthorized) {
  Credentials creds{kSampleUsername, "VOkJxbRl1RmTxUk/WvJxBu"};
  EXPECT_EQ(validate(kSampleRequest, kShortTerm, creds), STUN_VALIDATION_UNAUTHORIZED);
}

TEST(StunIntegrity, Rfc5769ShortTermRequestWithAChangedAttributeIsUnauthorized) {
  auto changed = kSampleRequest;
  changed[kPriorityValueOffset] ^= 0x01;
  Credentials creds{kSampleUsername, kSamplePassword};
  // Without the FINGERPRINT check, which would reject the change first.
  EXPECT_EQ(validate(changed, kShortTermNoFingerprint, creds), STUN_VALIDATION_UNAUTHORIZED);
  EXPECT_EQ(validate(kSampleRequest, kShortTermNoFingerprint, creds), STUN_VALIDATION_SUCCESS);
}

TEST(StunIntegrity, Rfc5769LongTermRequestValidates) {
  Credentials creds{kLongTermUsername, "TheMatrIX"};
  EXPECT_EQ(validate(kLongTermRequest, kLongTerm, creds), STUN_VALIDATION_SUCCESS);
  EXPECT_EQ(creds.asked, 1);
}

TEST(StunIntegrity, Rfc5769LongTermRequestWithAnotherPasswordIsUnauthorized) {
  Credentials creds{kLongTermUsername, "TheMatrIx"};
  EXPECT_EQ(validate(kLongTermRequest, kLongTerm, creds), STUN_VALIDATION_UNAUTHORIZED);
}

// A request as the agent's connectivity checks make it (random transaction
// id, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT), validated by a second agent.
struct BuiltRequest {
  std::array<uint8_t, 256> buffer{};
  std::size_t length = 0;
  StunTransactionId id{};
};

BuiltRequest build_request(StunAgent& agent, std::string_view password) {
  BuiltRequest r;
  StunMessage msg;
  EXPECT_TRUE(stun_agent_init_request(&agent, &msg, r.buffer.data(), r.buffer.size(), STUN_BINDING));
  EXPECT_EQ(stun_message_append_string(&msg, STUN_ATTRIBUTE_USERNAME, kSampleUsernameZ),
            STUN_MESSAGE_RETURN_SUCCESS);
  r.length = stun_agent_finish_message(&agent, &msg, reinterpret_cast<const uint8_t*>(password.data()),
                                       password.size());
  stun_message_id(&msg, r.id);
  return r;
}

TEST(StunIntegrity, ARequestWeSignValidatesWithTheSameKeyOnly) {
  StunAgent sender;
  stun_agent_init(&sender, kKnownAttributes, STUN_COMPATIBILITY_RFC5389, kShortTerm);
  // Longer than SHA-1's 64-byte block, so HMAC hashes the key first.
  const std::string long_password(100, 'k');
  for (std::string_view password : {kSamplePassword, std::string_view(long_password)}) {
    BuiltRequest r = build_request(sender, password);
    ASSERT_GT(r.length, 20u);
    std::array<uint8_t, 256> copy = r.buffer;
    Credentials right{kSampleUsername, password};
    StunAgent receiver;
    stun_agent_init(&receiver, kKnownAttributes, STUN_COMPATIBILITY_RFC5389, kShortTerm);
    StunMessage msg;
    EXPECT_EQ(stun_agent_validate(&receiver, &msg, copy.data(), r.length, give_password, &right),
              STUN_VALIDATION_SUCCESS);
    Credentials wrong{kSampleUsername, "VOkJxbRl1RmTxUk/WvJxBu"};
    EXPECT_EQ(stun_agent_validate(&receiver, &msg, copy.data(), r.length, give_password, &wrong),
              STUN_VALIDATION_UNAUTHORIZED);
  }
}

TEST(StunIntegrity, TransactionIdsAreRandom) {
  StunAgent agent;
  stun_agent_init(&agent, kKnownAttributes, STUN_COMPATIBILITY_RFC5389, kShortTerm);
  BuiltRequest a = build_request(agent, kSamplePassword);
  BuiltRequest b = build_request(agent, kSamplePassword);
  EXPECT_NE(std::memcmp(a.id, b.id, sizeof a.id), 0);
  // The 96 bits after the magic cookie are not left zero.
  const StunTransactionId zero{};
  EXPECT_NE(std::memcmp(a.id + 4, zero + 4, sizeof a.id - 4), 0);
}

#ifdef DIALTONE_NICE_OVER_MBEDTLS
// What a call does for every connectivity check and keep-alive: sign one
// request, validate one (short-term), and the long-term key of a TURN
// request. Over OpenSSL this made HMAC_CTX_new/EVP_MD_CTX_new calls.
TEST(StunIntegrity, SigningAndValidatingMakeNoHeapCall) {
  if (!dialtone::test::alloc_counting_enabled()) GTEST_SKIP() << "sanitizer owns malloc";
  StunAgent sender;
  stun_agent_init(&sender, kKnownAttributes, STUN_COMPATIBILITY_RFC5389, kShortTerm);
  StunAgent receiver;
  stun_agent_init(&receiver, kKnownAttributes, STUN_COMPATIBILITY_RFC5389, kShortTerm);
  StunAgent turn;
  stun_agent_init(&turn, kKnownAttributes, STUN_COMPATIBILITY_RFC5389, kLongTerm);
  Credentials creds{kSampleUsername, kSamplePassword};
  Credentials turn_creds{kLongTermUsername, "TheMatrIX"};
  StunMessage msg;
  // Once outside the count: anything the C library sets up on first use.
  BuiltRequest warm = build_request(sender, kSamplePassword);
  ASSERT_EQ(stun_agent_validate(&receiver, &msg, warm.buffer.data(), warm.length, give_password, &creds),
            STUN_VALIDATION_SUCCESS);

  const std::size_t before = dialtone::test::alloc_count();
  for (int i = 0; i < 10; ++i) {
    BuiltRequest r = build_request(sender, kSamplePassword);
    EXPECT_EQ(stun_agent_validate(&receiver, &msg, r.buffer.data(), r.length, give_password, &creds),
              STUN_VALIDATION_SUCCESS);
    EXPECT_EQ(stun_agent_validate(&turn, &msg, kLongTermRequest.data(), kLongTermRequest.size(), give_password,
                                  &turn_creds),
              STUN_VALIDATION_SUCCESS);
  }
  EXPECT_EQ(dialtone::test::alloc_count(), before);
}
#endif

}  // namespace
