#include "protocol/common/random.hpp"

#include <mbedtls/error.h>

#include "firmware/core/log.hpp"

namespace dialtone::protocol {

Csprng::Csprng() {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
}

Csprng::~Csprng() {
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

bool Csprng::init(std::string_view personalization) {
  if (ready_) return true;
  int rc = mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_,
                                 reinterpret_cast<const unsigned char*>(personalization.data()),
                                 personalization.size());
  if (rc != 0) {
    char msg[128];
    mbedtls_strerror(rc, msg, sizeof msg);
    DT_LOGE("rng", "cannot seed the CSPRNG from the entropy source: %s", msg);
    return false;
  }
  // Reseed from entropy regularly; CTR_DRBG's default interval is 10000 calls.
  mbedtls_ctr_drbg_set_prediction_resistance(&drbg_, MBEDTLS_CTR_DRBG_PR_OFF);
  ready_ = true;
  return true;
}

bool Csprng::fill(std::span<std::uint8_t> out) {
  if (!ready_) {
    DT_LOGE("rng", "CSPRNG used before it was seeded");
    return false;
  }
  // ctr_drbg_random serves at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes per call.
  while (!out.empty()) {
    std::size_t n = out.size() < MBEDTLS_CTR_DRBG_MAX_REQUEST ? out.size() : MBEDTLS_CTR_DRBG_MAX_REQUEST;
    if (mbedtls_ctr_drbg_random(&drbg_, out.data(), n) != 0) {
      DT_LOGE("rng", "CTR_DRBG failed to generate");
      return false;
    }
    out = out.subspan(n);
  }
  return true;
}

int Csprng::mbedtls_rng(void* self, unsigned char* out, std::size_t len) {
  auto* r = static_cast<Csprng*>(self);
  return r->fill({out, len}) ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

bool to_hex(std::span<const std::uint8_t> in, std::span<char> out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (out.size() < in.size() * 2) return false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[2 * i] = kDigits[in[i] >> 4];
    out[2 * i + 1] = kDigits[in[i] & 15];
  }
  return true;
}

bool Csprng::hex(std::span<char> out) {
  if (out.size() % 2) return false;
  std::uint8_t buf[64];
  while (!out.empty()) {
    std::size_t n = out.size() / 2 < sizeof buf ? out.size() / 2 : sizeof buf;
    if (!fill({buf, n})) return false;
    to_hex({buf, n}, out.first(2 * n));
    out = out.subspan(2 * n);
  }
  return true;
}

bool Csprng::uuid_v4(std::span<char, kUuidLen> out) {
  std::uint8_t b[16];
  if (!fill(b)) return false;
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10xx
  char hexed[32];
  to_hex(b, hexed);
  std::size_t o = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out[o++] = '-';
    out[o++] = hexed[i];
  }
  return true;
}

}  // namespace dialtone::protocol
