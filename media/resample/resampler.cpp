#include "media/resample/resampler.hpp"

#include <speex/speex_resampler.h>

#include <cstring>

namespace dialtone::media {

Resampler::~Resampler() { release(); }

void Resampler::release() {
  if (state_) speex_resampler_destroy(state_);
  state_ = nullptr;
}

bool Resampler::init(std::uint32_t in_rate, std::uint32_t out_rate, int quality) {
  release();
  in_rate_ = in_rate;
  out_rate_ = out_rate;
  if (in_rate == 0 || out_rate == 0) return false;
  if (passthrough()) return true;
  int err = 0;
  state_ = speex_resampler_init(1, in_rate, out_rate, quality, &err);  // allocates: set-up only
  if (!state_ || err != RESAMPLER_ERR_SUCCESS) {
    release();
    return false;
  }
  return true;
}

std::size_t Resampler::process(std::span<const std::int16_t> in, std::span<std::int16_t> out) {
  if (passthrough()) {
    std::size_t n = in.size() < out.size() ? in.size() : out.size();
    if (n) std::memmove(out.data(), in.data(), n * sizeof(std::int16_t));
    return n;
  }
  if (!state_) return 0;
  spx_uint32_t in_len = static_cast<spx_uint32_t>(in.size());
  spx_uint32_t out_len = static_cast<spx_uint32_t>(out.size());
  if (speex_resampler_process_int(state_, 0, in.data(), &in_len, out.data(), &out_len) != RESAMPLER_ERR_SUCCESS)
    return 0;
  return out_len;
}

void Resampler::reset() {
  if (state_) speex_resampler_reset_mem(state_);
}

}  // namespace dialtone::media
