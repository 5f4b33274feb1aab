// Opus encoder complexity against quality, for choosing a board's
// complexity (bench/opus_complexity.py runs it and prints the table).
//
//   opus_complexity quality RATE [SECONDS]
//       encodes a fixed speech-like signal (bench/speech_signal.hpp) at RATE
//       with OpusCodec and the agent's own OpusConfig (bitrate, FEC, expected
//       loss) for complexity 0..10, decodes it, and prints one JSON object:
//       per complexity the SNR, the segmental SNR and the frequency-weighted
//       segmental SNR of the decoded signal against the input (all in the
//       speech band, below 7.7 kHz), the packet size,
//       the modes libopus chose, and the wall time per encoded frame (noisy
//       on a shared machine: the driver counts instructions instead).
//   opus_complexity encode RATE COMPLEXITY [SECONDS]
//       only encodes, for counting instructions under callgrind
//       (--toggle-collect=opus_encode).
//   opus_complexity boards
//       the boards (board/boards.cpp) with their sample rate and complexity.
//   opus_complexity dump RATE COMPLEXITY IN.raw OUT.raw
//       writes the input and the decoded signal (16-bit mono, native byte
//       order, decoded delayed by the look-ahead) to listen to or plot.
#include <opus/opus.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "bench/speech_signal.hpp"
#include "board/board.hpp"
#include "media/codec/opus_codec.hpp"

namespace {

using namespace dialtone;
using namespace dialtone::media;

constexpr double kPi = 3.14159265358979323846;
constexpr int kMaxComplexity = 10;
constexpr double kActiveDbfs = -50;  // frames quieter than this are pauses

struct Coded {
  std::vector<std::vector<std::uint8_t>> packets;
  double wall_us_per_frame = 0;
};

OpusConfig config_for(std::uint32_t rate, int complexity) {
  OpusConfig c;  // the agent's bitrate, FEC and expected loss
  c.pcm_rate = rate;
  c.complexity = complexity;
  return c;
}

Coded encode_all(std::span<const std::int16_t> pcm, std::uint32_t rate, int complexity) {
  static OpusCodec codec;  // ~70 KB: not on the stack
  Coded out;
  if (!codec.init(config_for(rate, complexity))) {
    std::fprintf(stderr, "opus init failed at %u Hz, complexity %d\n", rate, complexity);
    std::exit(1);
  }
  const std::size_t frame = codec.frame_samples();
  std::array<std::uint8_t, limits::kCodecPayloadMax> buf{};
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t off = 0; off + frame <= pcm.size(); off += frame) {
    const int n = codec.encode(pcm.subspan(off, frame), buf);
    if (n < 0) {
      std::fprintf(stderr, "encode failed\n");
      std::exit(1);
    }
    out.packets.emplace_back(buf.begin(), buf.begin() + n);
  }
  const auto t1 = std::chrono::steady_clock::now();
  out.wall_us_per_frame =
      std::chrono::duration<double, std::micro>(t1 - t0).count() / static_cast<double>(out.packets.size());
  return out;
}

std::vector<std::int16_t> decode_all(const Coded& coded, std::uint32_t rate) {
  static OpusCodec codec;
  codec.init(config_for(rate, 0));
  std::vector<std::int16_t> out;
  std::array<std::int16_t, limits::kFrameSamplesMax> pcm{};
  for (const auto& p : coded.packets) {
    const int n = codec.decode(p, pcm);
    if (n < 0) {
      std::fprintf(stderr, "decode failed\n");
      std::exit(1);
    }
    out.insert(out.end(), pcm.begin(), pcm.begin() + n);
  }
  return out;
}

// The encoder's delay (OPUS_GET_LOOKAHEAD) at this rate: the decoded
// signal lags the input by this many samples.
int lookahead(std::uint32_t rate) {
  int err = 0;
  OpusEncoder* e = opus_encoder_create(static_cast<opus_int32>(rate), 1, OPUS_APPLICATION_VOIP, &err);
  opus_int32 la = 0;
  if (err != OPUS_OK || opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(&la)) != OPUS_OK) {
    std::fprintf(stderr, "OPUS_GET_LOOKAHEAD failed\n");
    std::exit(1);
  }
  opus_encoder_destroy(e);
  return la;
}

