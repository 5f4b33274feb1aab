#include "protocol/sip/sip_call_auth.hpp"

#include "firmware/core/log.hpp"

namespace dialtone::protocol::sip {

bool SipAccountCredentials::authorize(const SipMessage& response, std::string_view method, std::string_view uri,
                                      DigestValue& out) {
  const bool proxy = response.status() == 407;
  const ChallengeKind kind = proxy ? ChallengeKind::kProxy : ChallengeKind::kWww;
  DigestAuth& auth = proxy ? proxy_ : www_;
  for (std::size_t i = 0; i < response.challenge_count(kind); ++i) {
    auto c = response.challenge(kind, i);
    if (!c) continue;
    DigestChallengeFields fields{.scheme = c->scheme,
                                 .realm = c->realm,
                                 .nonce = c->nonce,
                                 .opaque = c->opaque,
                                 .algorithm = c->algorithm,
                                 .qop = c->qop,
                                 .stale = c->stale};
    DigestChallenge challenge;
    DigestError e = digest_challenge_from_fields(fields, challenge);
    if (e != DigestError::kOk) {
      DT_LOGI("sip", "%s challenge skipped: %s", proxy ? "proxy" : "server", to_string(e));
      continue;
    }
    auth.adopt(challenge);
    e = auth.authorize(rng_, account_.digest_username(), account_.password.view(), method, uri, out);
    if (e == DigestError::kOk) return true;
    DT_LOGW("sip", "no answer to the %s challenge: %s", proxy ? "proxy" : "server", to_string(e));
    return false;
  }
  return false;
}

}  // namespace dialtone::protocol::sip
