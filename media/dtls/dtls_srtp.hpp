// DTLS-SRTP (RFC 5764) as a sans-I/O engine: mbedTLS 2.28 DTLS 1.2 with
// use_srtp, then an SrtpSession (media/srtp) keyed from the exporter.
//
// No socket and no clock: the caller feeds datagrams and `now`, drains the
// datagrams to send with poll_transmit(), and calls handle_timeout() at
// poll_timeout(). mbedTLS's retransmission timer (mbedtls_ssl_set_timer_cb)
// is mapped onto those deadlines.
//
//   init(cert)                  once: libsrtp; handshakes draw from the
//                               process's generator (firmware/core/random.hpp)
//   start(role, fingerprint, now)  per call: role from the negotiated a=setup
//                               (active = client), fingerprint = the peer's
//                               a=fingerprint value ("sha-256 AB:.."); builds
//                               the mbedTLS config and context (allocates
//                               ~2x16 KB per call, never per packet)
//   handle_datagram / handle_timeout / poll_transmit / poll_timeout
//   state() == kConnected       SRTP keys are in place
//   protect_* / unprotect_*     in place, no allocation
//
// Only SRTP_AES128_CM_HMAC_SHA1_80 is offered or accepted: Debian's mbedTLS
// 2.28 has no AEAD-GCM use_srtp profile, and NULL-cipher profiles are never
// acceptable. The peer's certificate is checked against its SDP fingerprint
// inside the handshake (verify callback), so a mismatch fails the handshake
// before any key exists. Cookies (HelloVerifyRequest) are off: ICE has
// already proven the path.
//
// Start the client only once ICE has a selected pair: a ClientHello sent
// earlier is lost and costs a retransmission timeout.
#pragma once
#include <mbedtls/ssl.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "media/dtls/dtls_certificate.hpp"
#include "media/srtp/srtp_session.hpp"

namespace dialtone::media {

enum class DtlsRole { kClient, kServer };
enum class DtlsState { kNew, kHandshaking, kConnected, kFailed, kClosed };
const char* to_string(DtlsState s);

class DtlsSrtp {
 public:
  // Room an SRTP/SRTCP packet needs beyond its plain length.
  static constexpr std::size_t kSrtpOverheadMax = SrtpSession::kOverheadMax;

  DtlsSrtp();
  ~DtlsSrtp();
  DtlsSrtp(const DtlsSrtp&) = delete;
  DtlsSrtp& operator=(const DtlsSrtp&) = delete;

  // Once. `cert` must outlive this object.
  bool init(const DtlsCertificate& cert);

  // Begins a handshake (a client sends its ClientHello now). May be called
  // again for a new call; the previous session is reset.
  bool start(DtlsRole role, std::string_view remote_fingerprint, TimeMs now);

  // A DTLS datagram from the peer (first byte 20..63, RFC 7983).
  void handle_datagram(std::span<const std::uint8_t> datagram, TimeMs now);
  // Call at or after poll_timeout().
  void handle_timeout(TimeMs now);
  // Absolute time of the next retransmission, or -1 if none is armed.
  TimeMs poll_timeout() const;
  // Next datagram to send, if any. The span stays valid until the next call
  // on this object.
  bool poll_transmit(std::span<const std::uint8_t>& out);

  // Sends close_notify (drain poll_transmit() afterwards) and ends the
  // association; SRTP keys are dropped.
  void close();

  DtlsState state() const { return state_; }
  DtlsRole role() const { return role_; }
  // Why kFailed (or kClosed): a sentence for logs and the failed() event.
  std::string_view failure_reason() const { return reason_.view(); }

  // SRTP, once kConnected. `buf` holds `len` plain bytes and has room for
  // kSrtpOverheadMax more; `len` becomes the protected length.
  bool protect_rtp(std::span<std::uint8_t> buf, std::size_t& len);
  bool protect_rtcp(std::span<std::uint8_t> buf, std::size_t& len);
  // In place; `len` becomes the plain length. False: auth/replay failure.
  bool unprotect_rtp(std::uint8_t* data, std::size_t& len);
  bool unprotect_rtcp(std::uint8_t* data, std::size_t& len);

 private:
  static int bio_send(void* self, const unsigned char* buf, size_t len);
  static int bio_recv(void* self, unsigned char* buf, size_t len);
  static void timer_set(void* self, uint32_t int_ms, uint32_t fin_ms);
  static int timer_get(void* self);
  static int verify_cb(void* self, mbedtls_x509_crt* crt, int depth, uint32_t* flags);
  static int export_keys_cb(void* self, const unsigned char* ms, const unsigned char* kb, size_t maclen,
                            size_t keylen, size_t ivlen, const unsigned char client_random[32],
                            const unsigned char server_random[32], mbedtls_tls_prf_types prf);
  enum class Reassembly { kNotFragmented, kIncomplete, kComplete, kInvalid };
  Reassembly reassemble_client_hello(std::span<const std::uint8_t> d);
  void drive();
  void on_handshake_done();
  void fail(const char* what, int mbedtls_error);

  struct Datagram {
    std::uint16_t len = 0;
    std::uint8_t data[limits::kDtlsDatagramMax];
  };

  const DtlsCertificate* cert_ = nullptr;
  mbedtls_ssl_config conf_;
  mbedtls_ssl_context ssl_;
  bool initialised_ = false;

  DtlsRole role_ = DtlsRole::kClient;
  DtlsState state_ = DtlsState::kNew;
  FixedString<320> reason_;
  Sha256 expected_{};
  bool peer_verified_ = false;

  // Input of the current handle_datagram() call, consumed by bio_recv.
  std::span<const std::uint8_t> pending_in_;
  // mbedTLS 2.28's server refuses a ClientHello split into fragments, and
  // OpenSSL peers with memory BIOs (aiortc) fragment theirs at ~256 bytes,
  // so a server reassembles it into one record first (see the .cpp).
  std::uint8_t ch_[13 + 12 + limits::kDtlsClientHelloMax];
  std::uint8_t ch_have_[limits::kDtlsClientHelloMax / 8];
  std::size_t ch_len_ = 0;  // body length of the ClientHello being reassembled
  bool ch_done_ = false;

  // Outgoing ring.
  Datagram out_[limits::kDtlsOutQueue];
  std::size_t out_head_ = 0, out_count_ = 0;

  // mbedTLS timer on caller time.
  TimeMs now_ = 0;
  TimeMs int_deadline_ = -1, fin_deadline_ = -1;

  // From the export callback, for the RFC 5705 exporter once done.
  unsigned char master_[48]{};
  unsigned char randoms_[64]{};
  mbedtls_tls_prf_types prf_ = MBEDTLS_SSL_TLS_PRF_NONE;
  bool have_master_ = false;

  SrtpSession srtp_;
};

}  // namespace dialtone::media
