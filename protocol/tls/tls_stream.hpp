// TLS client streams on mbedTLS 2.28.
//
// Debian's mbedTLS 2.28 speaks TLS 1.2 only (its TLS 1.3 code is an
// experimental compile option Debian leaves off), so the configuration pins
// 1.2 as both minimum and maximum; yna-wire.md section 2 asks for "TLS 1.2 or
// newer", which 1.2 satisfies.
//
// The server certificate is ALWAYS verified against the CA file given at
// start-up (MBEDTLS_SSL_VERIFY_REQUIRED), and the host is ALWAYS checked:
//   a host name goes to mbedtls_ssl_set_hostname() before every handshake
//     (2.28.3 silently skips the check when it is not: CVE-2025-27809), which
//     matches the CN and dNSName SANs;
//   an IP literal must be named by an iPAddress SAN, checked in our verify
//     callback (ip_san.hpp), because mbedTLS 2.28 cannot; the address is not
//     handed to mbedTLS as a name, so DNS:127.0.0.1 or CN=127.0.0.1 alone does
//     not pass, as in browsers.
#pragma once
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "protocol/tls/ip_san.hpp"
#include "protocol/tls/stream.hpp"

namespace dialtone::protocol {

// The shared client configuration: trusted CAs and the RNG.
class TlsContext {
 public:
  TlsContext();
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Loads the PEM bundle (logged clearly when missing or unparsable).
  bool init(const char* ca_file, Csprng& rng);
  bool ready() const { return ready_; }
  mbedtls_ssl_config* config() { return &conf_; }
  const char* ca_file() const { return ca_file_.c_str(); }

 private:
  mbedtls_ssl_config conf_;
  mbedtls_x509_crt ca_;
  FixedString<limits::kPathMax> ca_file_;
  bool ready_ = false;
};

class TlsStream final : public Stream {
 public:
  explicit TlsStream(EventLoop& loop);
  ~TlsStream() override;

  // Start-up only: mbedtls_ssl_setup allocates the record buffers (~16 KiB
  // each way) once; every later connection reuses them via session_reset.
  bool setup(TlsContext& ctx);
  bool secure() const override { return true; }

 protected:
  bool can_open() const override { return setup_; }
  StreamError on_tcp_connected() override;
  Handshake handshake_step(StreamError& err) override;
  IoResult raw_read(std::span<std::uint8_t> out) override;
  IoResult raw_write(std::span<const std::uint8_t> data) override;
  bool has_buffered_input() override;
  void before_close() override;

 private:
  static int bio_send(void* self, const unsigned char* buf, std::size_t len);
  static int bio_recv(void* self, unsigned char* buf, std::size_t len);
  static int verify_ip(void* self, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags);
  void log_tls_error(const char* what, int rc);

  mbedtls_ssl_context ssl_;
  TlsContext* ctx_ = nullptr;
  IpAddress ip_;  // the server's address when it was given as an IP literal
  bool setup_ = false;
  bool used_ = false;
};

}  // namespace dialtone::protocol
