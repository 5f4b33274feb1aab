// AudioSession against an independent stack: Debian's aiortc
// (aiortc_peer.py) as the far end, both as answerer (it picks Opus from our
// offer) and as offerer (PCMU only). SDP over pipes; each side sends a tone
// and finds the other's by frequency. Private netns, lo only.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/unit/media/aiortc_process.hpp"
#include "tests/unit/media/session_test_util.hpp"

namespace dialtone::media {
namespace {

using sdp::Direction;
using testing::AudioClock;
using testing::LoopWithGlib;
using testing::Party;

using testing::AiortcProcess;
using testing::json_number;
using testing::json_quote;
using testing::json_sdp;


struct AiortcCall {
  LoopWithGlib env;
  Party us{env.loop, env.ctx, 16000, 1000};
  AudioClock clock{env.loop, {&us}};
  AiortcProcess far;
  ~AiortcCall() { far.stop(env.loop); }

  std::string line_with(const char* key, TimeMs timeout) {
    std::string found;
    env.run_until(
        [&] {
          for (const std::string& l : far.lines)
            if (l.find(key) != std::string::npos) found = l;
          return !found.empty();
        },
        timeout);
    return found;
  }
  void check_audio(const char* what) {
    ASSERT_TRUE(env.run_until([&] { return us.connected_at >= 0 || us.failed; }, 15000)) << what;
    ASSERT_GE(us.connected_at, 0) << us.reason;
    env.run_for(3000);
    EXPECT_TRUE(us.hears(600)) << what << ": " << test::tone_power_ratio(us.last(1000), 600, 16000);
    const std::string result = line_with("\"result\"", 15000);
    ASSERT_FALSE(result.empty());
    const double freq = json_number(result, "freq");
    std::printf("%s: codec=%s, aiortc heard %.0f Hz, frames %.0f\n", what, us.s->stats().codec, freq,
                json_number(result, "frames"));
    // aiortc decodes Opus to 48 kHz stereo and aiortc_peer.py analyses the
    // interleaved samples as mono, so it reports half the frequency.
    const bool stereo = std::string(us.s->stats().codec) == "opus";
    EXPECT_NEAR(freq, stereo ? 500 : 1000, 30) << result;
  }
};

TEST(AudioSessionAiortc, WeOfferAiortcAnswers) {
  AiortcCall c;
  ASSERT_TRUE(c.far.spawn(c.env.loop, "answer", 5, 600));
  ASSERT_TRUE(c.us.s->create_offer(Direction::kSendRecv, false));
  ASSERT_TRUE(c.env.run_until([&] { return c.us.sdp_count > 0; }, 5000));
  c.far.send_line("{\"sdp\": " + json_quote(c.us.local_sdp) + "}");
  const std::string answer = json_sdp(c.line_with("\"sdp\"", 15000));
  ASSERT_FALSE(answer.empty());
  ASSERT_TRUE(c.us.s->apply_answer(answer)) << answer;
  c.check_audio("we offer, aiortc answers");
}

TEST(AudioSessionAiortc, AiortcOffersWeAnswer) {
  AiortcCall c;
  ASSERT_TRUE(c.far.spawn(c.env.loop, "offer", 5, 600));
  const std::string offer = json_sdp(c.line_with("\"sdp\"", 15000));
  ASSERT_FALSE(offer.empty());
  ASSERT_TRUE(c.us.s->create_answer(offer, Direction::kSendRecv)) << offer;
  ASSERT_TRUE(c.env.run_until([&] { return c.us.sdp_count > 0; }, 5000));
  c.far.send_line("{\"sdp\": " + json_quote(c.us.local_sdp) + "}");
  c.check_audio("aiortc offers, we answer");
}

}  // namespace
}  // namespace dialtone::media
