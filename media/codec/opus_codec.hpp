// Opus (RFC 6716/7587) mono, 20 ms frames, in-band FEC and PLC. The RTP
// clock is 48 kHz whatever the PCM rate (RFC 7587); the PCM rate at this
// interface is chosen at init so that a board sampling at 8 or 16 kHz feeds
// and reads Opus directly: libopus then codes and synthesises at that rate
// instead of at 48 kHz, and no resampler runs on either side (media_bench:
// encode 95 instead of 113 us, decode 11 instead of 25 us per 20 ms frame).
// Encoder and decoder live in buffers inside this object, initialised with
// opus_encoder_get_size + opus_encoder_init (and the decoder's twins): no
// heap. The object is ~70 KB: make it a member of a static, not a local.
// We send mono; the SDP still says opus/48000/2, as RFC 7587 requires.
#pragma once
#include <cstddef>
#include <cstdint>

#include "media/codec/codec.hpp"

struct OpusEncoder;
struct OpusDecoder;

namespace dialtone::media {

struct OpusConfig {
  int bitrate = 32000;          // bit/s; 32 kbit/s is wideband speech with room for FEC
  int complexity = 5;           // 0..10; dialtoned takes the board's (board/boards.cpp)
  int expected_loss_percent = 10;  // FEC (LBRR) is only coded when > 0
  bool fec = true;
  bool dtx = false;             // DTX would starve the peer's jitter estimate
  // PCM rate of encode()/decode(): 8000, 12000, 16000, 24000 or 48000. The
  // audio band is then at most half of it, so it should match the board's.
  std::uint32_t pcm_rate = 48000;
};

class OpusCodec final : public Codec {
 public:
  // At start-up / call set-up. False if libopus needs more state than
  // limits::kOpus*StateBytes (a different libopus build) or refuses a setting.
  bool init(const OpusConfig& config = {});
  bool ready() const { return ready_; }
  // The complexity the encoder runs with, as libopus reports it
  // (OPUS_GET_COMPLEXITY); -1 before init().
  int complexity() const;

  sdp::CodecKind kind() const override { return sdp::CodecKind::kOpus; }
  std::uint32_t sample_rate() const override { return pcm_rate_; }
  std::uint32_t rtp_clock_rate() const override { return 48000; }
  bool has_fec() const override { return true; }

  int encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) override;
  int decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) override;
  int decode_lost(std::span<std::int16_t> pcm) override;
  int decode_fec(std::span<const std::uint8_t> next_payload, std::span<std::int16_t> pcm) override;
  void reset() override;

 private:
  int frame() const { return static_cast<int>(frame_samples()); }  // libopus counts in int
  OpusEncoder* enc() { return reinterpret_cast<OpusEncoder*>(enc_mem_); }
  OpusDecoder* dec() { return reinterpret_cast<OpusDecoder*>(dec_mem_); }

  alignas(std::max_align_t) unsigned char enc_mem_[limits::kOpusEncoderStateBytes];
  alignas(std::max_align_t) unsigned char dec_mem_[limits::kOpusDecoderStateBytes];
  std::uint32_t pcm_rate_ = 48000;
  bool ready_ = false;
};

// True for the PCM rates libopus accepts.
bool opus_supports_pcm_rate(std::uint32_t rate);

}  // namespace dialtone::media
