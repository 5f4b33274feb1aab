// The agent's one source of randomness: an mbedTLS CTR_DRBG (AES-256)
// seeded from mbedTLS's entropy collector, which reads the kernel
// (getrandom(2); it blocks until the kernel's pool is initialised, so a
// board that starts before that waits instead of seeding weakly).
//
// Why one generator for the whole process:
//  - it is audited once: one seeding, one personalisation, one reseed
//    policy, one failure path, instead of one per module that each had to be
//    got right (and each of which read the entropy source on its own);
//  - dialtoned seeds it at start-up, before anything else runs, and refuses
//    to start when that fails, so no code path can run unseeded;
//  - everything that needs unpredictable bytes draws from it: TLS and DTLS
//    handshakes, the DTLS certificate's key and serial, PoP signatures and
//    their jti, x-transaction-id and clientCorrelator UUIDs, WebSocket keys
//    and masks, the web page's CSRF and OAuth state tokens, SSRCs and RTP
//    starting points, and retry and reconnect jitter.
//    (ICE ufrag/pwd are made by libnice itself; see media/ice/ice_agent.cpp.)
//
// Prediction resistance is off: with it on, every draw (every WebSocket
// frame's 4-byte mask) would go back to the kernel for fresh entropy. It
// protects the output after an attacker has read the generator's state out
// of our memory, and such an attacker already holds the TLS, DTLS and PoP
// keys in the same memory, so it buys nothing here. Instead the generator
// reseeds from the entropy source every kReseedInterval draws, which bounds
// how much output any one state produces.
//
// Fails closed: until seeded, and whenever a due reseed cannot read the
// entropy source, every draw returns false (logged) and writes nothing; the
// mbedTLS callback returns an error, so handshakes and signatures fail
// instead of using predictable bytes. The draws are [[nodiscard]].
//
// Engines take a Csprng& so tests can give them their own instance (or one
// seeded from a fixed source, or one that fails); dialtoned hands every one
// of them process_csprng(). Single-threaded, like the rest of the agent.
#pragma once
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace dialtone {

class Csprng {
 public:
  static constexpr std::size_t kUuidLen = 36;
  // Draws between reseeds: mbedTLS's default, stated here so it is a choice.
  static constexpr int kReseedInterval = 10000;
  // An entropy source with mbedtls_entropy_func's contract: fill `len`
  // bytes and return 0, or return non-zero.
  using EntropyFn = int (*)(void* ctx, unsigned char* out, std::size_t len);

  Csprng();
  ~Csprng();
  Csprng(const Csprng&) = delete;
  Csprng& operator=(const Csprng&) = delete;

  // Seeds once from the system's entropy (mbedTLS's collector). False (and
  // logged) when the entropy source fails; the generator then stays unseeded.
  [[nodiscard]] bool init(std::string_view personalization = "dialtone");
  // The same from another source, used for every later reseed too (tests).
  [[nodiscard]] bool init(std::string_view personalization, EntropyFn source, void* source_ctx);
  bool ready() const { return ready_; }

  [[nodiscard]] bool fill(std::span<std::uint8_t> out);
  // 2*n lower-case hex characters from n random bytes; out.size() must be even.
  [[nodiscard]] bool hex(std::span<char> out);
  // RFC 4122 version 4, lower case, 36 characters (no terminator written).
  [[nodiscard]] bool uuid_v4(std::span<char, kUuidLen> out);
  [[nodiscard]] bool uint32(std::uint32_t& out);

  // The (f_rng, p_rng) pair for mbedTLS APIs.
  static int mbedtls_rng(void* self, unsigned char* out, std::size_t len);
  void* mbedtls_rng_ctx() { return this; }

 private:
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  bool ready_ = false;
};

// The process's generator, seeded from the system's entropy on the first
// call (dialtoned makes that call at start-up and stops if !ready()).
Csprng& process_csprng();

}  // namespace dialtone
