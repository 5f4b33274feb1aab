// A fixed, speech-like test signal for codec measurements: formant-filtered
// glottal pulses (vowels, nasals), filtered noise (fricatives), plosive
// bursts and pauses, with a falling pitch contour per phrase, at an active
// speech level of -26 dBFS. Deterministic (a fixed noise seed) and defined
// in Hz and ms, so every sample rate gets the same phrase. Bench code only:
// it allocates freely.
#pragma once
#include <cstdint>
#include <vector>

namespace dialtone::bench {

// `seconds` of the signal at `rate` Hz, mono.
std::vector<std::int16_t> speech_like_signal(std::uint32_t rate, double seconds);

}  // namespace dialtone::bench
