#include "protocol/common/sha.hpp"

#include <mbedtls/sha1.h>

namespace dialtone::protocol {

Sha256Digest sha256(std::span<const std::uint8_t> data) {
  Sha256Digest d{};
  mbedtls_sha256_ret(data.data(), data.size(), d.data(), 0);
  return d;
}

Sha256Digest sha256(std::string_view data) {
  return sha256({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
}

Sha1Digest sha1(std::string_view data) {
  Sha1Digest d{};
  mbedtls_sha1_ret(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return d;
}

Sha256::Sha256() {
  mbedtls_sha256_init(&ctx_);
  mbedtls_sha256_starts_ret(&ctx_, 0);
}

Sha256::~Sha256() { mbedtls_sha256_free(&ctx_); }

void Sha256::update(std::string_view data) {
  update({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
}

void Sha256::update(std::span<const std::uint8_t> data) {
  mbedtls_sha256_update_ret(&ctx_, data.data(), data.size());
}

Sha256Digest Sha256::finish() {
  Sha256Digest d{};
  mbedtls_sha256_finish_ret(&ctx_, d.data());
  mbedtls_sha256_starts_ret(&ctx_, 0);
  return d;
}

}  // namespace dialtone::protocol
