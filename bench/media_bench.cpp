// Media hot paths, per 20 ms frame: encode + packetise, decode, jitter
// buffer push/pop, SRTP protect/unprotect (keys from a real in-memory DTLS
// handshake between two DtlsSrtp engines), the whole send and receive path
// of one frame, the SIP profiles' per-packet cost (plain RTP against SDES
// SRTP, in memory and through RtpTransport's socket), and the signalling
// parsers/builders: one SDP parse, one SDP offer written, one YNA
// notification frame parsed. Each benchmark also reports the heap
// calls it made per iteration (counted by the malloc interposer from the
// unit tests); the target is zero.
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "media/codec/g711_codec.hpp"
#include "media/dtls/dtls_certificate.hpp"
#include "media/dtls/dtls_srtp.hpp"
#include "media/codec/opus_codec.hpp"
#include "media/jitter/jitter_buffer.hpp"
#include "media/jitter/playout.hpp"
#include "media/rtp/rtp_packet.hpp"
#include "media/sdp/sdp_parser.hpp"
#include "media/sdp/sdp_writer.hpp"
#include "media/srtp/srtp_session.hpp"
#include "media/transport/rtp_transport.hpp"
#include "protocol/yna/notification.hpp"
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

// Opus at the PCM rate given as the benchmark's argument: 16000 is what a
// 16 kHz board (sim, pi-handset) runs since the codec works at the board's
// rate; 48000 is what it ran before, through resamplers.
std::unique_ptr<OpusCodec> opus_at(const benchmark::State& state) {
  auto c = std::make_unique<OpusCodec>();
  OpusConfig oc;
  oc.pcm_rate = static_cast<std::uint32_t>(state.range(0));
  c->init(oc);
  return c;
}

void BM_OpusEncodePacketise(benchmark::State& state) {
  auto c = opus_at(state);
  encode_and_packetise(state, *c);
}
BENCHMARK(BM_OpusEncodePacketise)->Arg(16000)->Arg(48000);

void BM_PcmuEncodePacketise(benchmark::State& state) {
  G711Codec c(sdp::CodecKind::kPcmu);
  encode_and_packetise(state, c);
}
BENCHMARK(BM_PcmuEncodePacketise);

void BM_OpusDecode(benchmark::State& state) {
  auto e = opus_at(state);
  auto d = opus_at(state);
  decode(state, *e, *d);
}
BENCHMARK(BM_OpusDecode)->Arg(16000)->Arg(48000);

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

// ---- SRTP: two engines that completed a DTLS handshake in memory ----------
struct SrtpPair {
  DtlsCertificate cert_a, cert_b;
  DtlsSrtp a, b;  // a = client (sends in the benchmarks), b = server
  bool ok = false;

  SrtpPair() {
    if (!cert_a.generate() || !cert_b.generate() || !a.init(cert_a) || !b.init(cert_b)) return;
    TimeMs now = 0;
    if (!b.start(DtlsRole::kServer, cert_a.fingerprint(), now) || !a.start(DtlsRole::kClient, cert_b.fingerprint(), now))
      return;
    for (int round = 0; round < 50 && !(a.state() == DtlsState::kConnected && b.state() == DtlsState::kConnected);
         ++round) {
      std::span<const std::uint8_t> d;
      while (a.poll_transmit(d)) {
        std::vector<std::uint8_t> copy(d.begin(), d.end());  // the span dies on the next call
        b.handle_datagram(copy, now);
      }
      while (b.poll_transmit(d)) {
        std::vector<std::uint8_t> copy(d.begin(), d.end());
        a.handle_datagram(copy, now);
      }
      now += 10;
    }
    ok = a.state() == DtlsState::kConnected && b.state() == DtlsState::kConnected;
  }
};

SrtpPair& srtp_pair() {
  static SrtpPair p;  // one handshake for the whole binary (ECDSA is slow)
  return p;
}

constexpr std::size_t kOpusPayloadBytes = 80;  // ~32 kbit/s at 20 ms

void BM_SrtpProtect(benchmark::State& state) {
  SrtpPair& p = srtp_pair();
  if (!p.ok) return state.SkipWithError("DTLS handshake failed");
  std::array<std::uint8_t, kOpusPayloadBytes> payload{};
  std::array<std::uint8_t, limits::kRtpPacketMax + DtlsSrtp::kSrtpOverheadMax> wire{};
  RtpHeader h;
  h.payload_type = 111;
  h.ssrc = 0x1111;
  HeapCalls heap(state);
  for (auto _ : state) {
    std::size_t n = write_rtp(h, payload, wire);
    benchmark::DoNotOptimize(p.a.protect_rtp(wire, n));
    ++h.sequence;
    h.timestamp += 960;
  }
}
BENCHMARK(BM_SrtpProtect);

