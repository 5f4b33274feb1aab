// PCMU / PCMA as a Codec: 160 samples <-> 160 bytes per 20 ms. Loss is
// concealed by replaying the last good frame, fading by half each lost frame
// and muting after 60 ms (simpler than G.711 Appendix I; no FEC in G.711).
#pragma once
#include <array>
#include <cstdint>

#include "media/codec/codec.hpp"

namespace dialtone::media {

class G711Codec final : public Codec {
 public:
  // kind: sdp::CodecKind::kPcmu or kPcma.
  explicit G711Codec(sdp::CodecKind kind) : kind_(kind) {}

  sdp::CodecKind kind() const override { return kind_; }
  std::uint32_t sample_rate() const override { return 8000; }
  std::uint32_t rtp_clock_rate() const override { return 8000; }

  int encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) override;
  int decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) override;
  int decode_lost(std::span<std::int16_t> pcm) override;
  void reset() override;

 private:
  static constexpr std::size_t kFrame = 160;
  sdp::CodecKind kind_;
  std::array<std::int16_t, kFrame> last_{};
  int lost_run_ = 0;
};

}  // namespace dialtone::media
