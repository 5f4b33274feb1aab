#include "media/jitter/jitter_buffer.hpp"

#include <cstring>

#include "firmware/core/pool_gauge.hpp"
#include "media/rtp/seq.hpp"

namespace dialtone::media {
namespace {

// One gauge for every call's buffer: its high-water mark is the fullest any ran.
PoolGauge& slots_gauge() {
  static PoolGauge gauge{"jitter_slots", limits::kJitterSlots};
  return gauge;
}

}  // namespace

namespace {
// A jump further than this (either way) is a new stream, not reordering:
// three times what the slots can hold.
constexpr int kFarJump = static_cast<int>(limits::kJitterSlots) * 3;
// Underrun ticks in a row before playout stops and re-buffers.
constexpr std::uint32_t kRebufferAfter = 10;
// Ticks in a row above the target (by 2 frames) before one frame is dropped.
constexpr std::uint32_t kShrinkAfter = 25;
}  // namespace

const char* to_string(PushResult r) {
  switch (r) {
    case PushResult::kOk: return "ok";
    case PushResult::kReset: return "reset";
    case PushResult::kLate: return "late";
    case PushResult::kDuplicate: return "duplicate";
    case PushResult::kTooLarge: return "too large";
  }
  return "?";
}

JitterBuffer::JitterBuffer(const JitterConfig& config) : config_(config) {
  if (config_.frame_ms == 0) config_.frame_ms = limits::kFrameMs;
  if (config_.clock_rate == 0) config_.clock_rate = 48000;
  if (config_.max_delay_ms < config_.min_delay_ms) config_.max_delay_ms = config_.min_delay_ms;
  target_ms_ = config_.min_delay_ms;
  stats_.target_delay_ms = config_.min_delay_ms;
}

void JitterBuffer::reset() {
  for (auto& s : slots_) s.used = false;
  count_ = 0;
  have_stream_ = false;
  started_ = false;
  played_mask_ = 0;
  underrun_run_ = 0;
  over_target_run_ = 0;
  have_transit_ = false;
}

std::size_t JitterBuffer::depth_frames() const {
  if (!have_stream_) return 0;
  int d = seq_diff(next_, highest_) + 1;
  return d > 0 ? static_cast<std::size_t>(d) : 0;
}

std::uint32_t JitterBuffer::target_frames() const {
  return (static_cast<std::uint32_t>(target_ms_) + config_.frame_ms - 1) / config_.frame_ms;
}

void JitterBuffer::store(const RtpPacket& p) {
  Slot& s = slot(p.sequence);
  if (s.used) --count_;  // cannot happen inside the window; kept for safety
  s.used = true;
  s.sequence = p.sequence;
  s.payload_type = p.payload_type;
  s.size = static_cast<std::uint16_t>(p.payload.size());
  if (!p.payload.empty()) std::memcpy(s.data.data(), p.payload.data(), p.payload.size());
  ++count_;
  slots_gauge().set_used(count_);
  if (seq_newer(p.sequence, highest_)) highest_ = p.sequence;
  ++stats_.received;
}

void JitterBuffer::advance(bool played) {
  played_mask_ = (played_mask_ << 1) | (played ? 1u : 0u);
  ++next_;
  if (seq_newer(next_, static_cast<std::uint16_t>(highest_ + 1))) highest_ = static_cast<std::uint16_t>(next_ - 1);
}

void JitterBuffer::update_jitter(std::uint32_t timestamp, TimeMs arrival) {
  // RFC 3550 A.8 in milliseconds: D = change in (arrival - send time).
  double transit = static_cast<double>(arrival) - static_cast<double>(timestamp) * 1000.0 / config_.clock_rate;
  if (have_transit_) {
    double d = transit - transit_ms_;
    // Timestamps wrap at 2^32: fold a wrapped difference back.
    const double wrap_ms = 4294967296.0 * 1000.0 / config_.clock_rate;
    if (d > wrap_ms / 2) d -= wrap_ms;
    if (d < -wrap_ms / 2) d += wrap_ms;
    if (d < 0) d = -d;
    stats_.jitter_ms += (d - stats_.jitter_ms) / 16.0;
  }
  transit_ms_ = transit;
  have_transit_ = true;
}

void JitterBuffer::adapt_target(bool underrun) {
  // Want one frame plus four times the jitter; rise at once, fall slowly
  // (12.5 ms a second) so a spike is not forgotten at once. Running dry
  // adds one frame per episode, not per silent tick.
  double want = config_.frame_ms + 4.0 * stats_.jitter_ms;
  if (underrun) want = target_ms_ + config_.frame_ms;
  if (want > target_ms_) target_ms_ = want;
  else target_ms_ -= 0.25;
  if (target_ms_ < config_.min_delay_ms) target_ms_ = config_.min_delay_ms;
  if (target_ms_ > config_.max_delay_ms) target_ms_ = config_.max_delay_ms;
  stats_.target_delay_ms = static_cast<std::uint32_t>(target_ms_ + 0.5);
}

PushResult JitterBuffer::push(const RtpPacket& p, TimeMs arrival) {
  if (p.payload.size() > limits::kJitterPayloadMax) return PushResult::kTooLarge;
  PushResult result = PushResult::kOk;
  if (have_stream_) {
    int d = seq_diff(next_, p.sequence);
    if (p.ssrc != ssrc_ || d > kFarJump || d < -kFarJump) {
      reset();
      ++stats_.resets;
      result = PushResult::kReset;
    }
  }
  if (!have_stream_) {
    have_stream_ = true;
    ssrc_ = p.ssrc;
    next_ = p.sequence;
    highest_ = p.sequence;
    store(p);
    update_jitter(p.timestamp, arrival);
    return result;
  }
  int d = seq_diff(next_, p.sequence);
  if (d < 0) {
    if (!started_ && seq_diff(p.sequence, highest_) < static_cast<int>(kSlots)) {
      // Before playout starts an earlier packet may still open the stream.
      next_ = p.sequence;
    } else {
      int age = -d - 1;  // how many places before next_-1
      bool played = age < 64 && ((played_mask_ >> age) & 1u);
      if (played) {
        ++stats_.duplicate;
        return PushResult::kDuplicate;
      }
      ++stats_.late;
      return PushResult::kLate;
    }
  } else if (d >= static_cast<int>(kSlots)) {
    // Too far ahead for the slots: give up the oldest frames to make room.
    int drop = d - static_cast<int>(kSlots) + 1;
    for (int i = 0; i < drop; ++i) {
      Slot& s = slot(next_);
      if (s.used && s.sequence == next_) {
        s.used = false;
        --count_;
        ++stats_.overflow;
      }
      advance(false);
    }
  }
  Slot& s = slot(p.sequence);
  if (s.used && s.sequence == p.sequence) {
    ++stats_.duplicate;
    return PushResult::kDuplicate;
  }
  store(p);
  update_jitter(p.timestamp, arrival);
  return result;
}

JitterFrame JitterBuffer::pop() {
  JitterFrame f;
  if (!have_stream_) return f;
  if (!started_) {
    if (count_ == 0 || depth_frames() < target_frames()) return f;
    started_ = true;
    underrun_run_ = 0;
  }
  Slot& s = slot(next_);
  f.sequence = next_;
  if (s.used && s.sequence == next_) {
    f.kind = JitterFrame::Kind::kPacket;
    f.payload = {s.data.data(), s.size};
    f.payload_type = s.payload_type;
    s.used = false;  // the bytes stay until a later push reuses the slot
    --count_;
    ++stats_.played;
    underrun_run_ = 0;
    advance(true);
  } else if (count_ == 0) {
    // Nothing at all: the network is late, not lossy. Conceal and wait for
    // this very packet, and aim for a deeper buffer.
    f.kind = JitterFrame::Kind::kLost;
    ++stats_.underruns;
    if (underrun_run_ == 0) adapt_target(true);
    if (++underrun_run_ >= kRebufferAfter) started_ = false;
    return f;
  } else {
    ++stats_.lost;
    Slot& n = slot(static_cast<std::uint16_t>(next_ + 1));
    if (n.used && n.sequence == static_cast<std::uint16_t>(next_ + 1)) {
      f.kind = JitterFrame::Kind::kFec;
      f.payload = {n.data.data(), n.size};
      f.payload_type = n.payload_type;
      ++stats_.fec;
    } else {
      f.kind = JitterFrame::Kind::kLost;
    }
    advance(false);
  }
  adapt_target(false);
  // Too much delay for too long: drop the oldest frame to catch up.
  if (f.kind != JitterFrame::Kind::kFec && depth_frames() > target_frames() + 2) {
    if (++over_target_run_ >= kShrinkAfter) {
      over_target_run_ = 0;
      Slot& old = slot(next_);
      if (old.used && old.sequence == next_) {
        old.used = false;
        --count_;
      }
      ++stats_.shrunk;
      advance(false);
    }
  } else {
    over_target_run_ = 0;
  }
  return f;
}

}  // namespace dialtone::media
