// One audio codec behind a narrow interface: 20 ms frames in and out, loss
// concealment and forward error correction where the codec has them.
// Implementations keep all state inside the object (no heap per frame).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "firmware/core/limits.hpp"
#include "media/sdp/sdp_types.hpp"

namespace dialtone::media {

class Codec {
 public:
  virtual ~Codec() = default;

  virtual sdp::CodecKind kind() const = 0;
  // PCM rate at this interface (Opus 48000, G.711 8000), mono.
  virtual std::uint32_t sample_rate() const = 0;
  // The RTP timestamp clock (Opus 48000 whatever it decodes to).
  virtual std::uint32_t rtp_clock_rate() const = 0;
  std::size_t frame_samples() const { return sample_rate() * limits::kFrameMs / 1000; }
  virtual bool has_fec() const { return false; }

  // One 20 ms frame (frame_samples() samples) -> payload; bytes written or -1.
  virtual int encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) = 0;
  // Payload -> PCM (`pcm` holds at least frame_samples()); samples or -1.
  virtual int decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) = 0;
  // Conceals one lost 20 ms frame; samples or -1.
  virtual int decode_lost(std::span<std::int16_t> pcm) = 0;
  // Rebuilds the lost frame just before `next_payload` from the redundancy
  // the next packet carries. Codecs without FEC conceal instead.
  virtual int decode_fec(std::span<const std::uint8_t> next_payload, std::span<std::int16_t> pcm) {
    (void)next_payload;
    return decode_lost(pcm);
  }
  // Forget history (new stream / SSRC).
  virtual void reset() = 0;
};

}  // namespace dialtone::media