// protect by the peer + unprotect by us: unprotect alone is this minus BM_SrtpProtect.
void BM_SrtpProtectUnprotect(benchmark::State& state) {
  SrtpPair& p = srtp_pair();
  if (!p.ok) return state.SkipWithError("DTLS handshake failed");
  std::array<std::uint8_t, kOpusPayloadBytes> payload{};
  std::array<std::uint8_t, limits::kRtpPacketMax + DtlsSrtp::kSrtpOverheadMax> wire{};
  RtpHeader h;
  h.payload_type = 111;
  h.ssrc = 0x2222;
  HeapCalls heap(state);
  for (auto _ : state) {
    std::size_t n = write_rtp(h, payload, wire);
    p.a.protect_rtp(wire, n);
    benchmark::DoNotOptimize(p.b.unprotect_rtp(wire.data(), n));
    ++h.sequence;
    h.timestamp += 960;
  }
}
BENCHMARK(BM_SrtpProtectUnprotect);

// ---- SIP profiles: plain RTP against SDES SRTP, per packet ----------------
// Arg 0: plain RTP (RTP/AVP), 1: AES_CM_128_HMAC_SHA1_80, 2: _32 (RTP/SAVP).
SrtpSuite suite_of(std::int64_t arg) {
  return arg == 2 ? SrtpSuite::kAesCm128HmacSha1_32 : SrtpSuite::kAesCm128HmacSha1_80;
}
std::array<std::uint8_t, SrtpSession::kKeySaltLen> sdes_key(std::uint8_t first) {
  std::array<std::uint8_t, SrtpSession::kKeySaltLen> k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(first + i);
  return k;
}

// In memory: RTP header written, protected by us, unprotected by the peer
// (keys crossed as an SDES offer/answer crosses them), parsed.
void BM_SipPacketInMemory(benchmark::State& state) {
  const bool srtp = state.range(0) != 0;
  const auto ka = sdes_key(1), kb = sdes_key(101);
  SrtpSession us, peer;
  if (srtp && (!us.start(suite_of(state.range(0)), ka, kb) || !peer.start(suite_of(state.range(0)), kb, ka)))
    return state.SkipWithError("libsrtp refused the keys");
  std::array<std::uint8_t, kOpusPayloadBytes> payload{};
  std::array<std::uint8_t, limits::kRtpPacketMax + SrtpSession::kOverheadMax> wire{};
  RtpHeader h;
  h.payload_type = 111;
  h.ssrc = 0x5555;
  RtpPacket parsed;
  HeapCalls heap(state);
  for (auto _ : state) {
    std::size_t n = write_rtp(h, payload, wire);
    if (srtp) {
      us.protect_rtp(wire, n);
      benchmark::DoNotOptimize(peer.unprotect_rtp(wire.data(), n));
    }
    benchmark::DoNotOptimize(parse_rtp(std::span(wire).first(n), parsed));
    ++h.sequence;
    h.timestamp += 960;
  }
}
BENCHMARK(BM_SipPacketInMemory)->Arg(0)->Arg(1)->Arg(2);

