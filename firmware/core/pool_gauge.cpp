#include "firmware/core/pool_gauge.hpp"

namespace dialtone {
namespace {

PoolGauge* g_gauges[PoolGauge::kGaugesMax];
std::size_t g_count = 0;

}  // namespace

PoolGauge::PoolGauge(const char* name, std::size_t capacity) : name_(name), capacity_(capacity) {
  // A full registry only loses the listing of this gauge, never the pool.
  if (g_count < kGaugesMax) g_gauges[g_count++] = this;
}

PoolGauge::~PoolGauge() {
  for (std::size_t i = 0; i < g_count; ++i) {
    if (g_gauges[i] != this) continue;
    for (std::size_t j = i + 1; j < g_count; ++j) g_gauges[j - 1] = g_gauges[j];
    --g_count;
    return;
  }
}

std::span<PoolGauge* const> PoolGauge::all() { return {g_gauges, g_count}; }

}  // namespace dialtone
