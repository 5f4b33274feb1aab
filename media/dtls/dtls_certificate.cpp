#include "media/dtls/dtls_certificate.hpp"

#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include <cstdio>
#include <cstring>

#include "firmware/core/ascii.hpp"
#include "firmware/core/atomic_file.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/log.hpp"
#include "firmware/core/random.hpp"

namespace dialtone::media {

namespace {

constexpr const char* kMod = "dtls";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool parse_sha256_fingerprint(std::string_view v, Sha256& out) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r' || v.back() == '\n')) v.remove_suffix(1);
  std::size_t sp = v.find(' ');
  if (sp == std::string_view::npos || !ascii_iequals(v.substr(0, sp), "sha-256")) return false;
  v.remove_prefix(sp + 1);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.size() != 32 * 3 - 1) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = hex_value(v[i * 3]), lo = hex_value(v[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 31 && v[i * 3 + 2] != ':')) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

Sha256 sha256_of_certificate(const mbedtls_x509_crt& crt) {
  Sha256 d{};
  mbedtls_sha256_ret(crt.raw.p, crt.raw.len, d.data(), 0);
  return d;
}

FingerprintText format_fingerprint(const Sha256& digest) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  FingerprintText t("sha-256 ");
  for (std::size_t i = 0; i < digest.size(); ++i) {
    if (i) t.push_back(':');
    t.push_back(kHex[digest[i] >> 4]);
    t.push_back(kHex[digest[i] & 15]);
  }
  return t;
}

DtlsCertificate::DtlsCertificate() {
  mbedtls_x509_crt_init(&crt_);
  mbedtls_pk_init(&key_);
}

DtlsCertificate::~DtlsCertificate() {
  mbedtls_x509_crt_free(&crt_);
  mbedtls_pk_free(&key_);
}

bool DtlsCertificate::finish() {
  digest_ = sha256_of_certificate(crt_);
  fingerprint_ = format_fingerprint(digest_);
  valid_ = true;
  return true;
}

bool DtlsCertificate::load(const char* key_path, const char* cert_path) {
  static char pem[limits::kDtlsPemMax + 1];  // start-up only
  long n = read_file(key_path, {pem, limits::kDtlsPemMax});
  if (n <= 0) return false;
  pem[n] = '\0';
  mbedtls_pk_free(&key_);
  mbedtls_pk_init(&key_);
  int rc = mbedtls_pk_parse_key(&key_, reinterpret_cast<unsigned char*>(pem), static_cast<size_t>(n) + 1,
                                nullptr, 0);
  mbedtls_platform_zeroize(pem, sizeof(pem));
  if (rc != 0 || mbedtls_pk_get_type(&key_) != MBEDTLS_PK_ECKEY ||
      mbedtls_pk_ec(key_)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
    DT_LOGW(kMod, "%s is not a P-256 key; making a new certificate", key_path);
    return false;
  }
  n = read_file(cert_path, {pem, limits::kDtlsPemMax});
  if (n <= 0) return false;
  pem[n] = '\0';
  mbedtls_x509_crt_free(&crt_);
  mbedtls_x509_crt_init(&crt_);
  if (mbedtls_x509_crt_parse(&crt_, reinterpret_cast<unsigned char*>(pem), static_cast<size_t>(n) + 1) != 0 ||
      mbedtls_pk_check_pair(&crt_.pk, &key_) != 0) {
    DT_LOGW(kMod, "%s does not parse or does not match the key; making a new certificate", cert_path);
    return false;
  }
  return finish();
}

