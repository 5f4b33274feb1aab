#include "protocol/sip/sip_pool.hpp"

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include <cstdarg>
#include <cstdlib>
#include <cstring>

#include "firmware/core/limits.hpp"
#include "firmware/core/pool_gauge.hpp"

namespace dialtone::protocol::sip {
namespace {

// Every block starts with this header; payloads are 16-byte aligned like
// malloc's on the 64-bit boards, and the arena is addressed by 32-bit
// offsets.
struct Header {
  std::uint32_t size;       // whole block, header included, multiple of 16; bit 0: in use
  std::uint32_t prev_size;  // size of the block just before (0 for the first)
  std::uint32_t owner;      // in use: the owner tag
  std::uint32_t requested;  // in use: bytes asked for (what realloc copies)
};
static_assert(sizeof(Header) == 16);
// A free block keeps its free-list links in its payload.
struct FreeLinks {
  std::uint32_t next;
  std::uint32_t prev;
};

constexpr std::uint32_t kAlign = 16;
constexpr std::uint32_t kHeader = sizeof(Header);
constexpr std::uint32_t kMinBlock = 32;  // header + room for the links
constexpr std::uint32_t kUsed = 1;
constexpr std::uint32_t kNone = 0xffffffffu;
constexpr std::uint32_t kArenaBytes = static_cast<std::uint32_t>(limits::kSipPoolBytes);
static_assert(limits::kSipPoolBytes % kAlign == 0 && limits::kSipPoolBytes >= 4096 &&
              limits::kSipPoolBytes < 0x80000000u);
constexpr int kBins = 32;

alignas(16) unsigned char g_arena[kArenaBytes];
std::uint32_t g_free_head[kBins];
std::size_t g_used = 0;
std::size_t g_high_water = 0;
std::size_t g_peak = 0;
std::size_t g_blocks = 0;
std::size_t g_refused = 0;
std::size_t g_swept = 0;
std::size_t g_budget = kArenaBytes;
std::uint32_t g_owner = 0;
std::uint32_t g_next_owner = 1;
bool g_installed = false;

PoolGauge& gauge() {
  static PoolGauge g{"sip_pool_bytes", limits::kSipPoolBytes};
  return g;
}

Header* at(std::uint32_t off) { return reinterpret_cast<Header*>(g_arena + off); }
FreeLinks* links(std::uint32_t off) { return reinterpret_cast<FreeLinks*>(g_arena + off + kHeader); }
std::uint32_t size_of(std::uint32_t off) { return at(off)->size & ~kUsed; }
bool in_use(std::uint32_t off) { return (at(off)->size & kUsed) != 0; }

int bin_of(std::uint32_t size) {
  int b = 31 - __builtin_clz(size) - 5;  // 32..63 -> 0, 64..127 -> 1, ...
  return b < 0 ? 0 : (b >= kBins ? kBins - 1 : b);
}

void list_insert(std::uint32_t off) {
  int b = bin_of(size_of(off));
  FreeLinks* l = links(off);
  l->prev = kNone;
  l->next = g_free_head[b];
  if (l->next != kNone) links(l->next)->prev = off;
  g_free_head[b] = off;
}

void list_remove(std::uint32_t off) {
  FreeLinks* l = links(off);
  if (l->prev != kNone) {
    links(l->prev)->next = l->next;
  } else {
    g_free_head[bin_of(size_of(off))] = l->next;
  }
  if (l->next != kNone) links(l->next)->prev = l->prev;
}

// The block after `off`'s learns its neighbour's new size.
void set_next_prev_size(std::uint32_t off) {
  std::uint32_t next = off + size_of(off);
  if (next < kArenaBytes) at(next)->prev_size = size_of(off);
}

void account(std::ptrdiff_t bytes, std::ptrdiff_t blocks) {
  g_used = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(g_used) + bytes);
  g_blocks = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(g_blocks) + blocks);
  if (g_used > g_high_water) g_high_water = g_used;
  if (g_used > g_peak) g_peak = g_used;
  gauge().set_used(g_used);
}

void reset_arena() {
  for (auto& h : g_free_head) h = kNone;
  Header* h = at(0);
  h->size = kArenaBytes;
  h->prev_size = 0;
  h->owner = 0;
  h->requested = 0;
  list_insert(0);
}

// Cuts a free block of `size` bytes down to `need`, returning the rest to
// the free lists when it is big enough to be a block.
void split(std::uint32_t off, std::uint32_t need) {
  std::uint32_t size = size_of(off);
  if (size - need < kMinBlock) return;
  std::uint32_t rest = off + need;
  at(rest)->size = size - need;
  at(rest)->prev_size = need;
  at(off)->size = need | (at(off)->size & kUsed);
  set_next_prev_size(rest);
  list_insert(rest);
}

std::uint32_t block_size_for(std::size_t n) {
  if (n == 0) n = 1;
  std::size_t need = (n + kHeader + kAlign - 1) & ~static_cast<std::size_t>(kAlign - 1);
  if (need < kMinBlock) need = kMinBlock;
  return need > kArenaBytes ? 0 : static_cast<std::uint32_t>(need);
}

std::uint32_t find_free(std::uint32_t need) {
  int b = bin_of(need);
  // The first bin holds blocks from its lower bound up: walk it for one
  // large enough. Any block of a higher bin fits.
  for (std::uint32_t off = g_free_head[b]; off != kNone; off = links(off)->next)
    if (size_of(off) >= need) return off;
  for (int i = b + 1; i < kBins; ++i)
    if (g_free_head[i] != kNone) return g_free_head[i];
  return kNone;
}

