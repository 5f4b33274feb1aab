// OAuth tokens of yna-wire.md section 3: the CPaaSTokenResponse parser, the
// stored-file format, and the TokenManager engine that says when to refresh
// (at 80 % of expires_in, or at once after a 401).
//
// Storage order is the caller's duty and the reason for `pending`: a new pair
// is parsed into TokenPair, written to disk atomically (mode 0600), and only
// then handed to TokenManager::set(), so the refresh token in use is never
// newer than the one on disk.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::protocol::yna {


struct TokenPair {
  FixedString<limits::kTokenMax> access;
  FixedString<limits::kTokenMax> refresh;
  std::int64_t expires_in_s = 0;
  std::int64_t obtained_unix_s = 0;  // wall clock when the server issued it
  bool empty() const { return access.empty(); }
};

enum class TokenError : std::uint8_t {
  kOk,
  kNotJson,
  kNotObject,
  kNoAccessToken,   // missing, empty or not a string
  kNoRefreshToken,
  kNoTokenType,
  kNotBearer,       // token_type other than Bearer
  kNoExpiresIn,     // missing, not an integer, or <= 0
  kTooLong,         // a token longer than limits::kTokenMax
  kNoObtainedTime,  // stored file: obtained_unix_s missing
};
const char* to_string(TokenError e);

// CPaaSTokenResponse -> pair; `now_unix_s` becomes obtained_unix_s.
TokenError parse_token_response(std::string_view body, std::int64_t now_unix_s, TokenPair& out);

// The stored file: {"access_token","refresh_token","expires_in","obtained_unix_s"}.
// Returns the length written, 0 when `out` is too small.
std::size_t serialize_tokens(const TokenPair& p, std::span<char> out);
TokenError parse_token_file(std::string_view text, TokenPair& out);

class TokenManager {
 public:
  // Makes `p` current (after it was stored). Refresh is due at 80 % of its
  // lifetime, measured from when it was issued (it may have been loaded from
  // disk long after).
  void set(const TokenPair& p, TimeMs now, std::int64_t now_unix_s);
  void clear();

  bool has_tokens() const { return !pair_.empty(); }
  const TokenPair& pair() const { return pair_; }
  std::string_view access_token() const { return pair_.access.view(); }
  std::string_view refresh_token() const { return pair_.refresh.view(); }

  // Refresh bookkeeping: one refresh at a time.
  bool refresh_due(TimeMs now) const { return has_tokens() && !refreshing_ && now >= refresh_at_; }
  TimeMs refresh_at() const { return has_tokens() ? refresh_at_ : kNever; }
  // A 401 asks for a refresh now; a transport failure retries after `delay`.
  void refresh_now(TimeMs now) { refresh_at_ = now; }
  void refresh_later(TimeMs at) { refresh_at_ = at; }
  bool begin_refresh();  // false when one is already running (or no tokens)
  void end_refresh() { refreshing_ = false; }
  bool refreshing() const { return refreshing_; }
  TimeMs next_wakeup() const { return refreshing_ ? kNever : refresh_at(); }

 private:
  TokenPair pair_;
  TimeMs refresh_at_ = kNever;
  bool refreshing_ = false;
};

}  // namespace dialtone::protocol::yna
