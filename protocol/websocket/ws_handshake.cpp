#include "protocol/websocket/ws_handshake.hpp"

#include "firmware/core/fixed_vector.hpp"
#include "protocol/common/base64.hpp"
#include "protocol/common/sha.hpp"
#include "protocol/http/http_writer.hpp"

namespace dialtone::protocol {

const char* to_string(WsUpgradeError e) {
  switch (e) {
    case WsUpgradeError::kOk: return "ok";
    case WsUpgradeError::kRefused: return "upgrade refused";
    case WsUpgradeError::kNoUpgrade: return "no Upgrade: websocket";
    case WsUpgradeError::kNoConnection: return "no Connection: upgrade";
    case WsUpgradeError::kBadAccept: return "Sec-WebSocket-Accept does not match";
    case WsUpgradeError::kUnwantedExtension: return "extension or subprotocol not offered";
  }
  return "?";
}

bool ws_make_key(Csprng& rng, std::span<char, kWsKeyLen> out) {
  std::uint8_t nonce[16];
  if (!rng.fill(nonce)) return false;
  return base64_encode(nonce, out).has_value();
}

void ws_accept_for(std::string_view key, std::span<char, kWsAcceptLen> out) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  char joined[kWsKeyLen + 36 + 8];
  std::size_t n = key.size() < kWsKeyLen + 8 ? key.size() : kWsKeyLen + 8;
  for (std::size_t i = 0; i < n; ++i) joined[i] = key[i];
  for (std::size_t i = 0; i < kGuid.size(); ++i) joined[n + i] = kGuid[i];
  Sha1Digest d = sha1(std::string_view(joined, n + kGuid.size()));
  base64_encode(d, out);
}

std::size_t write_ws_upgrade(std::span<char> out, const Url& url, std::string_view key,
                             std::span<const HttpHeader> extra) {
  FixedVector<HttpHeader, limits::kHttpHeadersMax> h;
  h.push_back({"Upgrade", "websocket"});
  h.push_back({"Connection", "Upgrade"});
  h.push_back({"Sec-WebSocket-Key", key});
  h.push_back({"Sec-WebSocket-Version", "13"});
  for (const HttpHeader& x : extra)
    if (!h.push_back(x)) return 0;
  return write_http_request(out, "GET", url, h.span(), {});
}

namespace {
// "keep-alive, Upgrade" contains the token "upgrade".
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view t = list.substr(0, comma);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (ascii_iequals(t, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}
}  // namespace

WsUpgradeError ws_check_upgrade(const HttpResponseParser& r, std::string_view key) {
  if (r.status() != 101) return WsUpgradeError::kRefused;
  auto up = r.header("Upgrade");
  if (!up || !ascii_iequals(*up, "websocket")) return WsUpgradeError::kNoUpgrade;
  auto conn = r.header("Connection");
  if (!conn || !has_token(*conn, "upgrade")) return WsUpgradeError::kNoConnection;
  char expect[kWsAcceptLen];
  ws_accept_for(key, expect);
  auto acc = r.header("Sec-WebSocket-Accept");
  if (!acc || *acc != std::string_view(expect, sizeof expect)) return WsUpgradeError::kBadAccept;
  if (r.header("Sec-WebSocket-Extensions") || r.header("Sec-WebSocket-Protocol"))
    return WsUpgradeError::kUnwantedExtension;
  return WsUpgradeError::kOk;
}

}  // namespace dialtone::protocol
