// How full a fixed pool runs: its capacity, what is in use now and the most
// ever in use. Every fixed pool of the agent (descriptors, timers, control
// and web connections, TLS streams, request slots, the JSON arena, jitter
// slots, call inputs) keeps one, and `status` lists them all, so a device in
// the field shows how close it runs to its limits.
//
// A gauge registers itself on construction and leaves on destruction; the
// registry is fixed (kGaugesMax) like everything else. Pools of which there
// are several (one jitter buffer per call) share one gauge per kind: its
// high-water mark is then the fullest any of them ran.
#pragma once
#include <cstddef>
#include <span>

namespace dialtone {

class PoolGauge {
 public:
  static constexpr std::size_t kGaugesMax = 32;

  PoolGauge(const char* name, std::size_t capacity);
  ~PoolGauge();
  PoolGauge(const PoolGauge&) = delete;
  PoolGauge& operator=(const PoolGauge&) = delete;

  void set_used(std::size_t n) {
    used_ = n;
    if (n > high_water_) high_water_ = n;
  }
  void take(std::size_t n = 1) { set_used(used_ + n); }
  void give(std::size_t n = 1) { used_ = used_ >= n ? used_ - n : 0; }

  const char* name() const { return name_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t used() const { return used_; }
  std::size_t high_water() const { return high_water_; }

  // Every registered gauge, in registration order.
  static std::span<PoolGauge* const> all();

 private:
  const char* name_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::size_t high_water_ = 0;
};

}  // namespace dialtone
