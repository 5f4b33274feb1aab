// The device's DTLS identity: an ECDSA P-256 self-signed certificate made on
// first boot and kept in the state directory (PEM; the key file is 0600,
// both written atomically), reloaded on later boots. P-256 keeps the
// certificate flight well under the 1200-byte DTLS MTU (janus #252).
//
// Its SHA-256 fingerprint goes into SDP as a=fingerprint; the peer's is
// checked against the peer's certificate during the handshake (dtls_srtp.hpp).
#pragma once
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"

namespace dialtone::media {

using Sha256 = std::array<std::uint8_t, 32>;
// "sha-256 AB:CD:...:EF" (the a=fingerprint value): 8 + 32*3 - 1 chars.
using FingerprintText = FixedString<103>;

// Parses an a=fingerprint value. Only sha-256 is accepted (every WebRTC
// stack offers it); hex digits in either case.
bool parse_sha256_fingerprint(std::string_view value, Sha256& out);
Sha256 sha256_of_certificate(const mbedtls_x509_crt& crt);
FingerprintText format_fingerprint(const Sha256& digest);

class DtlsCertificate {
 public:
  DtlsCertificate();
  ~DtlsCertificate();
  DtlsCertificate(const DtlsCertificate&) = delete;
  DtlsCertificate& operator=(const DtlsCertificate&) = delete;

  // <state_dir>/dtls_key.pem and dtls_cert.pem: loaded when both parse and
  // match (P-256 key), otherwise a new pair is generated and stored.
  bool load_or_create(const char* state_dir);
  // A fresh pair in memory only (tests, or a read-only board).
  bool generate();

  bool valid() const { return valid_; }
  std::string_view fingerprint() const { return fingerprint_.view(); }
  const Sha256& digest() const { return digest_; }

  // For DtlsSrtp (mbedTLS wants non-const pointers; it does not modify them).
  mbedtls_x509_crt* crt() const { return &crt_; }
  mbedtls_pk_context* key() const { return &key_; }

 private:
  bool load(const char* key_path, const char* cert_path);
  bool finish();

  mutable mbedtls_x509_crt crt_;
  mutable mbedtls_pk_context key_;
  Sha256 digest_{};
  FingerprintText fingerprint_;
  bool valid_ = false;
};

}  // namespace dialtone::media
