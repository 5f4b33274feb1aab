#include "protocol/sip/digest.hpp"

#include <mbedtls/md5.h>

#include <cstdio>

#include "firmware/core/ascii.hpp"
#include "firmware/core/hex.hpp"
#include "protocol/common/sha.hpp"

namespace dialtone::protocol::sip {

const char* to_string(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::kMd5: return "MD5";
    case DigestAlgorithm::kMd5Sess: return "MD5-sess";
    case DigestAlgorithm::kSha256: return "SHA-256";
    case DigestAlgorithm::kSha256Sess: return "SHA-256-sess";
  }
  return "?";
}

const char* to_string(DigestError e) {
  switch (e) {
    case DigestError::kOk: return "ok";
    case DigestError::kNotDigest: return "not a Digest challenge";
    case DigestError::kSyntax: return "malformed challenge";
    case DigestError::kDuplicateParam: return "a challenge parameter given twice";
    case DigestError::kTooLong: return "a challenge value too long";
    case DigestError::kNoRealm: return "challenge without realm";
    case DigestError::kNoNonce: return "challenge without nonce";
    case DigestError::kUnsupportedAlgorithm: return "unsupported digest algorithm";
    case DigestError::kUnsupportedQop: return "unsupported qop (auth-int only)";
    case DigestError::kNoRandom: return "no random bytes for the client nonce";
  }
  return "?";
}