void fft(std::vector<std::complex<double>>& a) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::complex<double> w = std::polar(1.0, -2 * kPi / static_cast<double>(len));
    for (std::size_t i = 0; i < n; i += len) {
      std::complex<double> wk = 1;
      for (std::size_t k = 0; k < len / 2; ++k, wk *= w) {
        const auto u = a[i + k];
        const auto v = a[i + k + len / 2] * wk;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
      }
    }
  }
}

// Power per bin of one Hann-windowed frame, zero-padded to `size`.
std::vector<double> power_spectrum(std::span<const std::int16_t> x, std::size_t size) {
  std::vector<std::complex<double>> a(size);
  const double n = static_cast<double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    a[i] = (x[i] / 32768.0) * (0.5 - 0.5 * std::cos(2 * kPi * static_cast<double>(i) / n));
  fft(a);
  std::vector<double> p(size / 2);
  for (std::size_t k = 0; k < p.size(); ++k) p[k] = std::norm(a[k]);
  return p;
}

// Zwicker's critical-band edges up to 7.7 kHz: 21 bands, all inside the
// wideband speech band at every rate.
constexpr double kBandEdges[] = {0,    100,  200,  300,  400,  510,  630,  770,  920,  1080, 1270,
                                 1480, 1720, 2000, 2320, 2700, 3150, 3700, 4400, 5300, 6400, 7700};

// Both signals are compared in the speech band: a handset's transducers
// reproduce nothing above about 7 kHz, and at 48 kHz libopus may spend bits
// above 8 kHz (hybrid, fullband) that a handset never plays. Windowed-sinc
// low-pass at 7.5 kHz (Blackman, 255 taps: about 1 kHz wide transition at
// 48 kHz); a no-op at 16 kHz and below. Linear phase: both signals get the
// same delay, the alignment is kept.
std::vector<std::int16_t> speech_band(std::span<const std::int16_t> x, std::uint32_t rate) {
  if (rate <= 16000) return {x.begin(), x.end()};
  constexpr int kTaps = 255, kHalf = kTaps / 2;
  const double fc = 7500.0 / rate;
  std::array<double, kTaps> h{};
  double sum = 0;
  for (int i = 0; i < kTaps; ++i) {
    const int m = i - kHalf;
    const double sinc = m == 0 ? 2 * fc : std::sin(2 * kPi * fc * m) / (kPi * m);
    const double w = 0.42 - 0.5 * std::cos(2 * kPi * i / (kTaps - 1)) + 0.08 * std::cos(4 * kPi * i / (kTaps - 1));
    sum += h[static_cast<std::size_t>(i)] = sinc * w;
  }
  std::vector<std::int16_t> y(x.size());
  for (std::size_t n = 0; n < x.size(); ++n) {
    double acc = 0;
    for (int i = 0; i < kTaps; ++i) {
      const auto k = static_cast<std::ptrdiff_t>(n) + kHalf - i;
      if (k >= 0 && k < static_cast<std::ptrdiff_t>(x.size())) acc += h[static_cast<std::size_t>(i)] * x[static_cast<std::size_t>(k)];
    }
    y[n] = static_cast<std::int16_t>(std::clamp(std::lround(acc / sum), -32768L, 32767L));
  }
  return y;
}

struct Quality {
  double snr_db = 0, segsnr_db = 0, fwsegsnr_db = 0;
};

