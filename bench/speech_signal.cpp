#include "bench/speech_signal.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace dialtone::bench {
namespace {

constexpr double kPi = 3.14159265358979323846;

enum class Kind { kPause, kVowel, kNasal, kFricative, kPlosive };

struct Unit {
  Kind kind;
  int ms;
  int vowel = 0;          // index into kVowels (kVowel)
  double noise_hz = 0;    // centre of the noise band (kFricative, kPlosive)
};

// F1-F4 of five vowels (adult male, Peterson and Barney), and a nasal murmur.
constexpr std::array<std::array<double, 4>, 6> kVowels{{
    {730, 1090, 2440, 3400},  // a
    {530, 1840, 2480, 3500},  // e
    {270, 2290, 3010, 3700},  // i
    {570, 840, 2410, 3300},   // o
    {300, 870, 2240, 3300},   // u
    {250, 1100, 2200, 3300},  // nasal
}};
constexpr int kA = 0, kE = 1, kI = 2, kO = 3, kU = 4, kNasalFormants = 5;
constexpr std::array<double, 4> kBandwidths{80, 100, 140, 200};

// One phrase, about "sa-mi-to-ka, shu-ne-pa-lo": 2.73 s.
const Unit kPhrase[] = {
    {Kind::kPause, 150},
    {Kind::kFricative, 110, 0, 5500},  {Kind::kVowel, 180, kA},
    {Kind::kNasal, 70},                {Kind::kVowel, 150, kI},
    {Kind::kPlosive, 50, 0, 3500},     {Kind::kVowel, 200, kO},
    {Kind::kPlosive, 50, 0, 1800},     {Kind::kVowel, 230, kA},
    {Kind::kPause, 200},
    {Kind::kFricative, 130, 0, 3000},  {Kind::kVowel, 160, kU},
    {Kind::kNasal, 60},                {Kind::kVowel, 170, kE},
    {Kind::kPlosive, 50, 0, 1200},     {Kind::kVowel, 150, kA},
    {Kind::kNasal, 60},                {Kind::kVowel, 260, kO},
    {Kind::kPause, 300},
};

// Four speakers' versions of the phrase: pitch from, pitch to, formant
// scale, level.
struct Voice {
  double f0_start, f0_end, formant_scale, gain_db;
};
constexpr Voice kVoices[] = {
    {120, 90, 1.00, 0}, {220, 170, 1.15, -4}, {105, 85, 1.00, 2}, {200, 160, 1.12, -6}};

// Two-pole resonator with unit gain at DC (Klatt 1980).
struct Resonator {
  double y1 = 0, y2 = 0;
  double run(double x, double f_hz, double bw_hz, double rate) {
    const double r = std::exp(-kPi * bw_hz / rate);
    const double b1 = 2 * r * std::cos(2 * kPi * f_hz / rate);
    const double b2 = -r * r;
    const double y = (1 - b1 - b2) * x + b1 * y1 + b2 * y2;
    y2 = y1;
    y1 = y;
    return y;
  }
};

// A fixed-seed xorshift32: the same noise on every run.
struct Noise {
  std::uint32_t s = 0x9e3779b9u;
  double next() {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return static_cast<double>(s) / 2147483648.0 - 1.0;
  }
};

struct Smooth {
  double value = 0;
  double k = 0;
  Smooth(double tau_ms, double rate) : k(1 - std::exp(-1000.0 / (tau_ms * rate))) {}
  double step(double target) { return value += (target - value) * k; }
};

}  // namespace

