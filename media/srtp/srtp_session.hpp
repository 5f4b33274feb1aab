// SrtpSession: one call's pair of libsrtp2 contexts (outbound, inbound),
// keyed by whoever agreed the keys: DTLS-SRTP's exporter (media/dtls) or
// SDES a=crypto lines (RFC 4568, media/sdp). Protect and unprotect work in
// place on the caller's buffer; nothing is allocated per packet (libsrtp
// allocates in srtp_create, i.e. when keys are set at call set-up or
// renegotiation).
//
// Suites: AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32, both with a
// 16-byte key and a 14-byte salt (the 30 bytes of an SDES inline key or of
// one side of the DTLS-SRTP key block). With _32 only SRTP's tag is 32 bits:
// SRTCP keeps the 80-bit tag (RFC 4568 6.2.2 via RFC 3711; libsrtp's own
// note on srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32).
#pragma once
#include <srtp2/srtp.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace dialtone::media {

enum class SrtpSuite { kAesCm128HmacSha1_80, kAesCm128HmacSha1_32 };
const char* to_string(SrtpSuite s);

class SrtpSession {
 public:
  static constexpr std::size_t kKeyLen = 16;   // AES-128
  static constexpr std::size_t kSaltLen = 14;  // RFC 3711 master salt
  static constexpr std::size_t kKeySaltLen = kKeyLen + kSaltLen;
  // Room an SRTP/SRTCP packet needs beyond its plain length.
  static constexpr std::size_t kOverheadMax = SRTP_MAX_TRAILER_LEN + 4;

  SrtpSession() = default;
  ~SrtpSession() { clear(); }
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // libsrtp's one-time initialisation; false if it failed.
  static bool library_ready();

  // (Re)keys both directions. Each key is 30 bytes: master key | master salt.
  // False (and no keys at all) on a wrong length or a libsrtp error.
  bool start(SrtpSuite suite, std::span<const std::uint8_t> outbound_key, std::span<const std::uint8_t> inbound_key);
  // Re-keys one direction only; the other keeps its state (ROC, replay list).
  bool set_outbound(SrtpSuite suite, std::span<const std::uint8_t> key);
  bool set_inbound(SrtpSuite suite, std::span<const std::uint8_t> key);
  void clear();
  bool ready() const { return out_ != nullptr && in_ != nullptr; }

  // `buf` holds `len` plain bytes and has room for kOverheadMax more; `len`
  // becomes the protected length.
  bool protect_rtp(std::span<std::uint8_t> buf, std::size_t& len);
  bool protect_rtcp(std::span<std::uint8_t> buf, std::size_t& len);
  // In place; `len` becomes the plain length. False: auth/replay failure.
  bool unprotect_rtp(std::uint8_t* data, std::size_t& len);
  bool unprotect_rtcp(std::uint8_t* data, std::size_t& len);

 private:
  static bool create(srtp_t& ctx, SrtpSuite suite, std::span<const std::uint8_t> key, bool outbound);

  srtp_t out_ = nullptr;
  srtp_t in_ = nullptr;
};

}  // namespace dialtone::media
