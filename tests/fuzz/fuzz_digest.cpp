// Digest challenges (the WWW-Authenticate / Proxy-Authenticate values a
// registrar or proxy sends). An accepted challenge must be answerable within
// limits::kSipDigestValueMax, and the answer, read back with the same
// parser (it is a list of the same auth-params), must carry the realm, nonce,
// opaque and algorithm it answers, escapes and all.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/sip/digest.hpp"

using namespace dialtone::protocol::sip;

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static DigestChallenge challenge, again;
  static DigestValue answer;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  DigestError e = parse_digest_challenge(text, challenge);
  check(to_string(e)[0] != '?');
  if (e != DigestError::kOk) return 0;
  check(!challenge.nonce.empty());

  DigestRequest r{"desk-101", "secret", "REGISTER", "sip:acme.sip.example.com",
                  "0123456789abcdef0123456789abcdef", 1};
  check(build_digest_authorization(challenge, r, answer) == DigestError::kOk);
  check(digest_response(challenge, r).size() ==
        (challenge.algorithm == DigestAlgorithm::kMd5 || challenge.algorithm == DigestAlgorithm::kMd5Sess ? 32 : 64));

  check(parse_digest_challenge(answer.view(), again) == DigestError::kOk);
  check(again.realm.view() == challenge.realm.view());
  check(again.nonce.view() == challenge.nonce.view());
  check(again.has_opaque == challenge.has_opaque && again.opaque.view() == challenge.opaque.view());
  check(again.algorithm_named == challenge.algorithm_named);
  check(!challenge.algorithm_named || again.algorithm == challenge.algorithm);
  check(again.qop_auth == challenge.qop_auth);
  check(again.userhash == challenge.userhash);
  check(!again.stale);
  return 0;
}
