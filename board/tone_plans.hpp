// Tone plans by country, as data.
//
// North America: the "precise tone plan" (ANSI T1.401 / Telcordia GR-506)
// frequencies, cadences and levels (dBm0 per component).
// United Kingdom: BT SIN 350. The UK has no standard off-hook warning of the
// North American kind (BT's "howler" is a swept tone); the four-tone ROH is
// used as a stand-in.
#pragma once
#include "hal/tone_plan.hpp"

namespace dialtone::board {

using hal::Cadence;
using hal::ToneSpec;

inline constexpr Cadence kContinuous{};

inline constexpr hal::TonePlan kTonePlanUs{
    .country = "us",
    .dial = {{350, 440}, 2, -13.0f, kContinuous},
    .ringback = {{440, 480}, 2, -19.0f, {{2000, 4000}, 2, true}},
    .busy = {{480, 620}, 2, -24.0f, {{500, 500}, 2, true}},
    .reorder = {{480, 620}, 2, -24.0f, {{250, 250}, 2, true}},
    // Loud on purpose (it is a warning); four at -10 dBm0 still peak below full scale.
    .off_hook_warning = {{1400, 2060, 2450, 2600}, 4, -10.0f, {{100, 100}, 2, true}},
    // One 300 ms burst, repeated once ten seconds later.
    .call_waiting = {{440}, 1, -13.0f, {{300, 9700, 300}, 3, false}},
    // Boards without a bell play this into the earpiece, on the ringer's cadence.
    .ring = {{440, 480}, 2, -13.0f, {{2000, 4000}, 2, true}},
    .timing = {},
};

inline constexpr hal::TonePlan kTonePlanUk{
    .country = "uk",
    .dial = {{350, 450}, 2, -13.0f, kContinuous},
    .ringback = {{400, 450}, 2, -19.0f, {{400, 200, 400, 2000}, 4, true}},
    .busy = {{400}, 1, -19.0f, {{375, 375}, 2, true}},
    // Congestion tone.
    .reorder = {{400}, 1, -19.0f, {{400, 350, 225, 525}, 4, true}},
    .off_hook_warning = {{1400, 2060, 2450, 2600}, 4, -10.0f, {{100, 100}, 2, true}},
    .call_waiting = {{400}, 1, -13.0f, {{100, 2500, 100}, 3, false}},
    .ring = {{400, 450}, 2, -13.0f, {{400, 200, 400, 2000}, 4, true}},
    .timing = {},
};

}  // namespace dialtone::board
