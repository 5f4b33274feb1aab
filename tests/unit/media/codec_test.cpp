#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "media/codec/g711.hpp"
#include "media/codec/g711_codec.hpp"
#include "media/codec/opus_codec.hpp"
#include "media/resample/resampler.hpp"
#include "tests/common/tone_detect.hpp"
#include "tests/unit/media/alloc_counter.hpp"

namespace dialtone::media {
namespace {

using test::tone_power_ratio;

// A continuous tone, frame after frame, with phase kept across frames.
class ToneSource {
 public:
  ToneSource(double freq, double rate, double amplitude = 8000) : step_(2 * M_PI * freq / rate), amp_(amplitude) {}
  void fill(std::span<std::int16_t> out) {
    for (auto& s : out) {
      s = static_cast<std::int16_t>(std::lround(amp_ * std::sin(phase_)));
      phase_ += step_;
    }
  }

 private:
  double step_, amp_, phase_ = 0;
};

TEST(G711, TableValues) {
  // ITU-T G.711 reference points.
  EXPECT_EQ(g711::ulaw_to_linear(0xFF), 0);
  EXPECT_EQ(g711::ulaw_to_linear(0x7F), 0);
  EXPECT_EQ(g711::ulaw_to_linear(0x00), -32124);
  EXPECT_EQ(g711::ulaw_to_linear(0x80), 32124);
  EXPECT_EQ(g711::alaw_to_linear(0xD5), 8);
  EXPECT_EQ(g711::alaw_to_linear(0x55), -8);
  EXPECT_EQ(g711::alaw_to_linear(0xAA), 32256);
  EXPECT_EQ(g711::alaw_to_linear(0x2A), -32256);
  EXPECT_EQ(g711::linear_to_ulaw(0), 0xFF);
  EXPECT_EQ(g711::linear_to_alaw(0), 0xD5);
  // Every code decodes to a value that encodes back to the same code
  // (except mu-law's two zeros).
  for (int c = 0; c < 256; ++c) {
    auto u = static_cast<std::uint8_t>(c);
    if (u != 0x7F) {
      EXPECT_EQ(g711::linear_to_ulaw(g711::ulaw_to_linear(u)), u) << c;
    }
    EXPECT_EQ(g711::linear_to_alaw(g711::alaw_to_linear(u)), u) << c;
  }
}

TEST(G711, QuantisationErrorIsBounded) {
  for (int x = -32768; x <= 32767; x += 7) {
    auto v = static_cast<std::int16_t>(x);
    int eu = std::abs(g711::ulaw_to_linear(g711::linear_to_ulaw(v)) - x);
    int ea = std::abs(g711::alaw_to_linear(g711::linear_to_alaw(v)) - x);
    int bound = std::max(32, std::abs(x) / 16);  // ~6% relative, a few LSB near zero
    ASSERT_LE(eu, bound) << x;
    ASSERT_LE(ea, bound) << x;
  }
}

void g711_tone_round_trip(sdp::CodecKind kind) {
  G711Codec codec(kind);
  ToneSource tone(1000, 8000);
  std::array<std::int16_t, 160> in{}, out{};
  std::array<std::uint8_t, 160> payload{};
  std::vector<std::int16_t> all;
  for (int f = 0; f < 25; ++f) {
    tone.fill(in);
    ASSERT_EQ(codec.encode(in, payload), 160);
    ASSERT_EQ(codec.decode(payload, out), 160);
    all.insert(all.end(), out.begin(), out.end());
  }
  EXPECT_GT(tone_power_ratio(all, 1000, 8000), 0.45);  // ~0.5 is a pure tone
  EXPECT_LT(tone_power_ratio(all, 1500, 8000), 0.01);
  EXPECT_GT(test::rms(all), 5000);
  // Concealment: the tone carries on, fading, then silence.
  ASSERT_EQ(codec.decode_lost(out), 160);
  EXPECT_GT(tone_power_ratio(out, 1000, 8000), 0.45);
  EXPECT_GT(test::rms(out), 2000);
  for (int i = 0; i < 3; ++i) codec.decode_lost(out);
  EXPECT_EQ(test::rms(out), 0);
}

TEST(G711, PcmuToneRoundTrip) { g711_tone_round_trip(sdp::CodecKind::kPcmu); }
TEST(G711, PcmaToneRoundTrip) { g711_tone_round_trip(sdp::CodecKind::kPcma); }

class OpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    codec_ = std::make_unique<OpusCodec>();  // ~70 KB: not on the stack
    ASSERT_TRUE(codec_->init());
  }
  std::unique_ptr<OpusCodec> codec_;
};

