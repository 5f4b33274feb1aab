// Media hot paths, per 20 ms frame: encode + packetise, decode, jitter
// buffer push/pop, and one SDP parse. Each benchmark also reports the heap
// calls it made per iteration (counted by the malloc interposer from the
// unit tests); the target is zero.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "media/codec/g711_codec.hpp"
#include "media/codec/opus_codec.hpp"
#include "media/jitter/jitter_buffer.hpp"
#include "media/jitter/playout.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/sdp/sdp_parser.hpp"
#include "tests/unit/media/alloc_counter.hpp"
#include "tests/unit/media/sdp_fixtures.hpp"

namespace {

using namespace dialtone;
using namespace dialtone::media;

std::vector<std::int16_t> tone(std::size_t samples, double rate) {
  std::vector<std::int16_t> v(samples);
  for (std::size_t i = 0; i < samples; ++i)
    v[i] = static_cast<std::int16_t>(8000 * std::sin(2 * M_PI * 1000 * static_cast<double>(i) / rate));
  return v;
}

class HeapCalls {
 public:
  explicit HeapCalls(benchmark::State& s) : state_(s), start_(test::alloc_count()) {}
  ~HeapCalls() {
    state_.counters["heap_calls/iter"] = benchmark::Counter(
        static_cast<double>(test::alloc_count() - start_) / static_cast<double>(state_.iterations()));
  }

 private:
  benchmark::State& state_;
  std::size_t start_;
};

void encode_and_packetise(benchmark::State& state, Codec& codec) {
  const auto pcm = tone(codec.frame_samples() * 50, codec.sample_rate());
  std::array<std::uint8_t, limits::kRtpPacketMax> packet{};
  RtpHeader h;
  h.payload_type = 111;
  h.ssrc = 0x1234;
  std::size_t frame = 0;
  HeapCalls heap(state);
  for (auto _ : state) {
    const std::size_t header = write_rtp_header(h, packet);
    int n = codec.encode(std::span(pcm).subspan(frame * codec.frame_samples(), codec.frame_samples()),
                         std::span(packet).subspan(header));
    benchmark::DoNotOptimize(n);
    ++h.sequence;
    h.timestamp += codec.rtp_clock_rate() / 50;
    frame = (frame + 1) % 50;
  }
}

std::vector<std::vector<std::uint8_t>> encoded(Codec& codec, int frames) {
  const auto pcm = tone(codec.frame_samples() * static_cast<std::size_t>(frames), codec.sample_rate());
  std::vector<std::vector<std::uint8_t>> out;
  std::array<std::uint8_t, limits::kCodecPayloadMax> buf{};
  for (int f = 0; f < frames; ++f) {
    int n = codec.encode(std::span(pcm).subspan(static_cast<std::size_t>(f) * codec.frame_samples(), codec.frame_samples()), buf);
    out.emplace_back(buf.begin(), buf.begin() + n);
  }
  return out;
}

void decode(benchmark::State& state, Codec& enc, Codec& dec) {
  const auto packets = encoded(enc, 50);
  std::array<std::int16_t, limits::kFrameSamplesMax> pcm{};
  std::size_t i = 0;
  HeapCalls heap(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(dec.decode(packets[i], pcm));
    i = (i + 1) % packets.size();
  }
}

void BM_OpusEncodePacketise(benchmark::State& state) {
  auto c = std::make_unique<OpusCodec>();
  c->init();
  encode_and_packetise(state, *c);
}
BENCHMARK(BM_OpusEncodePacketise);

void BM_PcmuEncodePacketise(benchmark::State& state) {
  G711Codec c(sdp::CodecKind::kPcmu);
  encode_and_packetise(state, c);
}
BENCHMARK(BM_PcmuEncodePacketise);

void BM_OpusDecode(benchmark::State& state) {
  auto e = std::make_unique<OpusCodec>();
  auto d = std::make_unique<OpusCodec>();
  e->init();
  d->init();
  decode(state, *e, *d);
}
BENCHMARK(BM_OpusDecode);

void BM_OpusDecodePlc(benchmark::State& state) {
  auto d = std::make_unique<OpusCodec>();
  d->init();
  std::array<std::int16_t, limits::kFrameSamplesMax> pcm{};
  HeapCalls heap(state);
  for (auto _ : state) benchmark::DoNotOptimize(d->decode_lost(pcm));
}
BENCHMARK(BM_OpusDecodePlc);

void BM_PcmuDecode(benchmark::State& state) {
  G711Codec e(sdp::CodecKind::kPcmu), d(sdp::CodecKind::kPcmu);
  decode(state, e, d);
}
BENCHMARK(BM_PcmuDecode);

// One received packet: RTP parse, jitter buffer push, and one tick's pop.
void BM_JitterPushPop(benchmark::State& state) {
  std::array<std::uint8_t, 100> payload{};
  std::array<std::uint8_t, limits::kRtpPacketMax> wire{};
  RtpHeader h;
  h.payload_type = 111;
  h.ssrc = 0x1234;
  JitterBuffer jb;
  TimeMs now = 0;
  HeapCalls heap(state);
  for (auto _ : state) {
    std::size_t n = write_rtp(h, payload, wire);
    RtpPacket p;
    parse_rtp({wire.data(), n}, p);
    jb.push(p, now);
    benchmark::DoNotOptimize(jb.pop());
    ++h.sequence;
    h.timestamp += 960;
    now += 20;
  }
}
BENCHMARK(BM_JitterPushPop);

// The whole receive tick with Opus: parse, push, pop, decode.
void BM_OpusReceiveTick(benchmark::State& state) {
  auto e = std::make_unique<OpusCodec>();
  auto d = std::make_unique<OpusCodec>();
  e->init();
  d->init();
  const auto packets = encoded(*e, 50);
  std::array<std::uint8_t, limits::kRtpPacketMax> wire{};
  std::array<std::int16_t, limits::kFrameSamplesMax> pcm{};
  RtpHeader h;
  h.payload_type = 111;
  h.ssrc = 0x1234;
  JitterBuffer jb;
  TimeMs now = 0;
  std::size_t i = 0;
  HeapCalls heap(state);
  for (auto _ : state) {
    std::size_t n = write_rtp(h, packets[i], wire);
    RtpPacket p;
    parse_rtp({wire.data(), n}, p);
    jb.push(p, now);
    benchmark::DoNotOptimize(play_next(jb, *d, pcm));
    ++h.sequence;
    h.timestamp += 960;
    now += 20;
    i = (i + 1) % packets.size();
  }
}
BENCHMARK(BM_OpusReceiveTick);

void BM_SdpParseChromeOffer(benchmark::State& state) {
  static sdp::SessionDescription d;
  HeapCalls heap(state);
  for (auto _ : state) benchmark::DoNotOptimize(sdp::parse(test::kChromeOffer, d));
}
BENCHMARK(BM_SdpParseChromeOffer);

}  // namespace

BENCHMARK_MAIN();
