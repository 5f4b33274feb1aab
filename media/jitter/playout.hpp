// One audio tick of the receive path: take what the jitter buffer says and
// turn it into exactly one 20 ms frame of PCM at the codec's rate: decode a
// packet, rebuild a lost frame from the next packet's FEC, conceal, or play
// silence while buffering. Packets longer than 20 ms are cut to 20 ms.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/codec/codec.hpp"
#include "media/jitter/jitter_buffer.hpp"

namespace dialtone::media {

struct PlayoutResult {
  JitterFrame::Kind kind = JitterFrame::Kind::kBuffering;
  bool decode_error = false;  // the decoder refused; the frame was concealed
};

// `pcm` holds at least codec.frame_samples(); exactly that many are written.
PlayoutResult play_next(JitterBuffer& jitter, Codec& codec, std::span<std::int16_t> pcm);

}  // namespace dialtone::media
