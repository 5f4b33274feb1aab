// The audio codec of the board, seen as one thing: every 20 ms it hands over
// one captured frame (the microphone) and takes one frame to play (the
// earpiece). The device is the clock of the whole media path, as a sound card
// is; backends that have no clock of their own (WAV files) pace themselves on
// the event loop's timers in real time.
//
// Samples are mono signed 16-bit at sample_rate() (8000, 16000 or 48000).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/inplace_function.hpp"

namespace dialtone::hal {

class AudioDevice {
 public:
  // `playback` arrives zeroed; the handler fills what the earpiece should play.
  using FrameHandler = InplaceFunction<void(std::span<const std::int16_t> captured,
                                            std::span<std::int16_t> playback),
                                       32>;
  virtual ~AudioDevice() = default;

  // Starts the 20 ms frame clock. False (and a logged reason) when the device
  // cannot be opened.
  virtual bool start(EventLoop& loop, FrameHandler handler) = 0;
  virtual void stop() = 0;
  // Nothing to capture or play (on hook, no tone, no call): the device may
  // stop its frame clock, so the agent wakes only for its network, until
  // set_idle(false). Never called from inside the frame handler.
  virtual void set_idle(bool idle) = 0;
  virtual bool idle() const = 0;
  virtual std::uint32_t sample_rate() const = 0;
  std::size_t frame_samples() const { return sample_rate() / 50; }
};

}  // namespace dialtone::hal
