// Adaptive jitter buffer over fixed slots (limits::kJitterSlots, one 20 ms
// packet each). push() takes packets in any order; pop() is called once per
// 20 ms audio tick and says what to play: a packet, the next packet's FEC,
// a concealed frame, or nothing yet (buffering). The playout delay follows
// the measured interarrival jitter between kJitterMinDelayMs and
// kJitterMaxDelayMs. Like baresip's jbuf: ordered insert with wrap-around,
// late and duplicate reported apart, reset on a new SSRC or a far jump.
// Assumes 20 ms packets (we ask for ptime 20); sequence numbers index slots.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "firmware/core/clock.hpp"
#include "firmware/core/limits.hpp"
#include "media/rtp/rtp_packet.hpp"

namespace dialtone::media {

struct JitterConfig {
  std::uint32_t clock_rate = 48000;  // RTP clock of the stream
  std::uint32_t frame_ms = limits::kFrameMs;
  std::uint32_t min_delay_ms = limits::kJitterMinDelayMs;
  std::uint32_t max_delay_ms = limits::kJitterMaxDelayMs;
};

enum class PushResult {
  kOk,
  kReset,      // accepted after flushing: new SSRC or sequence far jump
  kLate,       // its turn has passed (never played)
  kDuplicate,  // already buffered or already played
  kTooLarge,   // payload > kJitterPayloadMax
};
const char* to_string(PushResult r);

struct JitterFrame {
  enum class Kind {
    kBuffering,  // nothing to play yet: play silence (or comfort noise)
    kPacket,     // decode `payload`
    kFec,        // the frame is lost but the next packet is here: decode_fec(`payload`)
    kLost,       // conceal (PLC)
  };
  Kind kind = Kind::kBuffering;
  std::span<const std::uint8_t> payload;  // valid until the next push()
  std::uint16_t sequence = 0;
  std::uint8_t payload_type = 0;
};

struct JitterStats {
  std::uint64_t received = 0;    // accepted packets
  std::uint64_t played = 0;      // frames played from a packet
  std::uint64_t lost = 0;        // frames missing while later ones were here (FEC or PLC)
  std::uint64_t fec = 0;         // of those, rebuilt from the next packet's FEC
  std::uint64_t underruns = 0;   // ticks with an empty buffer (PLC, playout waits)
  std::uint64_t late = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t resets = 0;
  std::uint64_t overflow = 0;    // dropped: too far ahead for the slots
  std::uint64_t shrunk = 0;      // dropped on purpose to bring the delay back down
  std::uint32_t target_delay_ms = 0;
  double jitter_ms = 0;          // RFC 3550 A.8 estimate, in ms
};

class JitterBuffer {
 public:
  explicit JitterBuffer(const JitterConfig& config = {});

  PushResult push(const RtpPacket& packet, TimeMs arrival);
  JitterFrame pop();
  void reset();  // forget everything but the stats and the delay target

  const JitterStats& stats() const { return stats_; }
  std::size_t buffered() const { return count_; }
  // Playout depth: frames from the next one to play up to the newest held.
  std::size_t depth_frames() const;
  bool playing() const { return started_; }

 private:
  struct Slot {
    bool used = false;
    std::uint16_t sequence = 0;
    std::uint8_t payload_type = 0;
    std::uint16_t size = 0;
    std::array<std::uint8_t, limits::kJitterPayloadMax> data{};
  };
  static constexpr std::size_t kSlots = limits::kJitterSlots;

  Slot& slot(std::uint16_t seq) { return slots_[seq % kSlots]; }
  void store(const RtpPacket& p);
  void advance(bool played);  // next_ += 1, remembering whether it was played
  void update_jitter(std::uint32_t timestamp, TimeMs arrival);
  void adapt_target(bool underrun);
  std::uint32_t target_frames() const;

  JitterConfig config_;
  std::array<Slot, kSlots> slots_;
  std::size_t count_ = 0;
  bool have_stream_ = false;
  std::uint32_t ssrc_ = 0;
  std::uint16_t next_ = 0;      // next sequence to play
  std::uint16_t highest_ = 0;   // newest sequence held or played
  bool started_ = false;
  std::uint64_t played_mask_ = 0;  // bit i: sequence next_-1-i was played
  std::uint32_t underrun_run_ = 0;
  std::uint32_t over_target_run_ = 0;
  // jitter estimate
  bool have_transit_ = false;
  double transit_ms_ = 0;
  double target_ms_ = 0;
  JitterStats stats_;
};

}  // namespace dialtone::media