void* pool_malloc(std::size_t n) {
  std::uint32_t need = block_size_for(n);
  if (need == 0 || g_used + need > g_budget) {
    ++g_refused;
    return nullptr;
  }
  std::uint32_t off = find_free(need);
  if (off == kNone) {
    ++g_refused;
    return nullptr;
  }
  list_remove(off);
  split(off, need);
  Header* h = at(off);
  h->size |= kUsed;
  h->owner = g_owner;
  h->requested = static_cast<std::uint32_t>(n);
  account(static_cast<std::ptrdiff_t>(size_of(off)), 1);
  return g_arena + off + kHeader;
}

// The block a payload pointer belongs to, or kNone for a pointer that is
// not a live block of ours.
std::uint32_t block_of(const void* p) {
  auto* b = static_cast<const unsigned char*>(p);
  if (b < g_arena + kHeader || b >= g_arena + kArenaBytes) return kNone;
  auto off = static_cast<std::uint32_t>(b - g_arena) - kHeader;
  if (off % kAlign != 0 || !in_use(off)) return kNone;
  return off;
}

// Frees a block and merges it with free neighbours; returns the offset of
// the merged free block.
std::uint32_t release(std::uint32_t off) {
  std::uint32_t size = size_of(off);
  account(-static_cast<std::ptrdiff_t>(size), -1);
  at(off)->size = size;
  std::uint32_t next = off + size;
  if (next < kArenaBytes && !in_use(next)) {
    list_remove(next);
    at(off)->size = size + size_of(next);
  }
  if (off != 0) {
    std::uint32_t prev = off - at(off)->prev_size;
    if (!in_use(prev)) {
      list_remove(prev);
      at(prev)->size = size_of(prev) + size_of(off);
      off = prev;
    }
  }
  set_next_prev_size(off);
  list_insert(off);
  return off;
}

bool is_ours(const void* p) {
  auto* b = static_cast<const unsigned char*>(p);
  return b >= g_arena && b < g_arena + kArenaBytes;
}

void pool_free(void* p) {
  if (p == nullptr) return;
  if (!is_ours(p)) {
    // Cannot happen once installed before oSIP's first allocation; if it
    // ever does, the block came from malloc and goes back there.
    std::free(p);
    return;
  }
  std::uint32_t off = block_of(p);
  if (off == kNone) return;  // not a live block (double free): ignore rather than corrupt
  release(off);
}

void* pool_realloc(void* p, std::size_t n) {
  if (p == nullptr) return pool_malloc(n);
  if (!is_ours(p)) return nullptr;
  std::uint32_t off = block_of(p);
  if (off == kNone) return nullptr;
  std::uint32_t need = block_size_for(n);
  if (need == 0) {
    ++g_refused;
    return nullptr;
  }
  std::uint32_t size = size_of(off);
  if (need <= size) {
    at(off)->requested = static_cast<std::uint32_t>(n);
    return p;
  }
  // Grow in place into a free neighbour when it has the room.
  std::uint32_t next = off + size;
  if (next < kArenaBytes && !in_use(next) && size + size_of(next) >= need &&
      g_used + (need - size) <= g_budget) {
    list_remove(next);
    at(off)->size = (size + size_of(next)) | kUsed;
    set_next_prev_size(off);
    split(off, need);
    at(off)->requested = static_cast<std::uint32_t>(n);
    account(static_cast<std::ptrdiff_t>(size_of(off)) - static_cast<std::ptrdiff_t>(size), 0);
    return p;
  }
  // Elsewhere: the copy keeps the block's owner (it belongs to the same
  // structure), and on failure the old block stays as it was.
  std::uint32_t owner = at(off)->owner;
  std::uint32_t keep = at(off)->requested;
  void* q = pool_malloc(n);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, keep < n ? keep : n);
  at(block_of(q))->owner = owner;
  release(off);
  return q;
}

// oSIP's trace output. Debian builds it with traces on, and untouched it
// prints every refusal to stdout with a localtime() call each; our callers
// log the named error instead.
void no_trace(const char*, int, osip_trace_level_t, const char*, va_list) {}

}  // namespace

void sip_pool_install() {
  if (g_installed) return;
  g_installed = true;
  reset_arena();
  gauge();
  osip_set_allocators(pool_malloc, pool_realloc, pool_free);
  // The parser's header tables are static arrays: no allocation.
  parser_init();
  // A trace function of our own with every level off: oSIP then neither
  // opens its default (stdout) nor formats anything.
  osip_trace_initialize_func(TRACE_LEVEL0, no_trace);
}

SipPoolStats sip_pool_stats() {
  SipPoolStats s;
  s.capacity = kArenaBytes;
  s.used = g_used;
  s.high_water = g_high_water;
  s.peak = g_peak;
  s.blocks = g_blocks;
  s.refused = g_refused;
  s.swept = g_swept;
  return s;
}

std::uint32_t sip_pool_new_owner() {
  std::uint32_t o = g_next_owner++;
  if (g_next_owner == 0) g_next_owner = 1;
  return o;
}

std::size_t sip_pool_sweep(std::uint32_t owner) {
  if (owner == 0 || !g_installed) return 0;
  std::size_t n = 0;
  std::uint32_t off = 0;
  while (off < kArenaBytes) {
    if (in_use(off) && at(off)->owner == owner) {
      off = release(off);
      ++n;
    }
    off += size_of(off);
  }
  g_swept += n;
  return n;
}

SipPoolOwnerScope::SipPoolOwnerScope(std::uint32_t owner) : previous_(g_owner) { g_owner = owner; }
SipPoolOwnerScope::~SipPoolOwnerScope() { g_owner = previous_; }

void sip_pool_set_budget(std::size_t bytes) { g_budget = bytes == 0 || bytes > kArenaBytes ? kArenaBytes : bytes; }

void sip_pool_reset_peak() { g_peak = g_used; }

}  // namespace dialtone::protocol::sip