namespace {

// ---- challenge grammar (RFC 7235 section 2.1, RFC 7616 section 3.3) --------

// Folded header lines may still carry their CRLF.
bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

bool is_ctl(char c) { return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f; }

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return s_[i_]; }
  void skip_ws() {
    while (!done() && is_ws(s_[i_])) ++i_;
  }
  std::string_view token() {
    std::size_t start = i_;
    while (!done() && is_tchar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  void advance() { ++i_; }
  std::size_t pos() const { return i_; }
  void seek(std::size_t p) { i_ = p; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// A parameter value, unescaped. Quoted strings may hold any visible character
// and backslash escapes; unquoted values are tokens, read leniently up to the
// next comma or blank (some servers send a base64 nonce unquoted).
template <std::size_t N>
DigestError read_value(Cursor& c, FixedString<N>& out) {
  out.clear();
  bool fits = true;
  if (!c.done() && c.peek() == '"') {
    c.advance();
    for (;;) {
      if (c.done()) return DigestError::kSyntax;
      char ch = c.peek();
      c.advance();
      if (ch == '"') break;
      if (ch == '\\') {
        if (c.done()) return DigestError::kSyntax;
        ch = c.peek();
        c.advance();
      }
      if (is_ctl(ch)) return DigestError::kSyntax;
      fits = out.push_back(ch) && fits;
    }
  } else {
    while (!c.done() && c.peek() != ',' && !is_ws(c.peek())) {
      char ch = c.peek();
      if (ch == '"' || is_ctl(ch)) return DigestError::kSyntax;
      fits = out.push_back(ch) && fits;
      c.advance();
    }
    if (out.empty()) return DigestError::kSyntax;
  }
  return fits ? DigestError::kOk : DigestError::kTooLong;
}

bool parse_algorithm(std::string_view v, DigestAlgorithm& out) {
  for (DigestAlgorithm a : {DigestAlgorithm::kMd5, DigestAlgorithm::kMd5Sess, DigestAlgorithm::kSha256,
                            DigestAlgorithm::kSha256Sess}) {
    if (ascii_iequals(v, to_string(a))) {
      out = a;
      return true;
    }
  }
  return false;
}

// qop-options: a comma-separated list inside the quotes ("auth, auth-int").
bool offers_auth(std::string_view list) {
  std::size_t i = 0;
  while (i <= list.size()) {
    std::size_t comma = list.find(',', i);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(i, comma - i);
    while (!item.empty() && is_ws(item.front())) item.remove_prefix(1);
    while (!item.empty() && is_ws(item.back())) item.remove_suffix(1);
    if (ascii_iequals(item, "auth")) return true;
    i = comma + 1;
  }
  return false;
}

// The checks both ways of reading a challenge share, in the order their
// errors are reported.
DigestError check_challenge(const DigestChallenge& c, bool realm_given, bool algorithm_known, bool qop_given) {
  if (!realm_given) return DigestError::kNoRealm;
  if (c.nonce.empty()) return DigestError::kNoNonce;
  if (!algorithm_known) return DigestError::kUnsupportedAlgorithm;
  if (qop_given && !c.qop_auth) return DigestError::kUnsupportedQop;
  return DigestError::kOk;
}

enum Seen : unsigned {
  kSeenRealm = 1u << 0,
  kSeenNonce = 1u << 1,
  kSeenOpaque = 1u << 2,
  kSeenAlgorithm = 1u << 3,
  kSeenQop = 1u << 4,
  kSeenStale = 1u << 5,
  kSeenUserhash = 1u << 6,
};

// ---- hashing ---------------------------------------------------------------

class Hasher {
 public:
  explicit Hasher(DigestAlgorithm a)
      : sha256_(a == DigestAlgorithm::kSha256 || a == DigestAlgorithm::kSha256Sess) {
    mbedtls_md5_init(&md5_);
    mbedtls_md5_starts_ret(&md5_);
  }
  ~Hasher() { mbedtls_md5_free(&md5_); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& add(std::string_view s) {
    if (sha256_) {
      sha_.update(s);
    } else {
      mbedtls_md5_update_ret(&md5_, reinterpret_cast<const unsigned char*>(s.data()), s.size());
    }
    return *this;
  }
  Hasher& add_colon(std::string_view s) { return add(":").add(s); }

  // Lower-case hex; the hasher starts over afterwards.
  DigestHex finish() {
    char hex[limits::kSipDigestHashChars];
    std::size_t n = 0;
    if (sha256_) {
      Sha256Digest d = sha_.finish();
      to_hex(d, hex);
      n = d.size() * 2;
    } else {
      std::uint8_t d[16];
      mbedtls_md5_finish_ret(&md5_, d);
      mbedtls_md5_starts_ret(&md5_);
      to_hex(d, hex);
      n = sizeof d * 2;
    }
    return DigestHex(std::string_view(hex, n));
  }

 private:
  bool sha256_;
  Sha256 sha_;
  mbedtls_md5_context md5_;
};

bool is_sess(DigestAlgorithm a) { return a == DigestAlgorithm::kMd5Sess || a == DigestAlgorithm::kSha256Sess; }

// quoted-string with '"' and '\' escaped.
bool append_quoted(DigestValue& out, std::string_view s) {
  bool ok = out.push_back('"');
  for (char ch : s) {
    if (ch == '"' || ch == '\\') ok = out.push_back('\\') && ok;
    ok = out.push_back(ch) && ok;
  }
  return out.push_back('"') && ok;
}

}  // namespace

DigestError parse_digest_challenge(std::string_view value, DigestChallenge& out) {
  out = DigestChallenge{};
  Cursor c(value);
  c.skip_ws();
  if (!ascii_iequals(c.token(), "Digest")) return DigestError::kNotDigest;
  if (c.done() || !is_ws(c.peek())) return c.done() ? DigestError::kNoRealm : DigestError::kSyntax;

  unsigned seen = 0;
  bool too_long = false;
  bool qop_given = false;
  bool algorithm_known = true;
  bool any_param = false;
  FixedString<limits::kSipDigestOpaqueMax> scratch;

  for (;;) {
    // #rule lists allow empty elements: ", ,".
    c.skip_ws();
    while (!c.done() && c.peek() == ',') {
      c.advance();
      c.skip_ws();
    }
    if (c.done()) break;
    std::size_t param_start = c.pos();
    std::string_view name = c.token();
    if (name.empty()) return DigestError::kSyntax;
    c.skip_ws();
    if (c.done() || c.peek() != '=') {
      // "token SP token": the next challenge's scheme. Stop at it.
      if (any_param && c.pos() > param_start + name.size()) break;
      return DigestError::kSyntax;
    }
    c.advance();
    c.skip_ws();
    DigestError e = DigestError::kOk;
    unsigned bit = 0;
    if (ascii_iequals(name, "realm")) {
      bit = kSeenRealm;
      e = read_value(c, out.realm);
    } else if (ascii_iequals(name, "nonce")) {
      bit = kSeenNonce;
      e = read_value(c, out.nonce);
    } else if (ascii_iequals(name, "opaque")) {
      bit = kSeenOpaque;
      e = read_value(c, out.opaque);
      out.has_opaque = true;
    } else {
      e = read_value(c, scratch);
      if (ascii_iequals(name, "algorithm")) {
        bit = kSeenAlgorithm;
        out.algorithm_named = true;
        algorithm_known = e == DigestError::kOk && parse_algorithm(scratch.view(), out.algorithm);
      } else if (ascii_iequals(name, "qop")) {
        bit = kSeenQop;
        qop_given = true;
        out.qop_auth = e == DigestError::kOk && offers_auth(scratch.view());
      } else if (ascii_iequals(name, "stale")) {
        bit = kSeenStale;
        out.stale = ascii_iequals(scratch.view(), "true");
      } else if (ascii_iequals(name, "userhash")) {
        bit = kSeenUserhash;
        out.userhash = ascii_iequals(scratch.view(), "true");
      } else if (e == DigestError::kTooLong) {
        e = DigestError::kOk;  // an unknown parameter (domain, charset) we never use
      }
    }
    if (e == DigestError::kTooLong) {
      too_long = true;
    } else if (e != DigestError::kOk) {
      return e;
    }
    if (seen & bit) return DigestError::kDuplicateParam;
    seen |= bit;
    any_param = true;
    c.skip_ws();
    if (!c.done() && c.peek() != ',') return DigestError::kSyntax;
  }

  if (too_long) return DigestError::kTooLong;
  return check_challenge(out, seen & kSeenRealm, algorithm_known, qop_given);
}

DigestError digest_challenge_from_fields(const DigestChallengeFields& in, DigestChallenge& out) {
  out = DigestChallenge{};
  if (!ascii_iequals(in.scheme, "Digest")) return DigestError::kNotDigest;
  bool fits = out.realm.assign(in.realm) && out.nonce.assign(in.nonce) && out.opaque.assign(in.opaque);
  if (!fits) return DigestError::kTooLong;
  out.has_opaque = !in.opaque.empty();
  out.algorithm_named = !in.algorithm.empty();
  bool algorithm_known = !out.algorithm_named || parse_algorithm(in.algorithm, out.algorithm);
  out.qop_auth = offers_auth(in.qop);
  out.stale = in.stale;
  return check_challenge(out, !in.realm.empty(), algorithm_known, !in.qop.empty());
}

DigestHex digest_response(const DigestChallenge& c, const DigestRequest& r) {
  Hasher h(c.algorithm);
  DigestHex ha1 = h.add(r.username).add_colon(c.realm).add_colon(r.password).finish();
  if (is_sess(c.algorithm)) ha1 = h.add(ha1).add_colon(c.nonce).add_colon(r.cnonce).finish();
  DigestHex ha2 = h.add(r.method).add_colon(r.uri).finish();
  h.add(ha1).add_colon(c.nonce);
  if (c.qop_auth) {
    char nc[9];
    std::snprintf(nc, sizeof nc, "%08x", r.nc);
    h.add_colon(nc).add_colon(r.cnonce).add_colon("auth");
  }
  return h.add_colon(ha2).finish();
}

DigestError build_digest_authorization(const DigestChallenge& c, const DigestRequest& r, DigestValue& out) {
  out.clear();
  bool ok = out.append("Digest username=");
  if (c.userhash) {
    Hasher h(c.algorithm);
    ok = append_quoted(out, h.add(r.username).add_colon(c.realm).finish()) && ok;
  } else {
    ok = append_quoted(out, r.username) && ok;
  }
  ok = out.append(", realm=") && append_quoted(out, c.realm) && ok;
  ok = out.append(", nonce=") && append_quoted(out, c.nonce) && ok;
  ok = out.append(", uri=") && append_quoted(out, r.uri) && ok;
  ok = out.append(", response=") && append_quoted(out, digest_response(c, r)) && ok;
  if (c.algorithm_named) ok = out.append(", algorithm=") && out.append(to_string(c.algorithm)) && ok;
  if (c.qop_auth) {
    char nc[9];
    std::snprintf(nc, sizeof nc, "%08x", r.nc);
    ok = out.append(", cnonce=") && append_quoted(out, r.cnonce) && ok;
    ok = out.append(", qop=auth, nc=") && out.append(nc) && ok;
  }
  if (c.has_opaque) ok = out.append(", opaque=") && append_quoted(out, c.opaque) && ok;
  if (c.userhash) ok = out.append(", userhash=true") && ok;
  if (!ok) {
    out.clear();
    return DigestError::kTooLong;
  }
  return DigestError::kOk;
}

bool DigestAuth::adopt(const DigestChallenge& c) {
  bool same = have_ && c.nonce.view() == challenge_.nonce.view() && c.realm.view() == challenge_.realm.view();
  challenge_ = c;
  have_ = true;
  if (!same) {
    nc_ = 0;
    cnonce_.clear();
  }
  return same;
}

void DigestAuth::clear() {
  have_ = false;
  nc_ = 0;
  cnonce_.clear();
}

DigestError DigestAuth::authorize(Csprng& rng, std::string_view username, std::string_view password,
                                  std::string_view method, std::string_view uri, DigestValue& out) {
  if (cnonce_.empty() && challenge_.qop_auth) {
    char hex[limits::kSipDigestCnonceChars];
    if (!rng.hex(hex)) {
      out.clear();
      return DigestError::kNoRandom;
    }
    cnonce_.assign(std::string_view(hex, sizeof hex));
  }
  DigestRequest r{username, password, method, uri, cnonce_.view(), nc_ + 1};
  DigestError e = build_digest_authorization(challenge_, r, out);
  if (e == DigestError::kOk) ++nc_;
  return e;
}

}  // namespace dialtone::protocol::sip
