// RFC 4733 telephone-events for DTMF: the 4-byte payload, a sender that
// turns queued digits into RTP payloads tick by tick, and a receiver that
// reports each digit once.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::media {

// Event codes 0-15: '0'-'9', '*', '#', 'A'-'D'. -1 / '\0' for anything else.
int dtmf_event_code(char digit);
char dtmf_digit(int event);

struct TelephoneEvent {
  std::uint8_t event = 0;
  bool end = false;
  std::uint8_t volume = 10;  // -dBm0, 0..63
  std::uint16_t duration = 0;  // in RTP timestamp units
};

inline constexpr std::size_t kTelephoneEventSize = 4;
bool parse_telephone_event(std::span<const std::uint8_t> payload, TelephoneEvent& out);
std::size_t write_telephone_event(const TelephoneEvent& e, std::span<std::uint8_t> out);  // 4 or 0

// One RTP packet's worth of DTMF for this tick. Sequence numbers come from
// the stream's sequence (DTMF shares the audio SSRC), so the caller adds them.
struct DtmfPacket {
  bool marker = false;          // first packet of an event
  std::uint32_t timestamp = 0;  // the event's start; fixed for the whole event
  std::uint8_t payload_type = 0;
  std::array<std::uint8_t, kTelephoneEventSize> payload{};
};

class DtmfSender {
 public:
  // payload_type and clock_rate from the SDP negotiation (telephone-event at
  // the audio codec's clock).
  DtmfSender(std::uint8_t payload_type, std::uint32_t clock_rate) : pt_(payload_type), clock_rate_(clock_rate) {}
  void configure(std::uint8_t payload_type, std::uint32_t clock_rate) {
    pt_ = payload_type;
    clock_rate_ = clock_rate;
  }

  // Queues a digit (40..1000 ms); false if it is not a DTMF digit or the
  // queue is full.
  bool queue(char digit, std::uint32_t duration_ms = 100);
  bool busy() const { return active_ || !queue_.empty(); }

  // Called every 20 ms tick with the RTP timestamp the audio frame of this
  // tick would carry. Returns a packet to send instead of audio, or nothing
  // (send audio). An event is sent every tick with a growing duration; its
  // end goes out three times (RFC 4733 2.5.1.4); a 60 ms pause separates digits.
  std::optional<DtmfPacket> tick(std::uint32_t audio_timestamp);

 private:
  struct Pending {
    std::uint8_t event;
    std::uint32_t duration_ms;
  };
  std::uint8_t pt_;
  std::uint32_t clock_rate_;
  FixedVector<Pending, limits::kDtmfQueueMax> queue_;  // FIFO, front first
  bool active_ = false;
  Pending current_{};
  std::uint32_t start_ts_ = 0;
  std::uint32_t elapsed_ms_ = 0;
  int end_sent_ = 0;
  int gap_ticks_ = 0;
};

// Receive side: feed every telephone-event packet (after the jitter buffer
// or straight from the network; order does not matter). Each event, keyed by
// its RTP timestamp, is reported once, on its first packet, so retransmitted
// end packets and duplicates are swallowed.
class DtmfReceiver {
 public:
  // Returns the digit when a new event starts.
  std::optional<char> on_packet(std::uint32_t rtp_timestamp, std::span<const std::uint8_t> payload);
  void reset() { have_last_ = false; }

 private:
  bool have_last_ = false;
  std::uint32_t last_ts_ = 0;
};

}  // namespace dialtone::media
