#include "media/dtmf/telephone_event.hpp"

#include "media/rtp/seq.hpp"

namespace dialtone::media {
namespace {
constexpr char kDigits[] = "0123456789*#ABCD";
constexpr std::uint32_t kTickMs = limits::kFrameMs;
constexpr int kEndRepeats = 3;   // RFC 4733 2.5.1.4: the end packet three times
constexpr int kGapTicks = 3;     // 60 ms of audio between two digits
constexpr std::uint32_t kMinMs = 40, kMaxMs = 1000;  // 1 s stays below the 16-bit duration at 48 kHz
}  // namespace

int dtmf_event_code(char digit) {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  for (int i = 0; i < 16; ++i)
    if (kDigits[i] == digit) return i;
  return -1;
}

char dtmf_digit(int event) { return event >= 0 && event < 16 ? kDigits[event] : '\0'; }

bool parse_telephone_event(std::span<const std::uint8_t> p, TelephoneEvent& e) {
  if (p.size() < kTelephoneEventSize) return false;
  e.event = p[0];
  e.end = (p[1] & 0x80) != 0;
  e.volume = p[1] & 0x3F;
  e.duration = static_cast<std::uint16_t>((p[2] << 8) | p[3]);
  return true;
}

std::size_t write_telephone_event(const TelephoneEvent& e, std::span<std::uint8_t> out) {
  if (out.size() < kTelephoneEventSize) return 0;
  out[0] = e.event;
  out[1] = static_cast<std::uint8_t>((e.end ? 0x80 : 0) | (e.volume & 0x3F));
  out[2] = static_cast<std::uint8_t>(e.duration >> 8);
  out[3] = static_cast<std::uint8_t>(e.duration);
  return kTelephoneEventSize;
}

bool DtmfSender::queue(char digit, std::uint32_t duration_ms) {
  int code = dtmf_event_code(digit);
  if (code < 0) return false;
  if (duration_ms < kMinMs) duration_ms = kMinMs;
  if (duration_ms > kMaxMs) duration_ms = kMaxMs;
  return queue_.push_back({static_cast<std::uint8_t>(code), duration_ms});
}

std::optional<DtmfPacket> DtmfSender::tick(std::uint32_t audio_timestamp) {
  if (gap_ticks_ > 0) {
    --gap_ticks_;
    return std::nullopt;
  }
  DtmfPacket pkt;
  pkt.payload_type = pt_;
  if (!active_) {
    if (queue_.empty()) return std::nullopt;
    current_ = queue_[0];
    queue_.erase_at(0);
    active_ = true;
    start_ts_ = audio_timestamp;
    elapsed_ms_ = 0;
    end_sent_ = 0;
    pkt.marker = true;
  }
  TelephoneEvent e;
  e.event = current_.event;
  if (end_sent_ == 0) elapsed_ms_ += kTickMs;
  if (elapsed_ms_ >= current_.duration_ms) {
    e.end = true;
    ++end_sent_;
  }
  e.duration = static_cast<std::uint16_t>(static_cast<std::uint64_t>(elapsed_ms_) * clock_rate_ / 1000);
  pkt.timestamp = start_ts_;
  write_telephone_event(e, pkt.payload);
  if (end_sent_ >= kEndRepeats) {
    active_ = false;
    gap_ticks_ = kGapTicks;
  }
  return pkt;
}

std::optional<char> DtmfReceiver::on_packet(std::uint32_t rtp_timestamp, std::span<const std::uint8_t> payload) {
  TelephoneEvent e;
  if (!parse_telephone_event(payload, e)) return std::nullopt;
  // Same timestamp: the same event (updates, end repeats, duplicates).
  // Older timestamp: a straggler from an event already reported.
  if (have_last_ && !ts_newer(rtp_timestamp, last_ts_)) return std::nullopt;
  have_last_ = true;
  last_ts_ = rtp_timestamp;
  char d = dtmf_digit(e.event);
  if (d == '\0') return std::nullopt;
  return d;
}

}  // namespace dialtone::media
