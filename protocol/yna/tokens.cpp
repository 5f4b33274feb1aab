#include "protocol/yna/tokens.hpp"

#include "firmware/core/json.hpp"
#include "protocol/http/http_message.hpp"

namespace dialtone::protocol::yna {

const char* to_string(TokenError e) {
  switch (e) {
    case TokenError::kOk: return "ok";
    case TokenError::kNotJson: return "not JSON";
    case TokenError::kNotObject: return "not a JSON object";
    case TokenError::kNoAccessToken: return "access_token missing";
    case TokenError::kNoRefreshToken: return "refresh_token missing";
    case TokenError::kNoTokenType: return "token_type missing";
    case TokenError::kNotBearer: return "token_type is not Bearer";
    case TokenError::kNoExpiresIn: return "expires_in missing or not a positive integer";
    case TokenError::kTooLong: return "token too long";
    case TokenError::kNoObtainedTime: return "obtained_unix_s missing";
  }
  return "?";
}

namespace {

TokenError common_fields(const cJSON* root, TokenPair& out) {
  if (!cJSON_IsObject(root)) return TokenError::kNotObject;
  auto access = json_string(root, "access_token");
  if (!access || access->empty()) return TokenError::kNoAccessToken;
  auto refresh = json_string(root, "refresh_token");
  if (!refresh || refresh->empty()) return TokenError::kNoRefreshToken;
  auto expires = json_int(root, "expires_in");
  if (!expires || *expires <= 0) return TokenError::kNoExpiresIn;
  if (access->size() > limits::kTokenMax || refresh->size() > limits::kTokenMax) return TokenError::kTooLong;
  out.access.assign(*access);
  out.refresh.assign(*refresh);
  out.expires_in_s = *expires;
  return TokenError::kOk;
}

}  // namespace

TokenError parse_token_response(std::string_view body, std::int64_t now_unix_s, TokenPair& out) {
  JsonDocument doc(body);
  if (!doc.ok()) return TokenError::kNotJson;
  if (!cJSON_IsObject(doc.root())) return TokenError::kNotObject;
  auto type = json_string(doc.root(), "token_type");
  if (!type) return TokenError::kNoTokenType;
  if (!ascii_iequals(*type, "Bearer")) return TokenError::kNotBearer;
  TokenPair p;
  TokenError e = common_fields(doc.root(), p);
  if (e != TokenError::kOk) return e;
  p.obtained_unix_s = now_unix_s;
  out = p;
  return TokenError::kOk;
}

std::size_t serialize_tokens(const TokenPair& p, std::span<char> out) {
  JsonWriter w(out);
  w.begin_object()
      .string("access_token", p.access.view())
      .string("refresh_token", p.refresh.view())
      .string("token_type", "Bearer")
      .number("expires_in", p.expires_in_s)
      .number("obtained_unix_s", p.obtained_unix_s)
      .end_object();
  return w.ok() ? w.size() : 0;
}

TokenError parse_token_file(std::string_view text, TokenPair& out) {
  JsonDocument doc(text);
  if (!doc.ok()) return TokenError::kNotJson;
  TokenPair p;
  TokenError e = common_fields(doc.root(), p);
  if (e != TokenError::kOk) return e;
  auto obtained = json_int(doc.root(), "obtained_unix_s");
  if (!obtained) return TokenError::kNoObtainedTime;
  p.obtained_unix_s = *obtained;
  out = p;
  return TokenError::kOk;
}

void TokenManager::set(const TokenPair& p, TimeMs now, std::int64_t now_unix_s) {
  pair_ = p;
  refreshing_ = false;
  // 80 % of the lifetime after issue, in milliseconds; what already passed
  // (a pair loaded at start-up) is taken off. A clock that went backwards
  // does not push the refresh past the pair's full lifetime.
  // expires_in comes from the server and obtained_unix_s from a file: both
  // are clamped to +-1e11 s (some 3000 years) so the sums below cannot
  // overflow, whatever they say.
  constexpr std::int64_t kFar = 100'000'000'000;
  auto clamp = [](std::int64_t s) { return s < -kFar ? -kFar : s > kFar ? kFar : s; };
  std::int64_t lifetime_ms = clamp(p.expires_in_s) * 800;
  std::int64_t due_unix_ms = clamp(p.obtained_unix_s) * 1000 + lifetime_ms;
  std::int64_t left_ms = due_unix_ms - clamp(now_unix_s) * 1000;
  if (left_ms > lifetime_ms) left_ms = lifetime_ms;
  refresh_at_ = left_ms <= 0 ? now : now + left_ms;
}

void TokenManager::clear() {
  pair_.access.clear();
  pair_.refresh.clear();
  pair_.expires_in_s = 0;
  refresh_at_ = kNever;
  refreshing_ = false;
}

bool TokenManager::begin_refresh() {
  if (!has_tokens() || refreshing_) return false;
  refreshing_ = true;
  return true;
}

}  // namespace dialtone::protocol::yna