std::vector<std::int16_t> speech_like_signal(std::uint32_t rate_hz, double seconds) {
  const double rate = rate_hz;
  const auto total = static_cast<std::size_t>(seconds * rate);
  // The voiced and the noise parts are made apart and levelled apart:
  // fricatives about 12 dB below vowels, as in speech.
  std::vector<double> voiced, hissed;
  std::vector<bool> vowel, fricative, active;
  voiced.reserve(total);
  hissed.reserve(total);

  Noise noise;
  std::array<Resonator, 4> tract;
  Resonator glottis, frication;
  std::array<Smooth, 4> formant{Smooth(15, rate), Smooth(15, rate), Smooth(15, rate), Smooth(15, rate)};
  for (std::size_t i = 0; i < 4; ++i) formant[i].value = kVowels[kA][i];
  Smooth voicing(8, rate), hiss(5, rate), nasal_mix(10, rate);
  double phase = 0, prev_source = 0, prev_hiss = 0;

  std::size_t phrase_no = 0;
  while (voiced.size() < total) {
    const Voice& v = kVoices[phrase_no++ % std::size(kVoices)];
    const double gain = std::pow(10.0, v.gain_db / 20);
    std::size_t phrase_samples = 0;
    for (const Unit& u : kPhrase) phrase_samples += static_cast<std::size_t>(u.ms * rate / 1000);
    std::size_t in_phrase = 0;
    for (const Unit& u : kPhrase) {
      const auto n = static_cast<std::size_t>(u.ms * rate / 1000);
      for (std::size_t i = 0; i < n && voiced.size() < total; ++i, ++in_phrase) {
        const double t = static_cast<double>(in_phrase) / static_cast<double>(phrase_samples);
        const double within = static_cast<double>(i) / static_cast<double>(n);
        // Declining pitch over the phrase, a small rise inside each syllable,
        // and a 5 Hz wobble.
        double f0 = v.f0_start + (v.f0_end - v.f0_start) * t;
        f0 *= 1 + 0.04 * std::sin(kPi * within) +
              0.015 * std::sin(2 * kPi * 5 * static_cast<double>(voiced.size()) / rate);

        double voice_target = 0, hiss_target = 0, nasal_target = 0;
        const std::array<double, 4>* target = nullptr;
        switch (u.kind) {
          case Kind::kPause: break;
          case Kind::kVowel:
            voice_target = 1;
            target = &kVowels[static_cast<std::size_t>(u.vowel)];
            break;
          case Kind::kNasal:
            voice_target = 0.4;
            nasal_target = 1;
            target = &kVowels[kNasalFormants];
            break;
          case Kind::kFricative: hiss_target = 1; break;
          case Kind::kPlosive:
            // Closure (silence), then a burst that dies away.
            if (within > 0.6) hiss_target = 2 * std::exp(-(within - 0.6) * 12);
            break;
        }
        for (std::size_t f = 0; f < 4; ++f)
          formant[f].step(target ? (*target)[f] * v.formant_scale : formant[f].value);
        const double a_voice = voicing.step(voice_target);
        const double a_hiss = hiss.step(hiss_target);
        nasal_mix.step(nasal_target);

        // Glottal pulses through the -12 dB/octave glottal filter, then the
        // lips' +6 dB/octave (a first difference), as in Klatt's synthesiser.
        phase += f0 / rate;
        double pulse = 0;
        if (phase >= 1) {
          phase -= 1;
          pulse = 1;
        }
        const double g = glottis.run(pulse, 0, 100, rate);
        const double source = (g - prev_source) + 0.002 * noise.next();  // a little breath
        prev_source = g;
        double y = source;
        for (std::size_t f = 0; f < 4; ++f) {
          const double bw = kBandwidths[f] * (1 + nasal_mix.value);  // nasals are damped
          y = tract[f].run(y, formant[f].value, bw, rate);
        }
        const double centre = u.noise_hz > 0 ? u.noise_hz : 3000;
        const double h = frication.run(noise.next(), centre, 0.35 * centre, rate);
        voiced.push_back(gain * a_voice * y);
        hissed.push_back(gain * a_hiss * (h - prev_hiss));
        prev_hiss = h;
        vowel.push_back(u.kind == Kind::kVowel);
        fricative.push_back(u.kind == Kind::kFricative);
        active.push_back(u.kind != Kind::kPause);
      }
    }
  }

  auto rms_where = [](const std::vector<double>& x, const std::vector<bool>& where) {
    double e = 0;
    std::size_t n = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (where[i]) {
        e += x[i] * x[i];
        ++n;
      }
    return n && e > 0 ? std::sqrt(e / static_cast<double>(n)) : 1.0;
  };
  const double v_scale = 1 / rms_where(voiced, vowel);
  const double h_scale = std::pow(10.0, -12.0 / 20) / rms_where(hissed, fricative);
  std::vector<double> x(voiced.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = voiced[i] * v_scale + hissed[i] * h_scale;

  // Active speech at -26 dBFS (a usual telephone speech level), then a quiet
  // room's noise floor at -66 dBFS so that pauses are not digital silence.
  const double scale = 32768.0 * std::pow(10.0, -26.0 / 20) / rms_where(x, active);
  const double floor = 32768.0 * std::pow(10.0, -66.0 / 20) * std::sqrt(3.0);  // uniform noise, RMS -66 dBFS
  std::vector<std::int16_t> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double s = x[i] * scale + floor * noise.next();
    out[i] = static_cast<std::int16_t>(std::clamp(std::lround(s), -32768L, 32767L));
  }
  return out;
}

}  // namespace dialtone::bench
