// The agent's CSPRNG: mbedTLS CTR_DRBG seeded from the platform entropy
// source. One instance serves TLS, PoP signing (RSA blinding), jti/UUIDs,
// WebSocket masking keys and the OAuth `state` value.
#pragma once
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include <cstdint>
#include <span>
#include <string_view>

namespace dialtone::protocol {

class Csprng {
 public:
  static constexpr std::size_t kUuidLen = 36;

  Csprng();
  ~Csprng();
  Csprng(const Csprng&) = delete;
  Csprng& operator=(const Csprng&) = delete;

  // Seed once at start-up. False (and logged) when the entropy source fails;
  // every generator below then refuses rather than return weak bytes.
  bool init(std::string_view personalization = "dialtone");
  bool ready() const { return ready_; }

  bool fill(std::span<std::uint8_t> out);
  // 2*n lower-case hex characters from n random bytes; out.size() must be even.
  bool hex(std::span<char> out);
  // RFC 4122 version 4, lower case, 36 characters (no terminator written).
  bool uuid_v4(std::span<char, kUuidLen> out);

  // For mbedTLS APIs that take (f_rng, p_rng).
  static int mbedtls_rng(void* self, unsigned char* out, std::size_t len);
  void* mbedtls_rng_ctx() { return this; }

 private:
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  bool ready_ = false;
};

// Hex encoding of arbitrary bytes (lower case); false when out is too small.
bool to_hex(std::span<const std::uint8_t> in, std::span<char> out);

}  // namespace dialtone::protocol
