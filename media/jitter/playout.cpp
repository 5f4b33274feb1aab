#include "media/jitter/playout.hpp"

#include <algorithm>

namespace dialtone::media {

PlayoutResult play_next(JitterBuffer& jitter, Codec& codec, std::span<std::int16_t> pcm) {
  const std::size_t frame = codec.frame_samples();
  PlayoutResult r;
  if (pcm.size() < frame) return r;
  std::span<std::int16_t> out = pcm.first(frame);
  JitterFrame f = jitter.pop();
  r.kind = f.kind;
  int n = -1;
  switch (f.kind) {
    case JitterFrame::Kind::kBuffering:
      std::fill(out.begin(), out.end(), std::int16_t{0});
      return r;
    case JitterFrame::Kind::kPacket:
      // Opus needs room for the whole packet's duration; G.711 cuts to fit.
      n = codec.decode(f.payload, codec.kind() == sdp::CodecKind::kOpus ? pcm : out);
      break;
    case JitterFrame::Kind::kFec:
      n = codec.decode_fec(f.payload, out);
      break;
    case JitterFrame::Kind::kLost:
      n = codec.decode_lost(out);
      break;
  }
  if (n < 0) {
    r.decode_error = true;
    n = codec.decode_lost(out);
  }
  if (n < 0) n = 0;
  if (static_cast<std::size_t>(n) < frame) std::fill(out.begin() + n, out.end(), std::int16_t{0});
  return r;
}

}  // namespace dialtone::media
