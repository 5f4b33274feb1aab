#include "protocol/pop/pop_token.hpp"

#include <mbedtls/error.h>

#include "firmware/core/json.hpp"
#include "firmware/core/log.hpp"
#include "protocol/common/base64.hpp"
#include "protocol/common/sha.hpp"
#include "protocol/common/url.hpp"

namespace dialtone::protocol {

const char* to_string(PopError e) {
  switch (e) {
    case PopError::kOk: return "ok";
    case PopError::kNoItems: return "no signed items";
    case PopError::kTooManyItems: return "too many signed items";
    case PopError::kBadName: return "empty, blank or ';' in an item name";
    case PopError::kEmptyValue: return "empty item value";
    case PopError::kDuplicateName: return "duplicate item name";
    case PopError::kBadUriEscape: return "malformed %XX escape in the query";
    case PopError::kTooLong: return "does not fit its buffer";
    case PopError::kNoKey: return "no private key loaded";
    case PopError::kSignFailed: return "RSA signing failed";
    case PopError::kRngFailed: return "CSPRNG failed";
  }
  return "?";
}

PopError pop_uri_value(std::string_view target, FixedString<limits::kUrlMax>& out) {
  auto q = target.find('?');
  if (!out.assign(target.substr(0, q))) return PopError::kTooLong;
  if (q == std::string_view::npos) return PopError::kOk;
  char decoded[limits::kUrlMax];
  std::size_t n = 0;
  switch (percent_decode(target.substr(q + 1), decoded, sizeof decoded, n)) {
    case PercentError::kOk: break;
    case PercentError::kBadEscape: return PopError::kBadUriEscape;
    case PercentError::kNoRoom: return PopError::kTooLong;
  }
  if (!out.push_back('?') || !out.append(std::string_view(decoded, n))) return PopError::kTooLong;
  return PopError::kOk;
}

PopError pop_digest(std::span<const PopItem> items, PopDigest& out) {
  if (items.empty()) return PopError::kNoItems;
  if (items.size() > limits::kPopItemsMax) return PopError::kTooManyItems;
  out.ehts.clear();
  Sha256 h;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string_view name = items[i].name;
    bool blank = true;
    for (char c : name) {
      if (c == ';') return PopError::kBadName;
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') blank = false;
    }
    if (blank) return PopError::kBadName;
    if (items[i].value.empty()) return PopError::kEmptyValue;
    for (std::size_t j = 0; j < i; ++j)
      if (items[j].name == name) return PopError::kDuplicateName;
    if (i && !out.ehts.push_back(';')) return PopError::kTooLong;
    if (!out.ehts.append(name)) return PopError::kTooLong;
    h.update(items[i].value);  // values concatenated with no separator
  }
  Sha256Digest d = h.finish();
  char b64[43];
  base64url_encode(d, b64);
  out.edts.assign(std::string_view(b64, sizeof b64));
  return PopError::kOk;
}

PopError PopRequestItems::build(const PopRequest& req) {
  items_.clear();
  PopError e = pop_uri_value(req.target, uri_);
  if (e != PopError::kOk) return e;
  items_.push_back({"uri", uri_.view()});
  items_.push_back({"http-method", req.method});
  if (!req.authorization.empty()) items_.push_back({"Authorization", req.authorization});
  if (!req.body.empty()) {
    if (!req.content_type.empty()) items_.push_back({"Content-Type", req.content_type});
    items_.push_back({"body", req.body});
  }
  return PopError::kOk;
}

PopSigner::PopSigner() { mbedtls_pk_init(&pk_); }
PopSigner::~PopSigner() { mbedtls_pk_free(&pk_); }

bool PopSigner::load_key_file(const char* path) {
  mbedtls_pk_free(&pk_);
  mbedtls_pk_init(&pk_);
  loaded_ = false;
  int rc = mbedtls_pk_parse_keyfile(&pk_, path, nullptr);
  if (rc != 0) {
    char msg[128];
    mbedtls_strerror(rc, msg, sizeof msg);
    DT_LOGE("pop", "cannot load the PoP private key from %s: %s", path, msg);
    return false;
  }
  if (mbedtls_pk_get_type(&pk_) != MBEDTLS_PK_RSA) {
    DT_LOGE("pop", "the PoP key in %s is not an RSA key (RS256 needs RSA)", path);
    mbedtls_pk_free(&pk_);
    mbedtls_pk_init(&pk_);
    return false;
  }
  if (mbedtls_pk_get_bitlen(&pk_) != 2048)
    DT_LOGW("pop", "the PoP key in %s has %zu bits; T-Mobile's validator expects 2048", path,
            mbedtls_pk_get_bitlen(&pk_));
  loaded_ = true;
  return true;
}

PopError PopSigner::sign(std::span<const PopItem> items, std::int64_t now_unix_s, Csprng& rng,
                         FixedString<limits::kTokenMax>& out) {
  if (!loaded_) return PopError::kNoKey;
  PopDigest digest;
  PopError e = pop_digest(items, digest);
  if (e != PopError::kOk) return e;
  char jti[Csprng::kUuidLen];
  if (!rng.uuid_v4(std::span<char, Csprng::kUuidLen>(jti, Csprng::kUuidLen))) return PopError::kRngFailed;

  // Claim order edts,v,exp,ehts,iat,jti (pop-token.md section 2 [project]).
  char payload[limits::kPopEhtsMax * 2 + 256];
  JsonWriter w(payload);
  w.begin_object()
      .string("edts", digest.edts.view())
      .string("v", "1")
      .number("exp", now_unix_s + kLifetimeS)
      .string("ehts", digest.ehts.view())
      .number("iat", now_unix_s)
      .string("jti", std::string_view(jti, sizeof jti))
      .end_object();
  if (!w.ok()) return PopError::kTooLong;

  // B64U({"alg":"RS256","typ":"JWT"})
  static constexpr std::string_view kHeader = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9";
  char b64[base64url_encoded_size(sizeof payload)];
  auto n = base64url_encode(w.view(), b64);
  if (!n) return PopError::kTooLong;
  out.assign(kHeader);
  out.push_back('.');
  if (!out.append(std::string_view(b64, *n))) return PopError::kTooLong;

  Sha256Digest hash = sha256(out.view());
  unsigned char sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
  std::size_t sig_len = 0;
  // The RNG is for RSA blinding; PKCS#1 v1.5 output itself is deterministic.
  int rc = mbedtls_pk_sign(&pk_, MBEDTLS_MD_SHA256, hash.data(), hash.size(), sig, &sig_len,
                           &Csprng::mbedtls_rng, rng.mbedtls_rng_ctx());
  if (rc != 0) {
    char msg[128];
    mbedtls_strerror(rc, msg, sizeof msg);
    DT_LOGE("pop", "RS256 signing failed: %s", msg);
    return PopError::kSignFailed;
  }
  char sig64[base64url_encoded_size(MBEDTLS_PK_SIGNATURE_MAX_SIZE)];
  auto m = base64url_encode(std::span<const std::uint8_t>(sig, sig_len), sig64);
  if (!m || !out.push_back('.') || !out.append(std::string_view(sig64, *m))) return PopError::kTooLong;
  return PopError::kOk;
}

PopError PopSigner::sign_request(const PopRequest& req, std::int64_t now_unix_s, Csprng& rng,
                                 FixedString<limits::kTokenMax>& out) {
  PopRequestItems items;
  PopError e = items.build(req);
  if (e != PopError::kOk) return e;
  return sign(items.items(), now_unix_s, rng, out);
}

}  // namespace dialtone::protocol
