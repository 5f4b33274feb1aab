#include "firmware/core/log.hpp"

#include <cstdio>
#include <ctime>

namespace dialtone {
namespace {
LogLevel g_level = LogLevel::kInfo;
const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "?";
}
}  // namespace

void log_set_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }

void log_write(LogLevel level, const char* module, const char* fmt, ...) {
  if (level < g_level) return;
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  char line[1024];
  int n = std::snprintf(line, sizeof line, "%5ld.%03ld %-5s %-8s ", static_cast<long>(ts.tv_sec),
                        ts.tv_nsec / 1000000, level_name(level), module);
  if (n < 0) return;
  va_list ap;
  va_start(ap, fmt);
  int m = std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n) - 1, fmt, ap);
  va_end(ap);
  size_t len = static_cast<size_t>(n) + (m < 0 ? 0 : static_cast<size_t>(m));
  if (len > sizeof line - 2) len = sizeof line - 2;
  line[len++] = '\n';
  std::fwrite(line, 1, len, stderr);
}

}  // namespace dialtone
