#include "protocol/yna/retry_policy.hpp"

namespace dialtone::protocol::yna {

bool retryable_status(int status) {
  switch (status) {
    case 408: case 429: case 500: case 502: case 503: case 504: return true;
    default: return false;
  }
}

TimeMs retry_backoff_ms(int failed_tries, std::uint32_t random) {
  if (failed_tries < 1) failed_tries = 1;
  if (failed_tries > 8) failed_tries = 8;
  TimeMs base = TimeMs{500} << (failed_tries - 1);
  // factor in [0.8, 1.2): integer arithmetic, no floating point needed.
  std::uint64_t permille = 800 + (static_cast<std::uint64_t>(random) * 400 >> 32);
  return static_cast<TimeMs>(static_cast<std::uint64_t>(base) * permille / 1000);
}

const char* to_string(RetryStep s) {
  switch (s) {
    case RetryStep::kDone: return "done";
    case RetryStep::kRetry: return "retry";
    case RetryStep::kRefresh: return "refresh";
    case RetryStep::kUnlinked: return "unlinked";
  }
  return "?";
}

RetryDecision RetryPolicy::on_result(TimeMs now, int status, bool connection_failure, std::uint32_t random) {
  if (!connection_failure && status == 401) {
    if (rules_.refresh_on_401 && !refreshed_) return {RetryStep::kRefresh, now};
    return {RetryStep::kDone, now};
  }
  bool transient = connection_failure || retryable_status(status);
  if (transient && rules_.retry_transient && tries_ < kMaxTries) {
    TimeMs at = now + retry_backoff_ms(tries_, random);
    ++tries_;
    return {RetryStep::kRetry, at};
  }
  return {RetryStep::kDone, now};
}

RetryDecision RetryPolicy::on_refreshed(TimeMs now, bool ok) {
  if (!ok) return {RetryStep::kUnlinked, now};
  refreshed_ = true;
  ++tries_;
  return {RetryStep::kRetry, now};
}

}  // namespace dialtone::protocol::yna
