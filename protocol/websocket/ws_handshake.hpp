// The RFC 6455 opening handshake (section 4): the upgrade request with the
// caller's extra headers (Authorization, X-Authorization, ...) and the check
// of the server's 101 answer.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/random.hpp"
#include "protocol/common/url.hpp"
#include "protocol/http/http_parser.hpp"

namespace dialtone::protocol {

inline constexpr std::size_t kWsKeyLen = 24;     // base64 of 16 random bytes
inline constexpr std::size_t kWsAcceptLen = 28;  // base64 of a SHA-1

bool ws_make_key(Csprng& rng, std::span<char, kWsKeyLen> out);
void ws_accept_for(std::string_view key, std::span<char, kWsAcceptLen> out);

// GET request for url.target with Upgrade/Connection/Sec-WebSocket-Key/
// Sec-WebSocket-Version and then `extra`; 0 when it does not fit or a header
// is invalid.
std::size_t write_ws_upgrade(std::span<char> out, const Url& url, std::string_view key,
                             std::span<const HttpHeader> extra);

enum class WsUpgradeError : std::uint8_t {
  kOk,
  kRefused,        // status is not 101 (see the parser's status())
  kNoUpgrade,      // Upgrade: websocket missing
  kNoConnection,   // Connection: upgrade missing
  kBadAccept,      // Sec-WebSocket-Accept does not match our key
  kUnwantedExtension,  // the server chose an extension or subprotocol we did not offer
};
const char* to_string(WsUpgradeError e);
WsUpgradeError ws_check_upgrade(const HttpResponseParser& response, std::string_view key);

}  // namespace dialtone::protocol
