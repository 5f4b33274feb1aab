#include "media/codec/g711_codec.hpp"

#include "media/codec/g711.hpp"

namespace dialtone::media {

int G711Codec::encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> payload) {
  if (pcm.size() < kFrame || payload.size() < kFrame) return -1;
  if (kind_ == sdp::CodecKind::kPcma) g711::encode_alaw(pcm.first(kFrame), payload);
  else g711::encode_ulaw(pcm.first(kFrame), payload);
  return static_cast<int>(kFrame);
}

int G711Codec::decode(std::span<const std::uint8_t> payload, std::span<std::int16_t> pcm) {
  // One byte per sample: a packet may hold more or less than 20 ms.
  std::size_t n = payload.size() < pcm.size() ? payload.size() : pcm.size();
  if (n == 0) return -1;
  if (kind_ == sdp::CodecKind::kPcma) g711::decode_alaw(payload.first(n), pcm);
  else g711::decode_ulaw(payload.first(n), pcm);
  // Keep the last 20 ms for concealment.
  const std::size_t from = n >= kFrame ? n - kFrame : 0;
  for (std::size_t i = 0; i < kFrame; ++i) last_[i] = from + i < n ? pcm[from + i] : 0;
  lost_run_ = 0;
  return static_cast<int>(n);
}

int G711Codec::decode_lost(std::span<std::int16_t> pcm) {
  if (pcm.size() < kFrame) return -1;
  ++lost_run_;
  // 1/2, 1/4, 1/8 of the last frame, then silence.
  for (std::size_t i = 0; i < kFrame; ++i) {
    last_[i] = static_cast<std::int16_t>(last_[i] / 2);
    pcm[i] = lost_run_ > 3 ? std::int16_t{0} : last_[i];
  }
  return static_cast<int>(kFrame);
}

void G711Codec::reset() {
  last_.fill(0);
  lost_run_ = 0;
}

}  // namespace dialtone::media
