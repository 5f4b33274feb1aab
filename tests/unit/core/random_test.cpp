#include "firmware/core/random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <set>
#include <string>

using namespace dialtone;

namespace {

// Entropy sources: one that never answers, and a predictable one that can
// be made to stop answering.
int dead_source(void*, unsigned char*, std::size_t) { return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED; }

struct FixedSource {
  bool dead = false;
  unsigned char next = 1;
};
int fixed_source(void* ctx, unsigned char* out, std::size_t len) {
  auto* s = static_cast<FixedSource*>(ctx);
  if (s->dead) return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
  for (std::size_t i = 0; i < len; ++i) out[i] = s->next++;
  return 0;
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

TEST(Csprng, DifferentOutputOnEveryDraw) {
  Csprng r;
  ASSERT_TRUE(r.init());
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::array<std::uint8_t, 16> b{};
    ASSERT_TRUE(r.fill(b));
    seen.emplace(reinterpret_cast<const char*>(b.data()), b.size());
  }
  EXPECT_EQ(seen.size(), 100u);
  std::uint32_t a = 0, b = 0, c = 0;
  ASSERT_TRUE(r.uint32(a));
  ASSERT_TRUE(r.uint32(b));
  ASSERT_TRUE(r.uint32(c));
  EXPECT_FALSE(a == b && b == c);
}

TEST(Csprng, TwoGeneratorsDoNotRepeatEachOther) {
  Csprng x, y;
  ASSERT_TRUE(x.init());
  ASSERT_TRUE(y.init());
  std::array<std::uint8_t, 32> bx{}, by{};
  ASSERT_TRUE(x.fill(bx));
  ASSERT_TRUE(y.fill(by));
  EXPECT_NE(bx, by);
}

TEST(Csprng, LargeRequestsAreFilledCompletely) {
  // Longer than one CTR_DRBG request: the tail must be random too.
  Csprng r;
  ASSERT_TRUE(r.init());
  static std::array<std::uint8_t, 3 * MBEDTLS_CTR_DRBG_MAX_REQUEST + 5> buf;
  buf.fill(0);
  ASSERT_TRUE(r.fill(buf));
  std::array<std::uint8_t, 64> zero{};
  EXPECT_NE(std::memcmp(buf.data() + buf.size() - zero.size(), zero.data(), zero.size()), 0);
}

TEST(Csprng, UuidV4Format) {
  Csprng r;
  ASSERT_TRUE(r.init());
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    char u[Csprng::kUuidLen];
    ASSERT_TRUE(r.uuid_v4(u));
    std::string s(u, sizeof u);
    for (std::size_t k : {8u, 13u, 18u, 23u}) EXPECT_EQ(s[k], '-') << s;
    EXPECT_EQ(s[14], '4') << s;                                        // version
    EXPECT_NE(std::string("89ab").find(s[19]), std::string::npos) << s;  // variant
    for (std::size_t k = 0; k < s.size(); ++k) {
      if (k != 8 && k != 13 && k != 18 && k != 23) {
        EXPECT_TRUE(is_lower_hex(s[k])) << s;
      }
    }
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(Csprng, HexFillsExactlyTheSpanAsked) {
  Csprng r;
  ASSERT_TRUE(r.init());
  char buf[200 + 1];
  std::memset(buf, '#', sizeof buf);
  ASSERT_TRUE(r.hex({buf, 200}));  // more than one internal 64-byte block
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(is_lower_hex(buf[i])) << i;
  EXPECT_EQ(buf[200], '#');
  char odd[3];
  EXPECT_FALSE(r.hex(odd));
}

TEST(Csprng, RefusesBeforeSeeding) {
  Csprng r;
  EXPECT_FALSE(r.ready());
  std::array<std::uint8_t, 8> b{};
  EXPECT_FALSE(r.fill(b));
  unsigned char raw[8];
  EXPECT_NE(Csprng::mbedtls_rng(r.mbedtls_rng_ctx(), raw, sizeof raw), 0);
}

TEST(Csprng, FailsClosedWhenSeedingFails) {
  Csprng r;
  EXPECT_FALSE(r.init("test", dead_source, nullptr));
  EXPECT_FALSE(r.ready());
  std::array<std::uint8_t, 16> b{};
  EXPECT_FALSE(r.fill(b));
  char u[Csprng::kUuidLen];
  EXPECT_FALSE(r.uuid_v4(u));
  char h[32];
  EXPECT_FALSE(r.hex(h));
  std::uint32_t v = 0;
  EXPECT_FALSE(r.uint32(v));
  // What mbedTLS sees: an error, so a handshake or signature stops.
  unsigned char raw[16];
  EXPECT_NE(Csprng::mbedtls_rng(r.mbedtls_rng_ctx(), raw, sizeof raw), 0);
}

TEST(Csprng, FailsClosedWhenAReseedCannotReadEntropy) {
  FixedSource src;
  Csprng r;
  ASSERT_TRUE(r.init("test", fixed_source, &src));
  src.dead = true;  // the seeding worked; the next reseed will not
  std::array<std::uint8_t, 4> b{};
  int served = 0;
  while (served <= Csprng::kReseedInterval && r.fill(b)) ++served;
  EXPECT_EQ(served, Csprng::kReseedInterval);
  // And it keeps refusing: no draw succeeds on the stale state.
  EXPECT_FALSE(r.fill(b));
  std::uint32_t v = 0;
  EXPECT_FALSE(r.uint32(v));
}

TEST(Csprng, SeededFromAFixedSourceItIsReproducible) {
  // The injectable source is what tests use for deterministic runs.
  FixedSource s1, s2;
  Csprng a, b;
  ASSERT_TRUE(a.init("test", fixed_source, &s1));
  ASSERT_TRUE(b.init("test", fixed_source, &s2));
  std::array<std::uint8_t, 32> ba{}, bb{};
  ASSERT_TRUE(a.fill(ba));
  ASSERT_TRUE(b.fill(bb));
  EXPECT_EQ(ba, bb);
  ASSERT_TRUE(a.fill(bb));
  EXPECT_NE(ba, bb);
}

TEST(Csprng, ProcessGeneratorIsOneSeededInstance) {
  Csprng& g = process_csprng();
  EXPECT_EQ(&g, &process_csprng());
  EXPECT_TRUE(g.ready());
  char u[Csprng::kUuidLen];
  EXPECT_TRUE(g.uuid_v4(u));
}