bool DtlsCertificate::generate() {
  valid_ = false;
  // The key, the serial and the signature's nonce come from the process's generator.
  Csprng& rng = process_csprng();
  if (!rng.ready()) {
    DT_LOGE(kMod, "no seeded random generator: no certificate");
    return false;
  }
  mbedtls_pk_free(&key_);
  mbedtls_pk_init(&key_);
  mbedtls_x509_crt_free(&crt_);
  mbedtls_x509_crt_init(&crt_);
  if (mbedtls_pk_setup(&key_, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
      mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key_), &Csprng::mbedtls_rng,
                          rng.mbedtls_rng_ctx()) != 0) {
    DT_LOGE(kMod, "P-256 key generation failed");
    return false;
  }

  mbedtls_x509write_cert w;
  mbedtls_x509write_crt_init(&w);
  mbedtls_mpi serial;
  mbedtls_mpi_init(&serial);
  std::uint8_t serial_bytes[16];
  bool ok = rng.fill(serial_bytes);
  serial_bytes[0] &= 0x7f;  // a positive INTEGER
  static unsigned char der_pem[limits::kDtlsPemMax];
  ok = ok && mbedtls_mpi_read_binary(&serial, serial_bytes, sizeof(serial_bytes)) == 0;
  mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w, &key_);
  mbedtls_x509write_crt_set_issuer_key(&w, &key_);
  ok = ok && mbedtls_x509write_crt_set_serial(&w, &serial) == 0;
  ok = ok && mbedtls_x509write_crt_set_subject_name(&w, "CN=dialtone") == 0;
  ok = ok && mbedtls_x509write_crt_set_issuer_name(&w, "CN=dialtone") == 0;
  // A fixed, wide validity: boards without an RTC boot in 1970, and WebRTC
  // peers check the fingerprint, not the dates.
  ok = ok && mbedtls_x509write_crt_set_validity(&w, "20000101000000", "20491231235959") == 0;
  ok = ok && mbedtls_x509write_crt_pem(&w, der_pem, sizeof(der_pem), &Csprng::mbedtls_rng,
                                         rng.mbedtls_rng_ctx()) == 0;
  ok = ok && mbedtls_x509_crt_parse(&crt_, der_pem, std::strlen(reinterpret_cast<char*>(der_pem)) + 1) == 0;
  mbedtls_mpi_free(&serial);
  mbedtls_x509write_crt_free(&w);
  if (!ok) {
    DT_LOGE(kMod, "self-signed certificate creation failed");
    return false;
  }
  return finish();
}

bool DtlsCertificate::load_or_create(const char* state_dir) {
  char key_path[limits::kPathMax];
  char cert_path[limits::kPathMax];
  if (std::snprintf(key_path, sizeof(key_path), "%s/dtls_key.pem", state_dir) >= static_cast<int>(sizeof(key_path)) ||
      std::snprintf(cert_path, sizeof(cert_path), "%s/dtls_cert.pem", state_dir) >= static_cast<int>(sizeof(cert_path))) {
    DT_LOGE(kMod, "state directory path too long");
    return false;
  }
  if (load(key_path, cert_path)) {
    DT_LOGI(kMod, "certificate loaded, %s", fingerprint_.c_str());
    return true;
  }
  if (!generate()) return false;

  static unsigned char pem[limits::kDtlsPemMax];
  bool ok = mbedtls_pk_write_key_pem(&key_, pem, sizeof(pem)) == 0 &&
            write_file_atomic(key_path, reinterpret_cast<char*>(pem), 0600);
  mbedtls_platform_zeroize(pem, sizeof(pem));
  // The certificate's PEM: the DER we parsed, re-wrapped.
  std::size_t olen = 0;
  ok = ok && mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                      crt_.raw.p, crt_.raw.len, pem, sizeof(pem), &olen) == 0;
  ok = ok && write_file_atomic(cert_path, reinterpret_cast<char*>(pem), 0644);
  if (!ok) {
    // Still usable for this boot; the next boot makes another.
    DT_LOGE(kMod, "could not store the DTLS certificate in %s", state_dir);
  } else {
    DT_LOGI(kMod, "new certificate stored, %s", fingerprint_.c_str());
  }
  return true;
}

}  // namespace dialtone::media
