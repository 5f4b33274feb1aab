// HTTP Digest authentication for SIP (RFC 3261 section 22, RFC 7616, RFC 8760):
// parse a WWW-Authenticate / Proxy-Authenticate challenge and build the
// Authorization / Proxy-Authorization value that answers it.
//
// Supported: MD5, MD5-sess, SHA-256, SHA-256-sess; qop=auth, or no qop at all
// (RFC 2069 servers); userhash. Not supported: qop=auth-int alone (a request
// with a body would have to be hashed whole) and SHA-512-256 (mbedTLS 2.28
// has no SHA-512/256): such challenges are refused by name, so a registrar
// that offers several can be answered with the first one we support.
//
// The parser and the response are pure; DigestAuth adds the per-nonce state
// (the client nonce and the increasing nonce count).
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"

namespace dialtone::protocol::sip {

enum class DigestAlgorithm : std::uint8_t { kMd5, kMd5Sess, kSha256, kSha256Sess };
// The wire token: "MD5", "MD5-sess", "SHA-256", "SHA-256-sess".
const char* to_string(DigestAlgorithm a);

enum class DigestError : std::uint8_t {
  kOk,
  kNotDigest,             // another scheme (Basic, Bearer, ...) or empty
  kSyntax,                // not a list of name=value parameters
  kDuplicateParam,        // realm, nonce, ... given twice (RFC 7235: at most once)
  kTooLong,               // a value larger than its buffer in limits.hpp
  kNoRealm,
  kNoNonce,               // missing or empty
  kUnsupportedAlgorithm,  // SHA-512-256, AKAv1-MD5, ...
  kUnsupportedQop,        // qop offered without "auth"
  kNoRandom,              // the generator refused a draw for the client nonce
};
const char* to_string(DigestError e);

struct DigestChallenge {
  FixedString<limits::kSipDigestRealmMax> realm;
  FixedString<limits::kSipDigestNonceMax> nonce;
  FixedString<limits::kSipDigestOpaqueMax> opaque;
  bool has_opaque = false;
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;  // MD5 when not named
  bool algorithm_named = false;  // echoed in the answer only when the server named it
  bool qop_auth = false;         // "auth" offered: answer with qop=auth, cnonce and nc
  bool stale = false;            // the nonce expired, the credentials were right
  bool userhash = false;         // send H(username:realm) instead of the user name
};

// Parses one challenge value (what follows "WWW-Authenticate:"). When the
// value carries several challenges, the first one is read and the rest ignored.
DigestError parse_digest_challenge(std::string_view value, DigestChallenge& out);

// A challenge already split into its parameters by a message parser, quotes
// removed; an absent parameter is empty.
struct DigestChallengeFields {
  std::string_view scheme;  // "Digest"
  std::string_view realm;
  std::string_view nonce;
  std::string_view opaque;
  std::string_view algorithm;
  std::string_view qop;      // "auth", "auth,auth-int", ...
  bool stale = false;
};
// The same checks as parse_digest_challenge (an empty realm counts as none).
DigestError digest_challenge_from_fields(const DigestChallengeFields& in, DigestChallenge& out);

// What the answer covers. `cnonce` and `nc` are used only with qop=auth.
struct DigestRequest {
  std::string_view username;  // auth_username
  std::string_view password;
  std::string_view method;    // "REGISTER"
  std::string_view uri;       // the Request-URI, exactly as sent
  std::string_view cnonce;
  std::uint32_t nc = 1;
};

using DigestHex = FixedString<limits::kSipDigestHashChars>;
using DigestValue = FixedString<limits::kSipDigestValueMax>;

// The `response` field: lower-case hex of the challenge's hash (RFC 7616 3.4.1).
DigestHex digest_response(const DigestChallenge& c, const DigestRequest& r);

// The whole Authorization / Proxy-Authorization value; kTooLong when it does
// not fit (never truncated).
DigestError build_digest_authorization(const DigestChallenge& c, const DigestRequest& r, DigestValue& out);

// The credentials for one challenger (the registrar, or a proxy on the way):
// the last challenge, its client nonce and its nonce count. The count
// restarts at 1 with every new nonce and grows with every request answered
// with that nonce, as RFC 7616 section 3.4 asks; the client nonce is drawn
// once per server nonce (which the -sess algorithms need).
class DigestAuth {
 public:
  // Adopts a challenge. Returns true when its nonce is the one already held.
  bool adopt(const DigestChallenge& c);
  void clear();
  bool has_challenge() const { return have_; }
  const DigestChallenge& challenge() const { return challenge_; }
  std::uint32_t nonce_count() const { return nc_; }

  // The value for the next request, nonce count + 1.
  DigestError authorize(Csprng& rng, std::string_view username, std::string_view password,
                        std::string_view method, std::string_view uri, DigestValue& out);

 private:
  DigestChallenge challenge_;
  FixedString<limits::kSipDigestCnonceChars> cnonce_;
  std::uint32_t nc_ = 0;
  bool have_ = false;
};

}  // namespace dialtone::protocol::sip
