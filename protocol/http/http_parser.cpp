#include "protocol/http/http_parser.hpp"

#include <climits>
#include <cstring>

namespace dialtone::protocol {

const char* to_string(HttpParseError e) {
  switch (e) {
    case HttpParseError::kNone: return "none";
    case HttpParseError::kHeadersTooLarge: return "headers too large";
    case HttpParseError::kTooManyHeaders: return "too many headers";
    case HttpParseError::kBodyTooLarge: return "body too large";
    case HttpParseError::kMalformed: return "malformed message";
    case HttpParseError::kIncomplete: return "connection closed before the message ended";
  }
  return "?";
}

const http_parser_settings HttpMessageParser::kSettings = [] {
  http_parser_settings s{};
  s.on_url = &HttpMessageParser::on_url;
  s.on_header_field = &HttpMessageParser::on_header_field;
  s.on_header_value = &HttpMessageParser::on_header_value;
  s.on_headers_complete = &HttpMessageParser::on_headers_complete;
  s.on_body = &HttpMessageParser::on_body;
  s.on_message_complete = &HttpMessageParser::on_message_complete;
  return s;
}();

HttpMessageParser::HttpMessageParser(Kind kind) : kind_(kind) {
  // http-parser's own cap on the bytes before the body (a process-wide
  // setting; every parser of ours shares this limit).
  http_parser_set_max_header_size(static_cast<std::uint32_t>(limits::kHttpHeaderMax));
  reset();
}

void HttpMessageParser::reset() {
  http_parser_init(&parser_, kind_ == Kind::kRequest ? HTTP_REQUEST : HTTP_RESPONSE);
  parser_.data = this;
  error_ = HttpParseError::kNone;
  headers_done_ = complete_ = no_body_ = in_value_ = keep_alive_ = false;
  hdr_used_ = url_len_ = body_len_ = 0;
  headers_.clear();
}

bool HttpMessageParser::store(const char* at, std::size_t n) {
  if (n > sizeof hdr_ - hdr_used_) return false;
  std::memcpy(hdr_ + hdr_used_, at, n);
  hdr_used_ += n;
  return true;
}

// Pieces of one header arrive over several callbacks when the input is split;
// they are contiguous in hdr_ because nothing else is stored in between.
int HttpMessageParser::on_url(http_parser* p, const char* at, std::size_t n) {
  auto* self = static_cast<HttpMessageParser*>(p->data);
  if (!self->store(at, n)) return self->fail(HttpParseError::kHeadersTooLarge);
  self->url_len_ += n;
  return 0;
}

int HttpMessageParser::on_header_field(http_parser* p, const char* at, std::size_t n) {
  auto* self = static_cast<HttpMessageParser*>(p->data);
  if (self->headers_.empty() || self->in_value_) {
    if (!self->headers_.push_back(HttpHeader{{self->hdr_ + self->hdr_used_, 0}, {}}))
      return self->fail(HttpParseError::kTooManyHeaders);
    self->in_value_ = false;
  }
  if (!self->store(at, n)) return self->fail(HttpParseError::kHeadersTooLarge);
  HttpHeader& h = self->headers_.back();
  h.name = {h.name.data(), h.name.size() + n};
  return 0;
}

int HttpMessageParser::on_header_value(http_parser* p, const char* at, std::size_t n) {
  auto* self = static_cast<HttpMessageParser*>(p->data);
  HttpHeader& h = self->headers_.back();
  if (!self->in_value_) {
    h.value = {self->hdr_ + self->hdr_used_, 0};
    self->in_value_ = true;
  }
  if (!self->store(at, n)) return self->fail(HttpParseError::kHeadersTooLarge);
  h.value = {h.value.data(), h.value.size() + n};
  return 0;
}

int HttpMessageParser::on_headers_complete(http_parser* p) {
  auto* self = static_cast<HttpMessageParser*>(p->data);
  self->headers_done_ = true;
  self->keep_alive_ = http_should_keep_alive(p) != 0;
  if (p->content_length != ULLONG_MAX && p->content_length > limits::kHttpBodyMax)
    return self->fail(HttpParseError::kBodyTooLarge);
  // Returning 1 tells http-parser there is no body. For a 101 this also makes
  // it stop right after the headers, whatever Transfer-Encoding claims, so no
  // WebSocket byte is eaten (nodejs/node #17789).
  if (self->kind_ == Kind::kResponse && (self->no_body_ || p->status_code == 101)) return 1;
  return 0;
}

int HttpMessageParser::on_body(http_parser* p, const char* at, std::size_t n) {
  auto* self = static_cast<HttpMessageParser*>(p->data);
  if (n > sizeof self->body_ - self->body_len_) return self->fail(HttpParseError::kBodyTooLarge);
  std::memcpy(self->body_ + self->body_len_, at, n);
  self->body_len_ += n;
  return 0;
}

int HttpMessageParser::on_message_complete(http_parser* p) {
  auto* self = static_cast<HttpMessageParser*>(p->data);
  self->complete_ = true;
  http_parser_pause(p, 1);  // stop here: what follows is not this message's
  return 0;
}

HttpFeedResult HttpMessageParser::feed(std::span<const std::uint8_t> data) {
  if (error_ != HttpParseError::kNone) return {HttpParseStatus::kError, 0};
  if (complete_) return {HttpParseStatus::kComplete, 0};
  if (data.empty()) return {HttpParseStatus::kNeedMore, 0};
  std::size_t n = http_parser_execute(&parser_, &kSettings, reinterpret_cast<const char*>(data.data()), data.size());
  if (error_ != HttpParseError::kNone) return {HttpParseStatus::kError, n};
  if (complete_) return {HttpParseStatus::kComplete, n};
  http_errno e = HTTP_PARSER_ERRNO(&parser_);
  if (e != HPE_OK) {
    error_ = e == HPE_HEADER_OVERFLOW ? HttpParseError::kHeadersTooLarge : HttpParseError::kMalformed;
    return {HttpParseStatus::kError, n};
  }
  return {HttpParseStatus::kNeedMore, n};
}

HttpParseStatus HttpMessageParser::finish() {
  if (error_ != HttpParseError::kNone) return HttpParseStatus::kError;
  if (complete_) return HttpParseStatus::kComplete;
  http_parser_execute(&parser_, &kSettings, nullptr, 0);
  if (complete_) return HttpParseStatus::kComplete;
  if (error_ == HttpParseError::kNone) error_ = HttpParseError::kIncomplete;
  return HttpParseStatus::kError;
}

const char* HttpMessageParser::detail() const { return http_errno_name(HTTP_PARSER_ERRNO(&parser_)); }

int HttpMessageParser::status() const { return static_cast<int>(parser_.status_code); }

std::string_view HttpMessageParser::method() const {
  return http_method_str(static_cast<http_method>(parser_.method));
}

std::string_view HttpMessageParser::path() const {
  std::string_view t = target();
  return t.substr(0, t.find('?'));
}

std::string_view HttpMessageParser::query() const {
  std::string_view t = target();
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

bool HttpMessageParser::keep_alive() const { return headers_done_ && keep_alive_; }

bool HttpMessageParser::upgrade() const { return parser_.upgrade != 0; }

}  // namespace dialtone::protocol
