#include "media/srtp/srtp_session.hpp"

#include <cstring>

namespace dialtone::media {

const char* to_string(SrtpSuite s) {
  switch (s) {
    case SrtpSuite::kAesCm128HmacSha1_80: return "AES_CM_128_HMAC_SHA1_80";
    case SrtpSuite::kAesCm128HmacSha1_32: return "AES_CM_128_HMAC_SHA1_32";
  }
  return "?";
}

bool SrtpSession::library_ready() {
  static bool ready = srtp_init() == srtp_err_status_ok;
  return ready;
}

bool SrtpSession::create(srtp_t& ctx, SrtpSuite suite, std::span<const std::uint8_t> key, bool outbound) {
  if (ctx) srtp_dealloc(ctx);
  ctx = nullptr;
  if (key.size() != kKeySaltLen || !library_ready()) return false;
  // libsrtp reads the key through a non-const pointer; it does not write it.
  unsigned char k[kKeySaltLen];
  std::memcpy(k, key.data(), kKeySaltLen);
  srtp_policy_t p{};
  if (suite == SrtpSuite::kAesCm128HmacSha1_32)
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
  else
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
  p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  p.key = k;
  p.window_size = 1024;  // tolerate reordering on long paths
  const srtp_err_status_t e = srtp_create(&ctx, &p);
  // Zeroed through a volatile pointer so the store is not optimised away.
  volatile unsigned char* z = k;
  for (std::size_t i = 0; i < kKeySaltLen; ++i) z[i] = 0;
  if (e != srtp_err_status_ok) {
    if (ctx) srtp_dealloc(ctx);
    ctx = nullptr;
    return false;
  }
  return true;
}

bool SrtpSession::start(SrtpSuite suite, std::span<const std::uint8_t> outbound_key,
                        std::span<const std::uint8_t> inbound_key) {
  if (create(out_, suite, outbound_key, true) && create(in_, suite, inbound_key, false)) return true;
  clear();
  return false;
}

bool SrtpSession::set_outbound(SrtpSuite suite, std::span<const std::uint8_t> key) {
  return create(out_, suite, key, true);
}

bool SrtpSession::set_inbound(SrtpSuite suite, std::span<const std::uint8_t> key) {
  return create(in_, suite, key, false);
}

void SrtpSession::clear() {
  if (in_) srtp_dealloc(in_);
  if (out_) srtp_dealloc(out_);
  in_ = out_ = nullptr;
}

bool SrtpSession::protect_rtp(std::span<std::uint8_t> buf, std::size_t& len) {
  if (!out_ || len + kOverheadMax > buf.size()) return false;
  int n = static_cast<int>(len);
  if (srtp_protect(out_, buf.data(), &n) != srtp_err_status_ok) return false;
  len = static_cast<std::size_t>(n);
  return true;
}

bool SrtpSession::protect_rtcp(std::span<std::uint8_t> buf, std::size_t& len) {
  if (!out_ || len + kOverheadMax > buf.size()) return false;
  int n = static_cast<int>(len);
  if (srtp_protect_rtcp(out_, buf.data(), &n) != srtp_err_status_ok) return false;
  len = static_cast<std::size_t>(n);
  return true;
}

bool SrtpSession::unprotect_rtp(std::uint8_t* data, std::size_t& len) {
  if (!in_) return false;
  int n = static_cast<int>(len);
  if (srtp_unprotect(in_, data, &n) != srtp_err_status_ok) return false;
  len = static_cast<std::size_t>(n);
  return true;
}

bool SrtpSession::unprotect_rtcp(std::uint8_t* data, std::size_t& len) {
  if (!in_) return false;
  int n = static_cast<int>(len);
  if (srtp_unprotect_rtcp(in_, data, &n) != srtp_err_status_ok) return false;
  len = static_cast<std::size_t>(n);
  return true;
}

}  // namespace dialtone::media
