// The YNA REST client (yna-wire.md sections 2-4 and the call endpoints of
// section 6) on the protocol HttpClient.
//
// Every request carries Authorization (Bearer <access token>, or Basic
// client credentials for /oauth/token), X-Authorization (a PoP token signed
// fresh for every try), x-transaction-id (one UUIDv4 per request, kept across
// its retries), Accept: application/json, and Content-Type with a body.
// Retries follow RetryPolicy; a 401 asks YnaAuth for a refresh once and then
// repeats the request once.
//
// Logs name the x-transaction-id, never a token or key.
//
// Requests live in limits::kYnaRequestsMax fixed slots (URL and body copied
// in, so retries can resend them). The completion's views are valid only
// during the callback.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "protocol/http/http_client.hpp"
#include "protocol/pop/pop_token.hpp"
#include "protocol/yna/retry_policy.hpp"

namespace dialtone::protocol::yna {

enum class Endpoint : std::uint8_t {
  kToken,  // POST {auth_url}/oauth/token
  kStatus, // GET {api_url}/account/status
  kUnlink, // DELETE {api_url}/account/unlink
  kStart,  // POST {call_url}/start
  kInProgress, kRinging, kProceeding, kConnected, kHold, kAcceptHold, kResume, kAcceptResume, kRenegotiate,
  kEnd,    // DELETE {call_url}/end/{callId}
};
const char* endpoint_name(Endpoint e);  // "inProgress", "ringing", ... (the path's first segment)

struct YnaEndpoints {
  FixedString<limits::kUrlMax> auth_url, api_url, call_url;
  FixedString<128> client_id;
  FixedString<256> client_secret;
};

// ErrorInfo {"errors":[{reasonCode,systemMessage,userMessage}]} or
// CallProxyError {returnCode,status}.
struct YnaError {
  bool present = false;
  FixedString<64> reason_code;  // ErrorInfo reasonCode, or CallProxyError status
  FixedString<160> message;     // systemMessage (or userMessage)
  int return_code = 0;          // CallProxyError returnCode
};
bool parse_yna_error(std::string_view body, YnaError& out);

struct YnaResult {
  enum class Kind : std::uint8_t {
    kOk,            // 2xx
    kHttpError,     // any other status (after retries); `error` may be filled
    kTransport,     // no answer after retries (connect, TLS, timeout, ...)
    kUnlinked,      // 401, and the refresh failed: the line must be linked again
    kNotSent,       // could not be built (bad URL, too large, no PoP key)
  };
  Kind kind = Kind::kNotSent;
  Endpoint endpoint = Endpoint::kStatus;
  int status = 0;
  int tries = 0;
  std::string_view body;
  std::optional<std::int64_t> retry_after_s;
  HttpClientError transport = HttpClientError::kNone;
  StreamError stream = StreamError::kNone;
  std::string_view reason;      // kTransport: why, in words (HttpResult::reason)
  std::string_view txid;
  const YnaError* error = nullptr;
  bool ok() const { return kind == Kind::kOk; }
};
const char* to_string(YnaResult::Kind k);

using YnaCallback = InplaceFunction<void(const YnaResult&), 48>;

// The token side, implemented by the line.
class YnaAuth {
 public:
  virtual ~YnaAuth() = default;
  virtual std::string_view access_token() const = 0;
  // A request got 401: refresh (once for everything waiting), then call
  // YnaRestClient::on_refresh_result().
  virtual void refresh_needed() = 0;
};

// Wall-clock Unix seconds for PoP iat; replaceable in tests.
using UnixClock = std::int64_t (*)();

class YnaRestClient {
 public:
  YnaRestClient(EventLoop& loop, HttpClient& http, PopSigner& pop, Csprng& rng, YnaAuth& auth);
  YnaRestClient(const YnaRestClient&) = delete;
  YnaRestClient& operator=(const YnaRestClient&) = delete;

  void set_endpoints(const YnaEndpoints& e) { ep_ = e; }
  void set_clock(UnixClock c) { clock_ = c; }
  void set_timeout(TimeMs t) { timeout_ms_ = t; }

  // Account side. False when the request cannot start (no free slot, too
  // large); the callback is not called then.
  bool token_from_code(std::string_view code, std::string_view redirect_uri, YnaCallback done);
  bool token_refresh(std::string_view refresh_token, YnaCallback done);
  bool account_status(YnaCallback done);
  bool account_unlink(YnaCallback done);

  // Call side (yna-wire.md section 6), for the call layer.
  bool start_call(std::string_view to, std::string_view from, std::string_view sdp, std::string_view client_correlator,
                  YnaCallback done);
  // kInProgress ... kRenegotiate; `sdp` empty: no body.
  bool call_post(Endpoint ep, std::string_view call_id, std::string_view sdp, YnaCallback done);
  // DELETE /end/{callId} with header `reason` (Terminated, Declined, Busy, ...).
  bool end_call(std::string_view call_id, std::string_view reason, YnaCallback done);

  // After YnaAuth::refresh_needed().
  void on_refresh_result(bool ok);
  // Drops every request; no callbacks.
  void cancel_all();
  std::size_t in_use() const;

 private:
  enum class SlotState : std::uint8_t { kFree, kSending, kWaitRetry, kWaitRefresh };
  enum class AuthKind : std::uint8_t { kBearer, kBasic };
  struct Slot {
    SlotState state = SlotState::kFree;
    Endpoint endpoint = Endpoint::kStatus;
    AuthKind auth = AuthKind::kBearer;
    std::uint32_t gen = 0;
    const char* method = "GET";
    FixedString<limits::kUrlMax> url;
    FixedString<limits::kYnaBodyMax> body;
    FixedString<32> reason;  // the `reason` header of /end
    char txid[Csprng::kUuidLen + 1] = {};
    RetryPolicy policy;
    YnaCallback done;
    TimerId timer;
  };

  Slot* begin(Endpoint ep, const char* method, AuthKind auth, RetryRules rules);
  bool set_url(Slot& s, std::string_view base, std::string_view path, std::string_view query = {});
  bool submit(Slot& s, YnaCallback done);
  bool send_try(Slot& s);
  void on_http(std::size_t index, std::uint32_t gen, const HttpResult& r);
  void finish(Slot& s, YnaResult& res);
  void arm_retry(Slot& s, TimeMs at);
  std::uint32_t random32();
  std::size_t index(const Slot& s) const { return static_cast<std::size_t>(&s - slots_); }

  EventLoop& loop_;
  HttpClient& http_;
  PopSigner& pop_;
  Csprng& rng_;
  YnaAuth& auth_;
  YnaEndpoints ep_;
  UnixClock clock_;
  TimeMs timeout_ms_ = 10000;
  std::uint32_t gen_ = 0;
  YnaError error_;  // the last parsed error, for the callback
  // Scratch for one try: HttpClient copies the request before send() returns.
  FixedString<limits::kTokenMax + 16> authz_;
  FixedString<limits::kTokenMax> pop_token_;
  Slot slots_[limits::kYnaRequestsMax];
};

}  // namespace dialtone::protocol::yna
