// HTTP/1.1 serializers into caller buffers. They return the bytes written, or
// 0 when the message does not fit or a header would break the framing (CR/LF
// in a value, a bad name): never a truncated message.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/common/url.hpp"
#include "protocol/http/http_message.hpp"

namespace dialtone::protocol {

// Writes the request line, Host (with the port unless it is the scheme's
// default), Content-Length (when there is a body, or for POST/PUT/PATCH),
// then the caller's headers in order, then the body. The caller's headers
// must not repeat Host or Content-Length.
std::size_t write_http_request(std::span<char> out, std::string_view method, const Url& url,
                               std::span<const HttpHeader> headers, std::string_view body);

// Status line (reason from http_reason() when `reason` is empty),
// Content-Length, "Connection: close" unless keep_alive, the caller's headers,
// then the body.
std::size_t write_http_response(std::span<char> out, int status, std::span<const HttpHeader> headers,
                                std::string_view body, bool keep_alive = true, std::string_view reason = {});

}  // namespace dialtone::protocol