TEST_F(OpusTest, ToneRoundTrip) {
  ToneSource tone(1000, 48000);
  std::array<std::int16_t, 960> in{}, out{};
  std::array<std::uint8_t, limits::kCodecPayloadMax> payload{};
  std::vector<std::int16_t> all;
  for (int f = 0; f < 50; ++f) {
    tone.fill(in);
    int n = codec_->encode(in, payload);
    ASSERT_GT(n, 0);
    ASSERT_LT(n, 400);  // ~32 kbit/s -> ~80 bytes
    ASSERT_EQ(codec_->decode({payload.data(), static_cast<std::size_t>(n)}, out), 960);
    if (f >= 5) all.insert(all.end(), out.begin(), out.end());  // past the codec's start-up
  }
  EXPECT_GT(tone_power_ratio(all, 1000, 48000), 0.4);
  EXPECT_LT(tone_power_ratio(all, 1700, 48000), 0.01);
  EXPECT_GT(test::rms(all), 3000);
}

// A board sampling at 8 or 16 kHz runs Opus at that rate (no resampler). The
// stream is still ordinary Opus: a peer decoding at 48 kHz hears the tone,
// and we decode a 48 kHz peer's packets at our rate.
TEST(OpusRates, BoardRateCodecInteroperatesWith48k) {
  for (std::uint32_t rate : {8000u, 16000u}) {
    SCOPED_TRACE(rate);
    auto narrow = std::make_unique<OpusCodec>();
    auto full = std::make_unique<OpusCodec>();
    OpusConfig c;
    c.pcm_rate = rate;
    ASSERT_TRUE(narrow->init(c));
    ASSERT_TRUE(full->init());
    ASSERT_EQ(narrow->sample_rate(), rate);
    ASSERT_EQ(narrow->frame_samples(), rate / 50);
    ASSERT_EQ(narrow->rtp_clock_rate(), 48000u);  // RFC 7587, whatever the PCM rate
    ToneSource narrow_tone(1000, rate), full_tone(600, 48000);
    std::vector<std::int16_t> in_narrow(rate / 50), out_narrow(rate / 50 * 6), in_full(960), out_full(960 * 6);
    std::array<std::uint8_t, limits::kCodecPayloadMax> payload{};
    std::vector<std::int16_t> heard_by_full, heard_by_narrow;
    for (int f = 0; f < 50; ++f) {
      narrow_tone.fill(in_narrow);
      int n = narrow->encode(in_narrow, payload);
      ASSERT_GT(n, 0);
      ASSERT_EQ(full->decode({payload.data(), static_cast<std::size_t>(n)}, out_full), 960);
      if (f >= 5) heard_by_full.insert(heard_by_full.end(), out_full.begin(), out_full.begin() + 960);
      full_tone.fill(in_full);
      n = full->encode(in_full, payload);
      ASSERT_GT(n, 0);
      ASSERT_EQ(narrow->decode({payload.data(), static_cast<std::size_t>(n)}, out_narrow), static_cast<int>(rate / 50));
      if (f >= 5) heard_by_narrow.insert(heard_by_narrow.end(), out_narrow.begin(), out_narrow.begin() + rate / 50);
    }
    EXPECT_GT(tone_power_ratio(heard_by_full, 1000, 48000), 0.4);
    EXPECT_GT(tone_power_ratio(heard_by_narrow, 600, rate), 0.4);
    EXPECT_EQ(narrow->decode_lost(out_narrow), static_cast<int>(rate / 50));
  }
  OpusConfig bad;
  bad.pcm_rate = 44100;
  EXPECT_FALSE(std::make_unique<OpusCodec>()->init(bad));
}

