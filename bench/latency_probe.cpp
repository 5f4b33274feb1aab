// Audio latency the device adds, from its own pipeline, with no network
// jitter: prints one JSON object for bench/run.sh.
//
//   capture -> RTP send: one 20 ms frame is gathered before it is encoded
//     (packetisation), plus the Opus encoder's look-ahead
//     (OPUS_GET_LOOKAHEAD, VOIP application, at the 16 kHz board rate, as
//     OpusCodec runs on the sim and pi-handset boards). No resampler: Opus
//     works at the board's rate (a 44.1 kHz board would add speexdsp's
//     delay). Encode time itself is microseconds (media_bench).
//   RTP arrival -> playback: measured by running our JitterBuffer: packets
//     arrive exactly every 20 ms at a phase uniformly spread over the audio
//     tick, are pushed on arrival and popped on the 20 ms audio tick; the
//     residence time of each played packet is averaged. The sound card queue comes
//     on top on real boards (ALSA: playback starts with two 20 ms periods
//     queued, hal/alsa_audio.cpp) and is 0 on the simulated board.
#include <opus/opus.h>

#include <cstdio>

#include "media/jitter/jitter_buffer.hpp"
#include "media/rtp/rtp_packet.hpp"

namespace {

using namespace dialtone;
using namespace dialtone::media;

double opus_lookahead_ms() {
  int err = 0;
  constexpr opus_int32 kBoardRate = 16000;
  OpusEncoder* e = opus_encoder_create(kBoardRate, 1, OPUS_APPLICATION_VOIP, &err);
  if (!e) return -1;
  opus_int32 la = 0;  // in samples at the encoder's rate
  opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(&la));
  opus_encoder_destroy(e);
  return 1000.0 * la / kBoardRate;
}

// Mean time a packet spends in the jitter buffer before its frame is played,
// for arrivals at `phase_ms` after each audio tick; also the target delay.
double jitter_residence_ms(int phase_ms, std::uint32_t& target) {
  static JitterBuffer jb;  // ~24 KB of slots
  jb = JitterBuffer();
  std::array<std::uint8_t, 80> payload{};
  std::array<std::uint8_t, limits::kRtpPacketMax> wire{};
  RtpHeader h;
  h.payload_type = 111;
  h.ssrc = 0x5555;
  std::array<TimeMs, 65536> arrived{};
  double sum = 0;
  int n = 0;
  for (int tick = 0; tick < 1500; ++tick) {  // 30 s of audio ticks
    const TimeMs tick_at = static_cast<TimeMs>(tick) * 20;
    // The packet of this period arrives `phase_ms` after the tick.
    RtpPacket p;
    const TimeMs arrival = tick_at + phase_ms;
    std::size_t len = write_rtp(h, payload, wire);
    parse_rtp({wire.data(), len}, p);
    arrived[h.sequence] = arrival;
    jb.push(p, arrival);
    ++h.sequence;
    h.timestamp += 960;
    // The next tick pops one frame.
    const TimeMs pop_at = tick_at + 20;
    JitterFrame f = jb.pop();
    if (f.kind == JitterFrame::Kind::kPacket && tick > 250) {  // after 5 s of settling
      sum += static_cast<double>(pop_at - arrived[f.sequence]);
      ++n;
    }
  }
  target = jb.stats().target_delay_ms;
  return n ? sum / n : -1;
}

}  // namespace

int main() {
  double jb = 0;
  std::uint32_t target = 0;
  for (int phase = 0; phase < 20; ++phase) jb += jitter_residence_ms(phase, target);
  jb /= 20;
  const double up = 0, down = 0;  // Opus at the board's rate: no resampler
  const double la = opus_lookahead_ms();
  const double send = 20.0 + up + la;
  const double recv = jb + down;
  std::printf(
      "{\"frame_ms\":20,\"mic_resampler_ms\":%.2f,\"opus_lookahead_ms\":%.2f,\"capture_to_send_ms\":%.1f,"
      "\"jitter_residence_ms\":%.1f,\"jitter_target_ms\":%u,\"ear_resampler_ms\":%.2f,"
      "\"arrival_to_playback_ms\":%.1f,\"alsa_playback_queue_ms\":40}\n",
      up, la, send, jb, target, down, recv);
  return 0;
}
