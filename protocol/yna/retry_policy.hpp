// Retry policy of yna-wire.md section 2, as a sans-I/O engine for one request.
//
// - 408, 429, 500, 502, 503, 504 and connection failures are retried after
//   0.5 s, 1 s, 2 s, each times a random factor in [0.8, 1.2], at most 4
//   tries in all (only for requests whose rules allow it: status, the
//   call-progress posts, end, start). 400, 403, 404 are never retried.
// - 401: refresh the access token once, then repeat the request once. A
//   failed refresh makes the line unlinked.
// The caller keeps the request's x-transaction-id across tries and signs a
// fresh PoP token for every try; this engine only decides what comes next.
#pragma once
#include <cstdint>

#include "firmware/core/clock.hpp"

namespace dialtone::protocol::yna {

struct RetryRules {
  bool retry_transient = true;  // 408/429/5xx/connection failures
  bool refresh_on_401 = true;   // false for /oauth/token (Basic credentials)
};

// 408, 429, 500, 502, 503, 504.
bool retryable_status(int status);

// Delay before try number `failed_tries + 1`: 500 ms * 2^(failed_tries-1)
// times 0.8 + 0.4 * random / 2^32.
TimeMs retry_backoff_ms(int failed_tries, std::uint32_t random);

enum class RetryStep : std::uint8_t {
  kDone,      // hand the result to the caller
  kRetry,     // send again at `at` (same x-transaction-id, fresh PoP)
  kRefresh,   // refresh the access token, then call on_refreshed()
  kUnlinked,  // the refresh failed: the line must be linked again
};
const char* to_string(RetryStep s);

struct RetryDecision {
  RetryStep step = RetryStep::kDone;
  TimeMs at = 0;
};

class RetryPolicy {
 public:
  static constexpr int kMaxTries = 4;

  void reset(RetryRules rules) {
    rules_ = rules;
    tries_ = 1;
    refreshed_ = false;
  }
  // The outcome of the current try: an HTTP status, or a connection failure
  // (status ignored). `random` feeds the jitter.
  RetryDecision on_result(TimeMs now, int status, bool connection_failure, std::uint32_t random);
  // After kRefresh: ok -> repeat at once; else kUnlinked.
  RetryDecision on_refreshed(TimeMs now, bool ok);
  // Called by the owner when it actually sends a repeat.
  int tries() const { return tries_; }

 private:
  RetryRules rules_{};
  int tries_ = 1;
  bool refreshed_ = false;
};

}  // namespace dialtone::protocol::yna
