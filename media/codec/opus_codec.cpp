#include "media/codec/opus_codec.hpp"

#include <opus.h>

namespace dialtone::media {
namespace {
constexpr int kChannels = 1;
}  // namespace

bool opus_supports_pcm_rate(std::uint32_t rate) {
  return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

bool OpusCodec::init(const OpusConfig& c) {
  ready_ = false;
  if (!opus_supports_pcm_rate(c.pcm_rate)) return false;
  pcm_rate_ = c.pcm_rate;
  const auto fs = static_cast<opus_int32>(pcm_rate_);
  if (static_cast<std::size_t>(opus_encoder_get_size(kChannels)) > sizeof enc_mem_) return false;
  if (static_cast<std::size_t>(opus_decoder_get_size(kChannels)) > sizeof dec_mem_) return false;
  if (opus_encoder_init(enc(), fs, kChannels, OPUS_APPLICATION_VOIP) != OPUS_OK) return false;
  if (opus_decoder_init(dec(), fs, kChannels) != OPUS_OK) return false;
  OpusEncoder* e = enc();
  if (opus_encoder_ctl(e, OPUS_SET_BITRATE(c.bitrate)) != OPUS_OK ||
      opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(c.complexity)) != OPUS_OK ||
      opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(c.fec ? 1 : 0)) != OPUS_OK ||
      opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(c.expected_loss_percent)) != OPUS_OK ||
      opus_encoder_ctl(e, OPUS_SET_DTX(c.dtx ? 1 : 0)) != OPUS_OK ||
      opus_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK)
    return false;
  ready_ = true;
  return true;
}

int OpusCodec::complexity() const {
  opus_int32 c = -1;
  // opus_encoder_ctl takes a non-const encoder even to read a setting.
  if (!ready_ || opus_encoder_ctl(const_cast<OpusCodec*>(this)->enc(), OPUS_GET_COMPLEXITY(&c)) != OPUS_OK) return -1;
  return c;
}

int OpusCodec::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) {
  if (!ready_ || pcm.size() < frame_samples()) return -1;
  std::size_t max = payload.size() < limits::kCodecPayloadMax ? payload.size() : limits::kCodecPayloadMax;
  int n = opus_encode(enc(), pcm.data(), frame(), payload.data(), static_cast<opus_int32>(max));
  return n < 0 ? -1 : n;
}

int OpusCodec::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) {
  if (!ready_ || payload.empty()) return -1;
  int n = opus_decode(dec(), payload.data(), static_cast<opus_int32>(payload.size()), pcm.data(),
                      static_cast<int>(pcm.size()), 0);
  return n < 0 ? -1 : n;
}

int OpusCodec::decode_lost(std::span<std::int16_t> pcm) {
  if (!ready_ || pcm.size() < frame_samples()) return -1;
  int n = opus_decode(dec(), nullptr, 0, pcm.data(), frame(), 0);
  return n < 0 ? -1 : n;
}

int OpusCodec::decode_fec(std::span<const std::uint8_t> next_payload, std::span<std::int16_t> pcm) {
  if (!ready_ || next_payload.empty() || pcm.size() < frame_samples()) return -1;
  // decode_fec=1 with exactly the lost duration: libopus returns the LBRR
  // copy if the packet has one and conceals otherwise.
  int n = opus_decode(dec(), next_payload.data(), static_cast<opus_int32>(next_payload.size()), pcm.data(), frame(),
                      1);
  return n < 0 ? -1 : n;
}

void OpusCodec::reset() {
  if (!ready_) return;
  opus_encoder_ctl(enc(), OPUS_RESET_STATE);
  opus_decoder_ctl(dec(), OPUS_RESET_STATE);
}

}  // namespace dialtone::media
