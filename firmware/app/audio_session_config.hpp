// What a board makes of a call's audio session: the codec runs at the
// board's sample rate with the Opus complexity chosen for its CPU
// (board/boards.cpp); the ICE settings come from the configuration.
#pragma once
#include "board/board.hpp"
#include "media/session/audio_session.hpp"

namespace dialtone::app {

inline media::AudioSessionConfig audio_session_config(const board::BoardDescription& board,
                                                      const media::IceConfig& ice) {
  media::AudioSessionConfig c;
  c.ice = ice;
  c.board_rate = board.sample_rate;
  c.opus.complexity = board.opus_complexity;
  return c;
}

}  // namespace dialtone::app
