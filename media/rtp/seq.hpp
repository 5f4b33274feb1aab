// RTP sequence numbers and timestamps wrap (16 and 32 bits). Comparisons go
// through signed differences (RFC 1982 serial arithmetic), and an unwrapper
// extends a 16-bit sequence to 64 bits for counting.
#pragma once
#include <cstdint>

namespace dialtone::media {

// b - a as a signed distance: positive when b is after a.
inline std::int16_t seq_diff(std::uint16_t a, std::uint16_t b) { return static_cast<std::int16_t>(static_cast<std::uint16_t>(b - a)); }
inline bool seq_newer(std::uint16_t candidate, std::uint16_t than) { return seq_diff(than, candidate) > 0; }
inline std::int32_t ts_diff(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(b - a); }
inline bool ts_newer(std::uint32_t candidate, std::uint32_t than) { return ts_diff(than, candidate) > 0; }

// Extends 16-bit sequence numbers to 64 bits; late packets before a wrap
// map back into the previous cycle.
class SeqUnwrapper {
 public:
  std::int64_t unwrap(std::uint16_t seq) {
    if (!started_) {
      started_ = true;
      last_ = seq;
      return last_;
    }
    std::int64_t next = last_ + seq_diff(static_cast<std::uint16_t>(last_), seq);
    if (next > last_) last_ = next;
    return next;
  }
  void reset() { started_ = false; last_ = 0; }

 private:
  bool started_ = false;
  std::int64_t last_ = 0;
};

}  // namespace dialtone::media
