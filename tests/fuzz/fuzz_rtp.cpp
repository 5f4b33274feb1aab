// RTP and RTCP parsers, and what consumes their output on the receive path
// (receiver statistics, jitter buffer, telephone-event receiver).
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/dtmf/telephone_event.hpp"
#include "media/jitter/jitter_buffer.hpp"
#include "media/rtp/receiver_stats.hpp"
#include "media/rtp/rtcp.hpp"
#include "media/rtp/rtp_packet.hpp"

using namespace dialtone::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static JitterBuffer jitter;
  static ReceiverStats stats(48000);
  static DtmfReceiver dtmf;
  static dialtone::TimeMs now = 0;
  std::span<const std::uint8_t> bytes(data, size);
  now += 20;
  RtpPacket p;
  if (parse_rtp(bytes, p) == RtpError::kOk) {
    stats.on_packet(p.sequence, p.timestamp, now);
    jitter.push(p, now);
    jitter.pop();
    dtmf.on_packet(p.timestamp, p.payload);
  }
  RtcpCompound c;
  if (parse_rtcp(bytes, c) == RtcpError::kOk) {
    if (c.has_sr) stats.on_sender_report(c.sender.ntp, now);
    for (const auto& b : c.blocks) rtt_ms(b, ntp_from_ms(now));
  }
  stats.make_report(1, now);
  return 0;
}