// Input against the decoded signal shifted back by `lag`, three ways:
//   snr_db      over the whole signal (waveform match);
//   segsnr_db   mean over 20 ms frames louder than kActiveDbfs, each clamped
//               to [-10, 35] dB;
//   fwsegsnr_db frequency-weighted segmental SNR (Tribolet et al. 1978; the
//               objective measure Hu and Loizou 2008 found to follow
//               listeners' overall quality ratings far better than segmental
//               SNR): per critical band, 10 log10(X^2 / (X - Y)^2) of the
//               band magnitudes X (input) and Y (decoded), clamped to
//               [-10, 35] dB and weighted by X^0.2; 20 ms Hann frames, half
//               overlapping, louder than kActiveDbfs. Magnitudes only: it
//               does not punish the phase changes of libopus's internal
//               resampler at 48 kHz, which a listener does not hear either.
// The waveform SNRs do punish the noise shaping that higher complexities
// buy (noise moved under the speech's formants, where it is masked).
Quality compare(std::span<const std::int16_t> in, std::span<const std::int16_t> out, int lag, std::uint32_t rate) {
  const std::size_t n = std::min(in.size(), out.size() - static_cast<std::size_t>(lag));
  const std::size_t frame = rate / 50;
  auto level_dbfs = [](double energy, std::size_t samples) {
    return 10 * std::log10(energy / static_cast<double>(samples) / (32768.0 * 32768.0) + 1e-20);
  };
  double sig = 0, err = 0, seg = 0;
  std::size_t active = 0;
  for (std::size_t f = 0; f + frame <= n; f += frame) {
    double s = 0, e = 0;
    for (std::size_t i = f; i < f + frame; ++i) {
      const double a = in[i], d = a - out[i + static_cast<std::size_t>(lag)];
      s += a * a;
      e += d * d;
    }
    sig += s;
    err += e;
    if (level_dbfs(s, frame) < kActiveDbfs) continue;
    ++active;
    seg += std::clamp(10 * std::log10(s / (e + 1e-9)), -10.0, 35.0);
  }

  std::size_t fft_size = 1;
  while (fft_size < frame) fft_size <<= 1;
  const double hz_per_bin = static_cast<double>(rate) / static_cast<double>(fft_size);
  double fw = 0;
  std::size_t fw_frames = 0;
  for (std::size_t f = 0; f + frame <= n; f += frame / 2) {
    double s = 0;
    for (std::size_t i = f; i < f + frame; ++i) s += static_cast<double>(in[i]) * in[i];
    if (level_dbfs(s, frame) < kActiveDbfs) continue;
    const auto px = power_spectrum(in.subspan(f, frame), fft_size);
    const auto py = power_spectrum(out.subspan(f + static_cast<std::size_t>(lag), frame), fft_size);
    double num = 0, den = 0;
    for (std::size_t b = 0; b + 1 < std::size(kBandEdges); ++b) {
      double ex = 0, ey = 0;
      for (std::size_t k = 0; k < px.size(); ++k) {
        const double hz = static_cast<double>(k) * hz_per_bin;
        if (hz < kBandEdges[b] || hz >= kBandEdges[b + 1]) continue;
        ex += px[k];
        ey += py[k];
      }
      const double x = std::sqrt(ex), y = std::sqrt(ey);
      const double snr = std::clamp(10 * std::log10(x * x / ((x - y) * (x - y) + 1e-20) + 1e-20), -10.0, 35.0);
      const double w = std::pow(x, 0.2);
      num += w * snr;
      den += w;
    }
    if (den > 0) {
      fw += num / den;
      ++fw_frames;
    }
  }
  Quality q;
  q.snr_db = 10 * std::log10(sig / (err + 1e-9));
  q.segsnr_db = active ? seg / static_cast<double>(active) : 0;
  q.fwsegsnr_db = fw_frames ? fw / static_cast<double>(fw_frames) : 0;
  return q;
}

const char* bandwidth_name(int bw) {
  switch (bw) {
    case OPUS_BANDWIDTH_NARROWBAND: return "nb";
    case OPUS_BANDWIDTH_MEDIUMBAND: return "mb";
    case OPUS_BANDWIDTH_WIDEBAND: return "wb";
    case OPUS_BANDWIDTH_SUPERWIDEBAND: return "swb";
    case OPUS_BANDWIDTH_FULLBAND: return "fb";
    default: return "?";
  }
}

