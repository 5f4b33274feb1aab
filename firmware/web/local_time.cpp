#include "firmware/web/local_time.hpp"

#include <ctime>

namespace dialtone::web {
namespace {

bool local_tm(std::int64_t ms, std::tm& tm) {
  if (ms <= 0) return false;
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  return localtime_r(&t, &tm) != nullptr;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

void append_local_time(std::int64_t unix_ms, Html& out) {
  std::tm tm{};
  char text[32];
  if (!local_tm(unix_ms, tm) || !std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm)) {
    out.append("-");
    return;
  }
  out.append(text);
}

void append_zone(std::int64_t unix_ms, Html& out) {
  std::tm tm{};
  char text[16];
  if (local_tm(unix_ms, tm) && std::strftime(text, sizeof text, "%Z", &tm)) out.append(text);
}

std::int64_t parse_iso_utc(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
    return 0;
  std::size_t at = 19;
  int ms = 0;
  if (at < s.size() && s[at] == '.') {
    int scale = 100;
    for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at) {
      ms += (s[at] - '0') * scale;
      scale /= 10;
    }
  }
  std::string_view zone = s.substr(at);
  if (zone != "Z" && zone != "+00:00" && zone != "") return 0;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return 0;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t t = timegm(&tm);
  if (t <= 0) return 0;
  return static_cast<std::int64_t>(t) * 1000 + ms;
}

}  // namespace dialtone::web
