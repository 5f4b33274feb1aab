#include "tests/unit/media/alloc_counter.hpp"

#include <atomic>
#include <cstdlib>

// GCC says __SANITIZE_ADDRESS__, clang says __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define DIALTONE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DIALTONE_ASAN 1
#endif
#endif

#if defined(DIALTONE_ASAN)
namespace dialtone::test {
bool alloc_counting_enabled() { return false; }
std::size_t alloc_count() { return 0; }
}  // namespace dialtone::test
#else

// glibc lets the executable interpose the malloc family; the originals stay
// reachable as __libc_*.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<std::size_t> g_allocs{0};
}

extern "C" {
void* malloc(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
void* memalign(std::size_t a, std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  void* p = __libc_memalign(a, n);
  if (!p) return 12;  // ENOMEM
  *out = p;
  return 0;
}
void* aligned_alloc(std::size_t a, std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(a, n);
}
void free(void* p) { __libc_free(p); }
}

namespace dialtone::test {
bool alloc_counting_enabled() { return true; }
std::size_t alloc_count() { return g_allocs.load(std::memory_order_relaxed); }
}  // namespace dialtone::test
#endif
