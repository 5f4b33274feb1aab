// The PoP token of spec/pop-token.md (X-Authorization): an RS256 compact JWS
// whose payload has exactly the claims edts,v,exp,ehts,iat,jti in that order.
// The digest part (ehts/edts, section 4) is pure and separately testable; the
// signer holds the RSA key and never logs or exposes it.
#pragma once
#include <mbedtls/pk.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"

namespace dialtone::protocol {

enum class PopError : std::uint8_t {
  kOk,
  kNoItems,
  kTooManyItems,    // > limits::kPopItemsMax
  kBadName,         // empty, whitespace-only, or contains ';'
  kEmptyValue,      // the validator refuses a signed item without a value
  kDuplicateName,
  kBadUriEscape,    // a malformed %XX in the query
  kTooLong,         // ehts, uri or token does not fit its buffer
  kNoKey,
  kSignFailed,
  kRngFailed,
};
const char* to_string(PopError e);

struct PopItem {
  std::string_view name;
  std::string_view value;
};

// Section 4, `uri`: the path exactly as sent, then '?' and the query with only
// %XX escapes decoded ('+' stays '+').
PopError pop_uri_value(std::string_view target, FixedString<limits::kUrlMax>& out);

struct PopDigest {
  FixedString<limits::kPopEhtsMax> ehts;  // names joined by ';'
  FixedString<43> edts;                   // B64U(SHA-256(values concatenated))
};
PopError pop_digest(std::span<const PopItem> items, PopDigest& out);

// Section 5, what the device signs: uri, http-method, Authorization (when
// non-empty), then Content-Type and body when the body is non-empty.
struct PopRequest {
  std::string_view method;         // "GET", "POST", ...
  std::string_view target;         // path + "?query" exactly as sent
  std::string_view authorization;  // the Authorization value sent, or empty
  std::string_view content_type;   // sent only with a body
  std::string_view body;
};

// The signed items of a request; holds the decoded uri value they point at.
class PopRequestItems {
 public:
  PopError build(const PopRequest& req);
  std::span<const PopItem> items() const { return items_.span(); }

 private:
  FixedString<limits::kUrlMax> uri_;
  FixedVector<PopItem, 5> items_;
};

class PopSigner {
 public:
  PopSigner();
  ~PopSigner();
  PopSigner(const PopSigner&) = delete;
  PopSigner& operator=(const PopSigner&) = delete;

  // A PEM RSA private key, PKCS#8 or PKCS#1. Logs the path and the reason on
  // failure, never key material. Loading replaces any key held before.
  bool load_key_file(const char* path);
  bool loaded() const { return loaded_; }

  // One fresh token; `now_unix_s` is wall-clock Unix seconds (iat), passed in.
  PopError sign(std::span<const PopItem> items, std::int64_t now_unix_s, Csprng& rng,
                FixedString<limits::kTokenMax>& out);
  PopError sign_request(const PopRequest& req, std::int64_t now_unix_s, Csprng& rng,
                        FixedString<limits::kTokenMax>& out);

  static constexpr std::int64_t kLifetimeS = 120;

 private:
  mbedtls_pk_context pk_;
  bool loaded_ = false;
};

}  // namespace dialtone::protocol
