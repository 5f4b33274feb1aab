// The SIP pool as oSIP sees it: through osip_malloc / osip_realloc /
// osip_free, bounded by limits::kSipPoolBytes, reported by its gauge.
#include "protocol/sip/sip_pool.hpp"

#include <gtest/gtest.h>
#include <osipparser2/osip_port.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "firmware/core/limits.hpp"
#include "firmware/core/pool_gauge.hpp"

namespace dialtone::protocol::sip {
namespace {

class SipPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sip_pool_install();
    sip_pool_set_budget(0);
    base_ = sip_pool_stats();
  }
  void TearDown() override {
    sip_pool_set_budget(0);
    // Every test gives back what it took.
    EXPECT_EQ(sip_pool_stats().used, base_.used);
    EXPECT_EQ(sip_pool_stats().blocks, base_.blocks);
  }
  SipPoolStats base_;
};

const PoolGauge* find_gauge(std::string_view name) {
  for (const PoolGauge* g : PoolGauge::all())
    if (name == g->name()) return g;
  return nullptr;
}

TEST_F(SipPoolTest, GaugeShowsCapacityAndHighWater) {
  const PoolGauge* g = find_gauge("sip_pool_bytes");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->capacity(), limits::kSipPoolBytes);
  void* p = osip_malloc(1000);
  ASSERT_NE(p, nullptr);
  EXPECT_GE(g->used(), base_.used + 1000);
  EXPECT_GE(g->high_water(), g->used());
  std::size_t hw = g->high_water();
  osip_free(p);
  EXPECT_EQ(g->used(), base_.used);
  EXPECT_EQ(g->high_water(), hw);  // the mark stays
}

TEST_F(SipPoolTest, BlocksAreAlignedAndDistinct) {
  std::vector<void*> ps;
  for (std::size_t n : {1, 7, 16, 17, 100, 4000, 3}) {
    void* p = osip_malloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u);
    std::memset(p, 0xab, n);
    ps.push_back(p);
  }
  for (std::size_t i = 0; i < ps.size(); ++i)
    for (std::size_t j = i + 1; j < ps.size(); ++j) EXPECT_NE(ps[i], ps[j]);
  for (void* p : ps) osip_free(p);
}

TEST_F(SipPoolTest, ExhaustionIsARefusalNotACrash) {
  std::size_t refused = sip_pool_stats().refused;
  EXPECT_EQ(osip_malloc(limits::kSipPoolBytes + 1), nullptr);
  sip_pool_set_budget(base_.used + 1024);
  void* a = osip_malloc(500);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(osip_malloc(600), nullptr);
  EXPECT_EQ(sip_pool_stats().refused, refused + 2);
  // A failed realloc leaves the block as it was.
  std::memcpy(a, "keep", 5);
  EXPECT_EQ(osip_realloc(a, 2000), nullptr);
  EXPECT_STREQ(static_cast<char*>(a), "keep");
  osip_free(a);
}

TEST_F(SipPoolTest, FreedNeighboursMergeSoTheWholeArenaComesBack) {
  // Cut the arena into small blocks, free them in an order that leaves
  // holes first, then ask for most of the arena in one piece.
  std::vector<void*> ps;
  while (void* p = osip_malloc(40)) ps.push_back(p);
  ASSERT_GT(ps.size(), 100u);
  for (std::size_t i = 0; i < ps.size(); i += 2) osip_free(ps[i]);
  for (std::size_t i = 1; i < ps.size(); i += 2) osip_free(ps[i]);
  std::size_t big = limits::kSipPoolBytes - base_.used - 1024;
  void* p = osip_malloc(big);
  ASSERT_NE(p, nullptr);
  osip_free(p);
}

TEST_F(SipPoolTest, ReallocKeepsTheContent) {
  char* p = static_cast<char*>(osip_malloc(10));
  ASSERT_NE(p, nullptr);
  std::memcpy(p, "012345678", 10);
  void* blocker = osip_malloc(10);  // so growing cannot always happen in place
  p = static_cast<char*>(osip_realloc(p, 5000));
  ASSERT_NE(p, nullptr);
  EXPECT_STREQ(p, "012345678");
  p = static_cast<char*>(osip_realloc(p, 20));  // shrinking keeps the block
  ASSERT_NE(p, nullptr);
  EXPECT_STREQ(p, "012345678");
  osip_free(p);
  osip_free(blocker);
  void* q = osip_realloc(nullptr, 30);  // realloc(NULL) allocates
  ASSERT_NE(q, nullptr);
  osip_free(q);
}

TEST_F(SipPoolTest, SweepFreesOnlyTheOwnersBlocks) {
  std::uint32_t a = sip_pool_new_owner();
  std::uint32_t b = sip_pool_new_owner();
  ASSERT_NE(a, b);
  void* untagged = osip_malloc(64);
  void *pa1, *pa2, *pb;
  {
    SipPoolOwnerScope s(a);
    pa1 = osip_malloc(100);
    {
      SipPoolOwnerScope inner(b);
      pb = osip_malloc(100);
    }
    pa2 = osip_malloc(3000);  // back to owner a after the inner scope
  }
  ASSERT_TRUE(untagged && pa1 && pa2 && pb);
  std::memset(pb, 'b', 100);
  std::size_t swept = sip_pool_stats().swept;
  EXPECT_EQ(sip_pool_sweep(a), 2u);
  EXPECT_EQ(sip_pool_stats().swept, swept + 2);
  EXPECT_EQ(static_cast<char*>(pb)[99], 'b');  // b's block untouched
  EXPECT_EQ(sip_pool_sweep(0), 0u);            // owner 0 is never swept
  EXPECT_EQ(sip_pool_sweep(b), 1u);
  osip_free(untagged);
}

TEST_F(SipPoolTest, PeakCanBeMeasuredPerOperation) {
  void* p = osip_malloc(4000);
  osip_free(p);
  sip_pool_reset_peak();
  EXPECT_EQ(sip_pool_stats().peak, base_.used);
  void* q = osip_malloc(100);
  EXPECT_LT(sip_pool_stats().peak, base_.used + 4000);
  EXPECT_GE(sip_pool_stats().high_water, base_.used + 4000);
  osip_free(q);
}

}  // namespace
}  // namespace dialtone::protocol::sip
