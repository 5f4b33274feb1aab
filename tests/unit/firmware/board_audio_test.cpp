// The board's Opus complexity reaches the encoder a call runs: from the
// board table through the session settings dialtoned builds
// (app::audio_session_config) into AudioSession's libopus encoder, read
// back from libopus itself.
#include <glib.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "board/board.hpp"
#include "firmware/app/audio_session_config.hpp"
#include "firmware/core/event_loop.hpp"
#include "media/dtls/dtls_certificate.hpp"

namespace dialtone {
namespace {

TEST(BoardAudio, EachBoardsOpusComplexityIsTheEncodersOwn) {
  GMainContext* ctx = g_main_context_new();
  {
    EventLoop loop;
    loop.attach_glib(ctx);
    media::DtlsCertificate cert;
    ASSERT_TRUE(cert.generate());
    std::set<int> values;
    for (const board::BoardDescription* b : board::all_boards()) {
      const media::AudioSessionConfig cfg = app::audio_session_config(*b, media::IceConfig{});
      EXPECT_EQ(cfg.board_rate, b->sample_rate) << b->name;
      auto session = std::make_unique<media::AudioSession>(loop, ctx, cert, cfg);  // ~100 KB: not on the stack
      ASSERT_TRUE(session->opus().ready()) << b->name;
      EXPECT_EQ(session->opus().complexity(), static_cast<int>(b->opus_complexity)) << b->name;
      EXPECT_EQ(session->opus().sample_rate(), b->sample_rate) << b->name;
      values.insert(session->opus().complexity());
    }
    // The boards do not all agree (nor with OpusConfig's default), so a
    // session that ignored the board would fail above.
    EXPECT_GT(values.size(), 1u);
    loop.detach_glib();
  }
  g_main_context_unref(ctx);
}

TEST(BoardAudio, OpusReportsTheComplexityItWasGiven) {
  static media::OpusCodec codec;  // ~70 KB
  EXPECT_EQ(codec.complexity(), -1);
  for (int c : {0, 1, 4, 10}) {
    media::OpusConfig cfg;
    cfg.complexity = c;
    cfg.pcm_rate = 16000;
    ASSERT_TRUE(codec.init(cfg));
    EXPECT_EQ(codec.complexity(), c);
  }
}

}  // namespace
}  // namespace dialtone
