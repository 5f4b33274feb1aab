// The credentials a SIP line gives its call engines (SipCredentials): digest
// answers (digest.hpp) made with the account's user name and password. One
// DigestAuth per kind of challenger (a 401 from the registrar's realm, a 407
// from a proxy on the way), so a nonce reused over several calls keeps its
// count growing (RFC 7616 3.4).
#pragma once
#include <string_view>

#include "firmware/core/random.hpp"
#include "protocol/sip/digest.hpp"
#include "protocol/sip/sip_account.hpp"
#include "protocol/sip/sip_call_types.hpp"

namespace dialtone::protocol::sip {

class SipAccountCredentials final : public SipCredentials {
 public:
  SipAccountCredentials(const SipAccount& account, Csprng& rng) : account_(account), rng_(rng) {}
  // Answers the first challenge of the response that digest.hpp supports.
  bool authorize(const SipMessage& response, std::string_view method, std::string_view uri,
                 DigestValue& out) override;

 private:
  const SipAccount& account_;
  Csprng& rng_;
  DigestAuth www_;
  DigestAuth proxy_;
};

}  // namespace dialtone::protocol::sip
