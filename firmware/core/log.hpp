// Logging: one line per event on stderr, with a monotonic timestamp and a
// level. printf-style so a log call never allocates. Secrets never go through
// here: callers log identifiers (x-transaction-id, call ids), not tokens.
#pragma once
#include <cstdarg>

namespace dialtone {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void log_set_level(LogLevel level);
LogLevel log_level();
void log_write(LogLevel level, const char* module, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace dialtone

#define DT_LOGD(mod, ...) ::dialtone::log_write(::dialtone::LogLevel::kDebug, mod, __VA_ARGS__)
#define DT_LOGI(mod, ...) ::dialtone::log_write(::dialtone::LogLevel::kInfo, mod, __VA_ARGS__)
#define DT_LOGW(mod, ...) ::dialtone::log_write(::dialtone::LogLevel::kWarn, mod, __VA_ARGS__)
#define DT_LOGE(mod, ...) ::dialtone::log_write(::dialtone::LogLevel::kError, mod, __VA_ARGS__)
