// HTTP/1.1 client on the event loop over TransportPool streams (https:// on
// TLS, http:// on TCP). limits::kHttpClientSlots requests run at once; an
// idle keep-alive connection to the same origin is reused, and a request that
// fails on a reused connection before any answer byte is retried once on a
// fresh one (the server may have closed it while idle). Each request has its
// own timeout (connect + send + complete answer).
//
// The completion callback gets an HttpResult; its views (headers, body)
// point into the slot's parser and are valid only during the callback. The
// callback may issue new requests.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/inplace_function.hpp"
#include "protocol/common/url.hpp"
#include "protocol/http/http_parser.hpp"
#include "protocol/tls/connect_failure.hpp"
#include "protocol/tls/transport_pool.hpp"

namespace dialtone::protocol {

enum class HttpClientError : std::uint8_t {
  kNone,        // `status` is the server's answer (any code, 4xx/5xx included)
  kBadRequest,  // bad URL, or the request does not fit / has an invalid header
  kNoSlot,      // every slot busy
  kConnect,     // see `stream` (refused, certificate, reset, ...)
  kTimeout,
  kClosed,      // the connection ended before a complete answer
  kResponse,    // the answer broke HTTP or our limits (see `parse`)
};
const char* to_string(HttpClientError e);

struct HttpRequest {
  std::string_view method = "GET";
  std::string_view url;                  // https://host[:port]/path?query
  std::span<const HttpHeader> headers;   // caller-built, sent in order (Authorization, X-Authorization, ...)
  std::string_view body;
  TimeMs timeout_ms = 10000;
};

struct HttpResult {
  HttpClientError error = HttpClientError::kNone;
  StreamError stream = StreamError::kNone;
  HttpParseError parse = HttpParseError::kNone;
  int status = 0;
  std::span<const HttpHeader> headers;
  std::string_view body;
  // kConnect, kTimeout: the sentence for a person ("cannot reach
  // 127.0.0.1:8443: connection refused"); else empty.
  std::string_view reason;
  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
  // Retry-After in seconds (the delta-seconds form; an HTTP-date gives nullopt).
  std::optional<std::int64_t> retry_after_s() const;
  std::optional<std::string_view> location() const { return header("Location"); }
  bool ok() const { return error == HttpClientError::kNone; }
};

using HttpCallback = InplaceFunction<void(const HttpResult&), 48>;

class HttpClient {
 public:
  HttpClient(EventLoop& loop, TransportPool& pool);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Everything in `req` is copied before this returns. False when the request
  // cannot start (no slot, bad URL, too large); the callback is not called then.
  bool send(const HttpRequest& req, HttpCallback done);
  // Drops every request and connection; no callbacks.
  void cancel_all();
  std::size_t in_flight() const;

 private:
  struct Slot {
    enum class State : std::uint8_t { kFree, kIdle, kBusy, kInCallback };
    State state = State::kFree;
    Stream* stream = nullptr;
    bool reused = false;
    bool got_bytes = false;
    bool secure = false;
    FixedString<limits::kHostMax> host;
    std::uint16_t port = 0;
    std::uint32_t gen = 0;
    TimerId timer;
    HttpCallback done;
    std::size_t req_len = 0;
    TimeMs timeout_ms = 0;
    char req[limits::kHttpRequestMax];
    HttpResponseParser parser;
  };

  bool start(Slot& s, bool reuse);
  void on_stream(Slot& s, StreamEvent ev, StreamError err);
  void on_readable(Slot& s);
  void complete(Slot& s, HttpResult r);
  // kConnect / kTimeout, with the sentence saying why.
  void fail_connect(Slot& s, HttpClientError e, StreamError se, std::string_view what);
  void drop_connection(Slot& s);
  std::size_t index(const Slot& s) const { return static_cast<std::size_t>(&s - slots_); }

  EventLoop& loop_;
  TransportPool& pool_;
  std::uint32_t gen_ = 0;
  Slot slots_[limits::kHttpClientSlots];
  char reason_[kConnectFailureMax];  // HttpResult::reason; one callback runs at a time
};

}  // namespace dialtone::protocol
