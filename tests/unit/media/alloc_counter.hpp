// Counts heap allocations (malloc family, so operator new and C libraries
// such as libopus and speexdsp are seen too) to prove a per-frame path
// allocates nothing. Link alloc_counter.cpp into the test. Under ASan the
// sanitizer owns malloc, so counting is off and enabled() says so.
#pragma once
#include <cstddef>

namespace dialtone::test {

bool alloc_counting_enabled();
std::size_t alloc_count();

}  // namespace dialtone::test
