// The process's own memory as the kernel counts it (/proc/self/status):
// what `status` reports so a device shows how close it runs to its budget.
// Read on request only, into a fixed buffer.
#pragma once
#include <cstdint>

namespace dialtone {

struct ProcessMemory {
  std::int64_t rss_kb = -1;       // VmRSS: resident now
  std::int64_t rss_anon_kb = -1;  // RssAnon: resident and ours (heap, stacks, static data)
  std::int64_t hwm_kb = -1;       // VmHWM: the most ever resident
};

// -1 fields when the kernel does not say (no /proc).
ProcessMemory read_process_memory();

}  // namespace dialtone
