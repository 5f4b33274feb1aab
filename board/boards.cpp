#include "board/board.hpp"
#include "board/tone_plans.hpp"

namespace dialtone::board {
namespace {

using hal::GpioLine;
using hal::Key;
using hal::KeyLine;
using hal::LineBias;

// Opus complexity (bench/run.sh --opus; docs/boards.md, "Opus complexity",
// has the table). At the agent's 32 kbit/s, in frequency-weighted segmental
// SNR of the speech band, complexity 4 is the knee: at 16 kHz 0 -> 4 gains
// 2.3 dB for 2.3x the encoder's instructions, 4 -> 8 only 0.5 dB more for
// 1.9x again (48 kHz alike), and with libopus 1.3.1 4 measures as 5 does and
// 9 and 10 as 8.

// --- sim: the simulated board of the tests and the lab ---------------------
// 16 kHz (wideband, Opus's native rate, and a third of 48 kHz's work).
// Audio defaults to the file backend with no files: a silent microphone and
// a discarded earpiece, until the config's "audio" names real ones.
// Opus at the knee, 4: 1.46 M x86-64 instructions per 20 ms frame, 73 M a
// second, about 1 % of a PC's core.
constexpr BoardDescription kSim{
    .name = "sim",
    .summary = "simulated handset (control socket), WAV file audio",
    .sample_rate = 16000,
    .audio = {AudioBackend::kFile, "", ""},
    .simulated_handset = true,
    .gpio = {},
    .hardware_ringer = false,
    .tones = &kTonePlanUs,
    .opus_complexity = 4,
};

constexpr BoardDescription kSimUk = [] {
  BoardDescription b = kSim;
  b.name = "sim-uk";
  b.summary = "simulated handset, UK tones";
  b.tones = &kTonePlanUk;
  return b;
}();

// --- pi-handset: a Raspberry Pi in an old desk phone ------------------------
// USB audio codec (48 kHz; "plughw" lets ALSA convert channels if the codec is
// stereo-only). BCM line numbers on gpiochip0.
//
// Hook: a normally-open cradle microswitch between the line and ground, with
// the pull-up enabled. The resting handset holds it closed (low), lifting it
// opens it (high): off hook = high, so active_low = false. A normally-closed
// switch wired the same way reads the other way round: set active_low = true.
//
// Keys: one push button per key between the line and ground, pull-ups on:
// pressed = low, active_low = true.
//
// Ringer: the line drives the bell driver's enable input, active high.
//
// Opus complexity 1: the highest whose encoder stays within 5 % of the
// smallest core this board runs on, the Pi 3's Cortex-A53 at 1.2 GHz.
// Taking that in-order core at about one cycle per instruction counted on
// x86-64 (an estimate until counted on the board: the bench runs there
// too), each million instructions per 20 ms frame is ~4 % of it. At 48 kHz
// complexity 1 codes SILK wideband for 0.81 M per frame (~3.4 %); from 2 up
// libopus switches to hybrid fullband, spending bits above the 8 kHz a
// handset reproduces: 2 costs 1.35 M (~5.6 %) for +0.5 dB in the speech
// band, the knee 4 costs 1.71 M (~7 %) for +1.4 dB.
constexpr GpioLine key_line(int offset) { return GpioLine{offset, true, LineBias::kPullUp}; }

constexpr KeyLine kPiKeys[] = {
    {Key::k1, key_line(5)},   {Key::k2, key_line(6)},   {Key::k3, key_line(12)},
    {Key::k4, key_line(13)},  {Key::k5, key_line(16)},  {Key::k6, key_line(19)},
    {Key::k7, key_line(20)},  {Key::k8, key_line(21)},  {Key::k9, key_line(22)},
    {Key::kStar, key_line(23)}, {Key::k0, key_line(24)}, {Key::kHash, key_line(25)},
};

constexpr BoardDescription kPiHandset{
    .name = "pi-handset",
    .summary = "Raspberry Pi, USB codec, hook + 12 keys + bell on gpiochip0",
    .sample_rate = 48000,
    .audio = {AudioBackend::kAlsa, "plughw:CARD=Device,DEV=0", "plughw:CARD=Device,DEV=0"},
    .simulated_handset = false,
    .gpio =
        {
            .chip = "gpiochip0",
            .hook = {17, false, LineBias::kPullUp},
            .keys = kPiKeys,
            .ringer = {26, false, LineBias::kAsIs},
            .debounce_ms = 25,
        },
    .hardware_ringer = true,
    .tones = &kTonePlanUs,
    .opus_complexity = 1,
};

constexpr BoardDescription kPiHandsetUk = [] {
  BoardDescription b = kPiHandset;
  b.name = "pi-handset-uk";
  b.summary = "pi-handset with UK tones";
  b.tones = &kTonePlanUk;
  return b;
}();

constexpr const BoardDescription* kBoards[] = {&kSim, &kSimUk, &kPiHandset, &kPiHandsetUk};

constexpr const hal::TonePlan* kTonePlans[] = {&kTonePlanUs, &kTonePlanUk};

// The tables are checked where they are written.
constexpr bool valid(const BoardDescription& b) {
  if (b.sample_rate != 8000 && b.sample_rate != 16000 && b.sample_rate != 48000) return false;
  if (b.opus_complexity > 10) return false;
  // (b.tones is checked by the unit tests: comparing the address of an
  // inline variable with null is not a constant expression under ASan.)
  if (!b.simulated_handset) {
    if (!b.gpio.hook.fitted() || b.gpio.keys.size() > hal::HandsetDebounce::kMaxKeys) return false;
    if (b.gpio.debounce_ms < 5 || b.gpio.debounce_ms > 100) return false;
  }
  if (b.hardware_ringer && (b.simulated_handset || !b.gpio.ringer.fitted())) return false;
  return true;
}
static_assert(valid(kSim) && valid(kSimUk) && valid(kPiHandset) && valid(kPiHandsetUk));

}  // namespace

const BoardDescription* find_board(std::string_view name) {
  for (const BoardDescription* b : kBoards)
    if (b->name == name) return b;
  return nullptr;
}

std::span<const BoardDescription* const> all_boards() { return kBoards; }

const hal::TonePlan* find_tone_plan(std::string_view country) {
  for (const hal::TonePlan* p : kTonePlans)
    if (p->country == country) return p;
  return nullptr;
}

}  // namespace dialtone::board