TEST_F(OpusTest, FecRecoversALostFrameAndPlcConceals) {
  ToneSource tone(1000, 48000);
  std::array<std::int16_t, 960> in{}, out{};
  std::vector<std::vector<std::uint8_t>> packets;
  std::array<std::uint8_t, limits::kCodecPayloadMax> payload{};
  for (int f = 0; f < 40; ++f) {
    tone.fill(in);
    int n = codec_->encode(in, payload);
    ASSERT_GT(n, 0);
    packets.emplace_back(payload.begin(), payload.begin() + n);
  }
  for (int f = 0; f < 20; ++f) ASSERT_EQ(codec_->decode(packets[f], out), 960);
  // Frame 20 is lost; frame 21 is here: FEC gives frame 20 back.
  ASSERT_EQ(codec_->decode_fec(packets[21], out), 960);
  EXPECT_GT(tone_power_ratio(out, 1000, 48000), 0.3);
  EXPECT_GT(test::rms(out), 1500);
  ASSERT_EQ(codec_->decode(packets[21], out), 960);
  EXPECT_GT(tone_power_ratio(out, 1000, 48000), 0.3);
  // Frames 22 and 23 lost with nothing after them: PLC.
  ASSERT_EQ(codec_->decode_lost(out), 960);
  EXPECT_GT(tone_power_ratio(out, 1000, 48000), 0.3);
  ASSERT_EQ(codec_->decode_lost(out), 960);
  ASSERT_EQ(codec_->decode(packets[24], out), 960);
  EXPECT_GT(test::rms(out), 1000);
}

TEST_F(OpusTest, PerFramePathDoesNotAllocate) {
  if (!test::alloc_counting_enabled()) GTEST_SKIP() << "sanitizer owns malloc";
  ToneSource tone(1000, 48000);
  std::array<std::int16_t, 960> in{}, out{};
  std::array<std::uint8_t, limits::kCodecPayloadMax> payload{};
  G711Codec pcmu(sdp::CodecKind::kPcmu);
  Resampler up;
  std::size_t at_setup = test::alloc_count();
  ASSERT_TRUE(up.init(8000, 48000));
  EXPECT_GT(test::alloc_count(), at_setup);  // speexdsp allocates here, at set-up: the counter sees it
  std::array<std::int16_t, 160> narrow{};
  // libopus built with run-time CPU detection (Debian's armhf) reads
  // /proc/cpuinfo through stdio, a malloc'd FILE and buffer, when the decoder
  // meets its first packet: once per decoder, at call set-up. The loop below
  // measures the steady per-frame path after it.
  tone.fill(in);
  codec_->decode({payload.data(), static_cast<std::size_t>(codec_->encode(in, payload))}, out);
  std::size_t before = test::alloc_count();
  for (int f = 0; f < 50; ++f) {
    tone.fill(in);
    int n = codec_->encode(in, payload);
    codec_->decode({payload.data(), static_cast<std::size_t>(n)}, out);
    if (f % 5 == 0) codec_->decode_lost(out);
    if (f % 7 == 0) codec_->decode_fec({payload.data(), static_cast<std::size_t>(n)}, out);
    pcmu.encode(std::span(in).first(160), std::span(payload).first(160));
    pcmu.decode(std::span(payload).first(160), narrow);
    up.process(narrow, out);
  }
  EXPECT_EQ(test::alloc_count(), before);
}

TEST(ResamplerTest, UpAndDownKeepTheTone) {
  struct Case {
    std::uint32_t from, to;
  };
  for (Case c : {Case{8000, 48000}, Case{48000, 8000}, Case{16000, 48000}, Case{48000, 16000}, Case{8000, 8000}}) {
    Resampler r;
    ASSERT_TRUE(r.init(c.from, c.to));
    ToneSource tone(1000, c.from);
    std::vector<std::int16_t> in(c.from / 50), out(c.to / 50), all;
    std::size_t produced = 0;
    for (int f = 0; f < 25; ++f) {
      tone.fill(in);
      std::size_t n = r.process(in, out);
      produced += n;
      if (f >= 3) all.insert(all.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
    }
    // Every 20 ms in gives 20 ms out once the filter is primed.
    EXPECT_NEAR(static_cast<double>(produced), 25.0 * c.to / 50, c.to / 50.0) << c.from << "->" << c.to;
    EXPECT_GT(tone_power_ratio(all, 1000, c.to), 0.4) << c.from << "->" << c.to;
  }
  Resampler bad;
  EXPECT_FALSE(bad.init(0, 8000));
}

}  // namespace
}  // namespace dialtone::media
