// An AudioSession with its events recorded, a tone into its mic and its
// earpiece recorded, for the session_* tests. One 20 ms "audio clock" timer
// drives every session of a test, as the HAL's clock would.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/session/audio_session.hpp"
#include "tests/common/tone_detect.hpp"
#include "tests/unit/media/media_net_test_util.hpp"

namespace dialtone::media::testing {

inline AudioSessionConfig loopback_session(std::uint32_t board_rate, sdp::Profile offer_profile = sdp::Profile::kDtls) {
  AudioSessionConfig c;
  c.ice.host_addresses.push_back(IpString("127.0.0.1"));
  c.board_rate = board_rate;
  c.offer_profile = offer_profile;
  return c;
}

struct Party {
  Party(EventLoop& loop, GMainContext* ctx, std::uint32_t rate, double tone_hz,
        sdp::Profile offer_profile = sdp::Profile::kDtls)
      : rate(rate), tone_hz(tone_hz) {
    EXPECT_TRUE(cert.generate());
    s = std::make_unique<AudioSession>(loop, ctx, cert, loopback_session(rate, offer_profile));
    AudioSession::Callbacks cb;
    cb.on_local_sdp = [this](std::string_view sdp) { local_sdp.assign(sdp); ++sdp_count; };
    cb.on_connected = [this] {
      connected_at = monotonic_ms();
      ++connects;
    };
    cb.on_path_lost = [this](std::string_view r) {
      ++paths_lost;
      reason.assign(r);
    };
    cb.on_failed = [this](std::string_view r) { failed = true; reason.assign(r); };
    cb.on_dtmf = [this](char d) { digits.push_back(d); };
    s->set_callbacks(std::move(cb));
  }

  // One 20 ms frame: the tone into the mic, the earpiece recorded.
  void tick() {
    const std::size_t n = rate / 50;
    std::vector<std::int16_t>& mic = mic_buf;
    mic.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      mic[i] = static_cast<std::int16_t>(8000 * std::sin(phase));
      phase += 2 * M_PI * tone_hz / rate;
    }
    phase = std::fmod(phase, 2 * M_PI);
    ear_buf.assign(n, 0);
    s->on_audio_frame(mic, ear_buf);
    heard.insert(heard.end(), ear_buf.begin(), ear_buf.end());
  }
  // The last `ms` of what the earpiece played.
  std::span<const std::int16_t> last(std::size_t ms) const {
    const std::size_t n = std::min(heard.size(), rate * ms / 1000);
    return std::span(heard).last(n);
  }
  bool hears(double hz, std::size_t ms = 1000) const { return test::has_tone(last(ms), hz, rate, 0.3); }

  DtlsCertificate cert;
  std::unique_ptr<AudioSession> s;
  std::uint32_t rate;
  double tone_hz;
  double phase = 0;
  std::string local_sdp;
  int sdp_count = 0;
  TimeMs connected_at = -1;
  int connects = 0;    // on_connected, again after each recovered path
  int paths_lost = 0;  // on_path_lost
  bool failed = false;
  std::string reason;
  std::string digits;
  std::vector<std::int16_t> mic_buf, ear_buf, heard;
};

// The audio clock: every 20 ms, tick() each party.
struct AudioClock {
  AudioClock(EventLoop& loop, std::vector<Party*> parties) : loop(loop), parties(std::move(parties)) {
    next = monotonic_ms() + 20;
    arm();
  }
  ~AudioClock() { loop.cancel_timer(id); }
  void arm() {
    id = loop.add_timer_at(next, [this] {
      next += 20;
      for (Party* p : parties) p->tick();
      arm();
    });
  }
  EventLoop& loop;
  std::vector<Party*> parties;
  TimeMs next;
  TimerId id;
};

// Offer (A) / answer (B) through the SDP strings; `edit_offer` may rewrite
// the offer on its way, as a far end's SDP would differ.
template <typename Edit>
bool negotiate(LoopWithGlib& env, Party& a, Party& b, sdp::Direction da, sdp::Direction db, bool ice_restart,
               Edit edit_offer) {
  const int a0 = a.sdp_count, b0 = b.sdp_count;
  if (!a.s->create_offer(da, ice_restart)) return false;
  if (!env.run_until([&] { return a.sdp_count > a0; }, 5000)) return false;
  std::string offer = edit_offer(a.local_sdp);
  if (!b.s->create_answer(offer, db)) return false;
  if (!env.run_until([&] { return b.sdp_count > b0; }, 5000)) return false;
  return a.s->apply_answer(b.local_sdp);
}

inline bool negotiate(LoopWithGlib& env, Party& a, Party& b, sdp::Direction da, sdp::Direction db,
                      bool ice_restart = false) {
  return negotiate(env, a, b, da, db, ice_restart, [](const std::string& s) { return s; });
}

}  // namespace dialtone::media::testing
