// SHA-256 (and SHA-1, which only the WebSocket handshake needs) over mbedTLS.
#pragma once
#include <mbedtls/sha256.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace dialtone::protocol {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha1Digest = std::array<std::uint8_t, 20>;

Sha256Digest sha256(std::span<const std::uint8_t> data);
Sha256Digest sha256(std::string_view data);
Sha1Digest sha1(std::string_view data);

// Incremental, so a digest over several pieces needs no concatenation buffer.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  void update(std::span<const std::uint8_t> data);
  Sha256Digest finish();  // then the object may be reused from scratch

 private:
  mbedtls_sha256_context ctx_;
};

}  // namespace dialtone::protocol