// Through RtpTransport on 127.0.0.1: send_rtp (protect + sendto) and the
// peer's recv of it, one packet per iteration, so the syscalls are counted.
void BM_SipPacketOverLoopback(benchmark::State& state) {
  const bool srtp = state.range(0) != 0;
  EventLoop loop;
  RtpTransport t(loop);
  if (!t.open("127.0.0.1", {})) return state.SkipWithError("no socket pair on 127.0.0.1");
  const int sink = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (sink < 0 || ::bind(sink, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(sink, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    return state.SkipWithError("no sink socket");
  t.set_remote({"127.0.0.1", ntohs(a.sin_port), 0, true});
  if (srtp && !t.set_srtp(suite_of(state.range(0)), sdes_key(1), sdes_key(101)))
    return state.SkipWithError("libsrtp refused the keys");
  std::array<std::uint8_t, kOpusPayloadBytes> payload{};
  std::array<std::uint8_t, limits::kRtpPacketMax> packet{};
  std::array<std::uint8_t, limits::kRtpPacketMax + SrtpSession::kOverheadMax> in{};
  RtpHeader h;
  h.payload_type = 111;
  h.ssrc = 0x6666;
  HeapCalls heap(state);
  for (auto _ : state) {
    const std::size_t n = write_rtp(h, payload, packet);
    benchmark::DoNotOptimize(t.send_rtp(std::span(packet).first(n)));
    benchmark::DoNotOptimize(::recv(sink, in.data(), in.size(), 0));
    ++h.sequence;
    h.timestamp += 960;
  }
  ::close(sink);
}
BENCHMARK(BM_SipPacketOverLoopback)->Arg(0)->Arg(1);

// One frame out: Opus encode (at the argument's PCM rate), RTP header, SRTP protect.
void BM_FrameSendPath(benchmark::State& state) {
  SrtpPair& p = srtp_pair();
  if (!p.ok) return state.SkipWithError("DTLS handshake failed");
  auto codec = opus_at(state);
  const auto pcm = tone(codec->frame_samples() * 50, codec->sample_rate());
  std::array<std::uint8_t, limits::kRtpPacketMax + DtlsSrtp::kSrtpOverheadMax> wire{};
  RtpHeader h;
  h.payload_type = 111;
  h.ssrc = 0x3333;
  std::size_t frame = 0;
  HeapCalls heap(state);
  for (auto _ : state) {
    const std::size_t header = write_rtp_header(h, wire);
    int n = codec->encode(std::span(pcm).subspan(frame * codec->frame_samples(), codec->frame_samples()),
                          std::span(wire).subspan(header, limits::kRtpPacketMax - header));
    std::size_t len = header + static_cast<std::size_t>(n > 0 ? n : 0);
    benchmark::DoNotOptimize(p.a.protect_rtp(wire, len));
    ++h.sequence;
    h.timestamp += 960;
    frame = (frame + 1) % 50;
  }
}
BENCHMARK(BM_FrameSendPath)->Arg(16000)->Arg(48000);

// One frame in: (the peer's protect) SRTP unprotect, RTP parse, jitter push,
// one tick's pop, Opus decode.
void BM_FrameReceivePath(benchmark::State& state) {
  SrtpPair& p = srtp_pair();
  if (!p.ok) return state.SkipWithError("DTLS handshake failed");
  auto e = opus_at(state);
  auto d = opus_at(state);
  const auto packets = encoded(*e, 50);
  std::array<std::uint8_t, limits::kRtpPacketMax + DtlsSrtp::kSrtpOverheadMax> wire{};
  std::array<std::int16_t, limits::kFrameSamplesMax> pcm{};
  RtpHeader h;
  h.payload_type = 111;
  h.ssrc = 0x4444;
  auto jb = std::make_unique<JitterBuffer>();
  TimeMs now = 0;
  std::size_t i = 0;
  HeapCalls heap(state);
  for (auto _ : state) {
    std::size_t n = write_rtp(h, packets[i], wire);
    p.a.protect_rtp(wire, n);
    p.b.unprotect_rtp(wire.data(), n);
    RtpPacket pkt;
    parse_rtp({wire.data(), n}, pkt);
    jb->push(pkt, now);
    benchmark::DoNotOptimize(play_next(*jb, *d, pcm));
    ++h.sequence;
    h.timestamp += 960;
    now += 20;
    i = (i + 1) % packets.size();
  }
}
BENCHMARK(BM_FrameReceivePath)->Arg(16000)->Arg(48000);

// ---- signalling -------------------------------------------------------------
void BM_SdpWriteOffer(benchmark::State& state) {
  static const std::uint8_t fp[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
  static std::array<sdp::Candidate, 3> cands{};
  const char* addrs[] = {"192.168.1.20", "10.0.0.7", "203.0.113.9"};
  for (std::size_t k = 0; k < cands.size(); ++k) {
    cands[k].foundation.assign(std::to_string(k + 1));
    cands[k].priority = 2130706431u - static_cast<std::uint32_t>(k) * 1000;
    cands[k].address.assign(addrs[k]);
    cands[k].port = static_cast<std::uint16_t>(50000 + k);
    cands[k].type = k == 2 ? sdp::CandidateType::kSrflx : sdp::CandidateType::kHost;
    if (k == 2) {
      cands[k].related_address.assign(addrs[0]);
      cands[k].related_port = 50000;
    }
  }
  sdp::LocalMedia local;
  local.ice_ufrag = "a1b2";
  local.ice_pwd = "0123456789abcdef01234567";
  local.fingerprint_sha256 = fp;
  local.ssrc = 0x12345678;
  local.cname = "dialtone0123";
  local.candidates = cands;
  local.session_id = 4242;
  local.session_version = 2;
  static std::array<char, limits::kSdpMax> out{};
  HeapCalls heap(state);
  for (auto _ : state) {
    std::size_t len = 0;
    benchmark::DoNotOptimize(sdp::write_offer(local, out, len));
    benchmark::DoNotOptimize(len);
  }
}
BENCHMARK(BM_SdpWriteOffer);

// A Connected status carrying the far end's answer SDP: the largest frame
// a call set-up brings.
void BM_YnaNotificationParse(benchmark::State& state) {
  static std::string frame;
  if (frame.empty()) {
    std::string sdp;
    for (char c : std::string_view(test::kChromeOffer)) {
      if (c == '\r') sdp += "\\r";
      else if (c == '\n') sdp += "\\n";
      else if (c == '"') sdp += "\\\"";
      else sdp += c;
    }
    frame = R"({"notificationList":[{"sessionStatusNotification":{"status":"Connected","responseCode":200,)"
            R"("callObjectRef":"https://127.0.0.1/calls/v1/sessions/0123456789ABCDEF0123456789ABCDEF01234567",)"
            R"("receiverAddress":"tel:+14255550199","epochTime":1700000000000,"sdp":")" +
            sdp + R"(","notificationReference":{"notificationId":1042,"sequenceNumber":17,"epochTime":1700000000000}}}]})";
  }
  std::size_t seen = 0;
  HeapCalls heap(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(protocol::yna::parse_notification_frame(
        frame, [&seen](const protocol::yna::Notification& n) { seen += n.sdp.size(); }));
  }
  benchmark::DoNotOptimize(seen);
  state.counters["frame_bytes"] = static_cast<double>(frame.size());
}
BENCHMARK(BM_YnaNotificationParse);

}  // namespace

BENCHMARK_MAIN();
