// The built-in dial plan of each country, as data; the board's tone plan
// names the country. These apply whenever no plan fetched from Kazoo does.
//
// Choices where the numbering leaves room for doubt:
// - US "N11" (411, 611, ...) dials at once although it begins a ten-digit
//   number of the [2-9]XX[2-9]XXXXXX shape: N11 is never an area code, so no
//   real number is cut short.
// - US "1" waits: it begins 1 + ten digits. "1911" is not an emergency call
//   (only "911" is); it begins "1 911-NXX-XXXX", so it waits, and on '#' or
//   the timeout goes as dialled like any unknown string. "911" alone dials at
//   once before a "1" could matter.
// - US "112" and "999" are not special: they go as dialled on '#' or the
//   timeout.
// - UK "0 + 10 digits" is 0 then a digit 1-9: no UK national number starts
//   "00", and a plain "0XXXXXXXXXX" would otherwise swallow the first eleven
//   digits of every "00" international number.
// - International numbers ("011"/"00" + digits) take 1 to 15 digits (E.164's
//   limit) after the prefix; longer strings match nothing and go as dialled.
#pragma once
#include <array>
#include <string_view>

#include "firmware/dialplan/dial_plan.hpp"

namespace dialtone::dialplan {

inline constexpr std::array kRulesUs{
    Rule{.name = "emergency", .friendly_name = "Emergency Dispatcher", .pattern = "911",
         .send = Send::kAtOnce, .emergency = true},
    Rule{.name = "service", .friendly_name = "N11 service code", .pattern = "N11", .send = Send::kAtOnce},
    Rule{.name = "did_us", .friendly_name = "US DID", .pattern = "[2-9]XX[2-9]XXXXXX",
         .form = Form::kE164, .strip = "", .country_code = "1", .send = Send::kAtOnce},
    Rule{.name = "did_us", .friendly_name = "US DID", .pattern = "1[2-9]XX[2-9]XXXXXX",
         .form = Form::kE164, .strip = "1", .country_code = "1", .send = Send::kAtOnce},
    Rule{.name = "international", .friendly_name = "International", .pattern = "011X{1,15}",
         .form = Form::kE164, .strip = "011", .country_code = "", .send = Send::kOnTerminate},
};

inline constexpr std::array kRulesUk{
    Rule{.name = "emergency", .friendly_name = "Emergency Dispatcher", .pattern = "999",
         .send = Send::kAtOnce, .emergency = true},
    Rule{.name = "emergency", .friendly_name = "Emergency Dispatcher", .pattern = "112",
         .send = Send::kAtOnce, .emergency = true},
    Rule{.name = "did_uk", .friendly_name = "UK national", .pattern = "0[1-9]X{9}",
         .form = Form::kE164, .strip = "0", .country_code = "44", .send = Send::kAtOnce},
    Rule{.name = "international", .friendly_name = "International", .pattern = "00X{1,15}",
         .form = Form::kE164, .strip = "00", .country_code = "", .send = Send::kOnTerminate},
};

inline constexpr DialPlan kDialPlanUs{.country = "us", .rules = kRulesUs};
inline constexpr DialPlan kDialPlanUk{.country = "uk", .rules = kRulesUk};

static_assert(valid_plan(kDialPlanUs));
static_assert(valid_plan(kDialPlanUk));

// The built-in plan for a tone plan's country ("us", "uk"); nullptr if none.
const DialPlan* find_dial_plan(std::string_view country);

}  // namespace dialtone::dialplan