int quality(std::uint32_t rate, double seconds) {
  const auto pcm = bench::speech_like_signal(rate, seconds);
  const auto pcm_band = speech_band(pcm, rate);
  const int lag = lookahead(rate);
  const OpusConfig agent = config_for(rate, 0);
  std::printf("{\"rate\": %u, \"seconds\": %.1f, \"bitrate\": %d, \"fec\": %s, \"expected_loss_percent\": %d, "
              "\"lookahead_samples\": %d, \"rows\": [",
              rate, seconds, agent.bitrate, agent.fec ? "true" : "false", agent.expected_loss_percent, lag);
  for (int c = 0; c <= kMaxComplexity; ++c) {
    const Coded coded = encode_all(pcm, rate, c);
    const auto decoded = decode_all(coded, rate);
    const Quality q = compare(pcm_band, speech_band(decoded, rate), lag, rate);
    std::size_t bytes = 0;
    int silk = 0, hybrid = 0, celt = 0;
    int bw_count[5] = {};
    for (const auto& p : coded.packets) {
      bytes += p.size();
      // TOC configuration (RFC 6716 section 3.1): 0-11 SILK, 12-15 hybrid, 16-31 CELT.
      const int config = p[0] >> 3;
      (config < 12 ? silk : config < 16 ? hybrid : celt)++;
      const int bw = opus_packet_get_bandwidth(p.data());
      if (bw >= OPUS_BANDWIDTH_NARROWBAND && bw <= OPUS_BANDWIDTH_FULLBAND) ++bw_count[bw - OPUS_BANDWIDTH_NARROWBAND];
    }
    const int top_bw = static_cast<int>(std::max_element(bw_count, bw_count + 5) - bw_count) + OPUS_BANDWIDTH_NARROWBAND;
    std::printf("%s\n  {\"complexity\": %d, \"snr_db\": %.2f, \"segsnr_db\": %.2f, \"fwsegsnr_db\": %.2f, "
                "\"bytes_per_frame\": %.1f, \"silk\": %d, \"hybrid\": %d, \"celt\": %d, \"bandwidth\": \"%s\", "
                "\"wall_us_per_frame\": %.1f}",
                c ? "," : "", c, q.snr_db, q.segsnr_db, q.fwsegsnr_db,
                static_cast<double>(bytes) / static_cast<double>(coded.packets.size()), silk, hybrid, celt,
                bandwidth_name(top_bw), coded.wall_us_per_frame);
  }
  std::printf("\n]}\n");
  return 0;
}

int encode_only(std::uint32_t rate, int complexity, double seconds) {
  const auto pcm = bench::speech_like_signal(rate, seconds);
  const Coded coded = encode_all(pcm, rate, complexity);
  std::printf("{\"frames\": %zu}\n", coded.packets.size());
  return 0;
}

int boards() {
  std::printf("[");
  const char* sep = "";
  for (const board::BoardDescription* b : board::all_boards()) {
    std::printf("%s\n  {\"name\": \"%.*s\", \"sample_rate\": %u, \"opus_complexity\": %d}", sep,
                static_cast<int>(b->name.size()), b->name.data(), b->sample_rate, b->opus_complexity);
    sep = ",";
  }
  std::printf("\n]\n");
  return 0;
}

int dump(std::uint32_t rate, int complexity, const char* in_path, const char* out_path) {
  const auto pcm = bench::speech_like_signal(rate, 10.0);
  const auto decoded = decode_all(encode_all(pcm, rate, complexity), rate);
  for (const auto& [path, v] : {std::pair{in_path, &pcm}, std::pair{out_path, &decoded}}) {
    std::FILE* f = std::fopen(path, "wb");
    if (!f || std::fwrite(v->data(), sizeof(std::int16_t), v->size(), f) != v->size()) return 1;
    std::fclose(f);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "quality") == 0) {
    const auto rate = static_cast<std::uint32_t>(std::atoi(argv[2]));
    if (!opus_supports_pcm_rate(rate)) return 2;
    return quality(rate, argc >= 4 ? std::atof(argv[3]) : 10.0);
  }
  if (argc >= 4 && std::strcmp(argv[1], "encode") == 0) {
    const auto rate = static_cast<std::uint32_t>(std::atoi(argv[2]));
    const int complexity = std::atoi(argv[3]);
    if (!opus_supports_pcm_rate(rate) || complexity < 0 || complexity > kMaxComplexity) return 2;
    return encode_only(rate, complexity, argc >= 5 ? std::atof(argv[4]) : 10.0);
  }
  if (argc >= 2 && std::strcmp(argv[1], "boards") == 0) return boards();
  if (argc >= 6 && std::strcmp(argv[1], "dump") == 0)
    return dump(static_cast<std::uint32_t>(std::atoi(argv[2])), std::atoi(argv[3]), argv[4], argv[5]);
  std::fprintf(stderr,
               "usage: opus_complexity quality RATE [SECONDS]\n"
               "       opus_complexity encode RATE COMPLEXITY [SECONDS]\n"
               "       opus_complexity boards\n"
               "       opus_complexity dump RATE COMPLEXITY IN.raw OUT.raw\n");
  return 2;
}
