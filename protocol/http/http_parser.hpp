// Incremental HTTP/1.1 message parser (requests for the local web page,
// responses for the client) over Debian's http-parser. Pure: bytes in, a
// status or a named error out. Headers and body land in fixed buffers sized
// by limits.hpp; the views it hands out stay valid until reset().
//
// One message at a time: after kComplete the parser stops (bytes past the
// message are not consumed: the next pipelined message, or after a 101 the
// first WebSocket bytes) until reset().
#pragma once
#include <http_parser.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "protocol/http/http_message.hpp"

namespace dialtone::protocol {

enum class HttpParseError : std::uint8_t {
  kNone,
  kHeadersTooLarge,  // request/status line + headers > limits::kHttpHeaderMax
  kTooManyHeaders,   // > limits::kHttpHeadersMax header lines
  kBodyTooLarge,     // body > limits::kHttpBodyMax (Content-Length or as received)
  kMalformed,        // http-parser refused it; detail() names its errno
  kIncomplete,       // the peer closed before the message ended
};
const char* to_string(HttpParseError e);

enum class HttpParseStatus : std::uint8_t { kNeedMore, kComplete, kError };

struct HttpFeedResult {
  HttpParseStatus status;
  std::size_t consumed;  // bytes of the input that belong to this message
};

class HttpMessageParser {
 public:
  enum class Kind : std::uint8_t { kRequest, kResponse };
  explicit HttpMessageParser(Kind kind);
  HttpMessageParser(const HttpMessageParser&) = delete;
  HttpMessageParser& operator=(const HttpMessageParser&) = delete;

  void reset();
  // The response answers a HEAD request: whatever its headers say, no body.
  void expect_no_body() { no_body_ = true; }

  HttpFeedResult feed(std::span<const std::uint8_t> data);
  HttpFeedResult feed(std::string_view data) {
    return feed({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
  }
  // The peer closed the stream: ends a body delimited by the close, or kIncomplete.
  HttpParseStatus finish();

  HttpParseError error() const { return error_; }
  const char* detail() const;  // http-parser's errno name for kMalformed
  bool headers_complete() const { return headers_done_; }
  bool complete() const { return complete_; }

  // Responses
  int status() const;
  // Requests
  std::string_view method() const;
  std::string_view target() const { return {hdr_, url_len_}; }  // path + "?query"
  std::string_view path() const;
  std::string_view query() const;

  std::span<const HttpHeader> headers() const { return headers_.span(); }
  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers(), name); }
  std::string_view body() const { return {body_, body_len_}; }
  bool keep_alive() const;  // per HTTP/1.x rules and Connection:
  bool upgrade() const;     // a 101 (response) or an Upgrade request

 private:
  static int on_url(http_parser* p, const char* at, std::size_t n);
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_header_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_message_complete(http_parser* p);
  static const http_parser_settings kSettings;
  bool store(const char* at, std::size_t n);
  int fail(HttpParseError e) {
    error_ = e;
    return -1;
  }

  Kind kind_;
  http_parser parser_{};
  HttpParseError error_ = HttpParseError::kNone;
  bool headers_done_ = false;
  bool complete_ = false;
  bool no_body_ = false;
  bool in_value_ = false;
  bool keep_alive_ = false;
  std::size_t hdr_used_ = 0;
  std::size_t url_len_ = 0;
  std::size_t body_len_ = 0;
  FixedVector<HttpHeader, limits::kHttpHeadersMax> headers_;
  char hdr_[limits::kHttpHeaderMax];
  char body_[limits::kHttpBodyMax];
};

class HttpResponseParser : public HttpMessageParser {
 public:
  HttpResponseParser() : HttpMessageParser(Kind::kResponse) {}
};

class HttpRequestParser : public HttpMessageParser {
 public:
  HttpRequestParser() : HttpMessageParser(Kind::kRequest) {}
};

}  // namespace dialtone::protocol
