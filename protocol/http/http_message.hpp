// HTTP/1.1 pieces shared by the parser, the writers and the client.
#pragma once
#include <optional>
#include <span>
#include <string_view>

#include "firmware/core/ascii.hpp"

namespace dialtone::protocol {

struct HttpHeader {
  std::string_view name;
  std::string_view value;
};

// ASCII case-insensitive comparison (header names are case-insensitive).
using dialtone::ascii_iequals;

// First header with this name (case-insensitive); nullopt when absent.
std::optional<std::string_view> find_header(std::span<const HttpHeader> headers, std::string_view name);

// A header name is an RFC 9110 token; a value has no CR, LF or NUL. The
// writers refuse anything else, so no caller can inject a header line.
bool valid_header_name(std::string_view name);
bool valid_header_value(std::string_view value);

// Standard reason phrase, or "" for codes without one here.
const char* http_reason(int status);

}  // namespace dialtone::protocol
