#include "firmware/core/random.hpp"

#include <mbedtls/error.h>

#include "firmware/core/hex.hpp"
#include "firmware/core/log.hpp"

namespace dialtone {

namespace {
constexpr const char* kMod = "rng";
}  // namespace

Csprng::Csprng() {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
}

Csprng::~Csprng() {
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

bool Csprng::init(std::string_view personalization) {
  return init(personalization, mbedtls_entropy_func, &entropy_);
}

bool Csprng::init(std::string_view personalization, EntropyFn source, void* source_ctx) {
  if (ready_) return true;
  int rc = mbedtls_ctr_drbg_seed(&drbg_, source, source_ctx,
                                 reinterpret_cast<const unsigned char*>(personalization.data()),
                                 personalization.size());
  if (rc != 0) {
    char msg[128];
    mbedtls_strerror(rc, msg, sizeof msg);
    DT_LOGE(kMod, "cannot seed the random generator from the entropy source: %s", msg);
    return false;
  }
  // The header says why prediction resistance is off and reseeding periodic.
  mbedtls_ctr_drbg_set_prediction_resistance(&drbg_, MBEDTLS_CTR_DRBG_PR_OFF);
  mbedtls_ctr_drbg_set_reseed_interval(&drbg_, kReseedInterval);
  ready_ = true;
  return true;
}

bool Csprng::fill(std::span<std::uint8_t> out) {
  if (!ready_) {
    DT_LOGE(kMod, "random bytes wanted before the generator was seeded");
    return false;
  }
  // ctr_drbg_random serves at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes per call.
  while (!out.empty()) {
    std::size_t n = out.size() < MBEDTLS_CTR_DRBG_MAX_REQUEST ? out.size() : MBEDTLS_CTR_DRBG_MAX_REQUEST;
    int rc = mbedtls_ctr_drbg_random(&drbg_, out.data(), n);
    if (rc != 0) {
      char msg[128];
      mbedtls_strerror(rc, msg, sizeof msg);
      DT_LOGE(kMod, "the random generator failed (reseed from the entropy source?): %s", msg);
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

bool Csprng::uint32(std::uint32_t& out) {
  std::uint8_t b[4];
  if (!fill(b)) return false;
  out = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  return true;
}

Csprng& process_csprng() {
  static Csprng rng;
  // The one read of the entropy source for seeding; a failure is logged and
  // leaves the generator refusing every draw.
  [[maybe_unused]] static const bool seeded = rng.init("dialtone");
  return rng;
}

}  // namespace dialtone
