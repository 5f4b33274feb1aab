// Times on the owner's page: in the device's local time zone (TZ, or
// /etc/localtime), rendered by the server so the page needs no script.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/web/web_page.hpp"

namespace dialtone::web {

// Unix milliseconds as "2024-05-02 10:00" local time; "-" when unknown.
void append_local_time(std::int64_t unix_ms, Html& out);
// The local zone's abbreviation at that instant ("CEST", "UTC").
void append_zone(std::int64_t unix_ms, Html& out);
// "2024-05-02T10:00:00.000Z" (UTC, fraction optional, "Z" or "+00:00") as
// Unix milliseconds; 0 when it is not that shape.
std::int64_t parse_iso_utc(std::string_view s);

}  // namespace dialtone::web
