// The memory oSIP allocates from: a static arena of limits::kSipPoolBytes,
// installed with osip_set_allocators, so parsing and building SIP messages
// never touches the heap and can never take more than the arena.
//
// The arena is a boundary-tag heap (blocks split on allocation and merged
// with free neighbours when freed) with one free list per power-of-two size
// class: oSIP asks for thousands of small strings and a few buffers of a
// message's size, and a heap that merges keeps a long-running device from
// ending up with an arena cut into pieces too small for the next message.
//
// Running out is a refused allocation (oSIP then fails the parse or the
// build with OSIP_NOMEM, which SipMessage reports as kPoolExhausted), never
// a crash. The gauge "sip_pool_bytes" shows the bytes in use (headers
// included) and the most ever in use.
//
// Owners. oSIP frees what it allocated on its normal paths, but a few of its
// error paths (a failed osip_realloc while serializing, for one) forget a
// block. On the heap that is a small leak; in a fixed arena it is capacity
// lost for good. So each SipMessage has an owner number, every allocation
// made while it works (SipPoolOwnerScope) is tagged with it, and when the
// message dies whatever still carries its tag is swept back into the arena.
// Memory allocated outside any scope (owner 0) is never swept.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dialtone::protocol::sip {

// Installs the pool as oSIP's allocator, initialises oSIP's parser tables
// (parser_init) and turns oSIP's own trace output off. Idempotent; SipMessage calls it before its first use of
// oSIP, dialtoned at start-up so the gauge is listed from the start. No oSIP
// allocation may happen before it: a block from malloc must never reach our
// free.
void sip_pool_install();

struct SipPoolStats {
  std::size_t capacity = 0;    // bytes of the arena
  std::size_t used = 0;        // bytes in blocks handed out, headers included
  std::size_t high_water = 0;  // the most `used` has been (the gauge's mark)
  std::size_t peak = 0;        // the most `used` has been since sip_pool_reset_peak()
  std::size_t blocks = 0;      // blocks handed out now
  std::size_t refused = 0;     // allocations refused since start-up (exhaustion)
  std::size_t swept = 0;       // blocks oSIP forgot, reclaimed by sweeps
};
SipPoolStats sip_pool_stats();

// A new owner number for a message (never 0, never repeated in practice:
// 32 bits of messages).
std::uint32_t sip_pool_new_owner();

// Frees every block still tagged with `owner`; returns how many it freed.
std::size_t sip_pool_sweep(std::uint32_t owner);

// While alive, oSIP's allocations are tagged with `owner`. Nests: the
// previous owner is restored on destruction.
class SipPoolOwnerScope {
 public:
  explicit SipPoolOwnerScope(std::uint32_t owner);
  ~SipPoolOwnerScope();
  SipPoolOwnerScope(const SipPoolOwnerScope&) = delete;
  SipPoolOwnerScope& operator=(const SipPoolOwnerScope&) = delete;

 private:
  std::uint32_t previous_;
};

// Caps the bytes the pool hands out below its capacity (0 restores the
// full arena). For tests of exhaustion and for sizing a smaller board by
// experiment; never lowered in normal running.
void sip_pool_set_budget(std::size_t bytes);

// Starts SipPoolStats::peak again from what is in use now, so a test or a
// measurement sees the peak of one operation (the gauge's lifetime
// high-water mark is left alone).
void sip_pool_reset_peak();

}  // namespace dialtone::protocol::sip
