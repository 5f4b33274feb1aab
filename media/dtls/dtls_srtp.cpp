#include "media/dtls/dtls_srtp.hpp"

#include <mbedtls/error.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl_ciphersuites.h>

#include <cstring>

#include "firmware/core/log.hpp"
#include "firmware/core/random.hpp"

namespace dialtone::media {

namespace {

constexpr const char* kMod = "dtls";
constexpr std::size_t kKeyLen = 16;   // AES-128
constexpr std::size_t kSaltLen = 14;  // RFC 3711 master salt

// ECDSA first (ours and most WebRTC stacks' certificates), then RSA for peers
// that still use RSA certificates. AEAD only where the peer agrees.
const int kCiphersuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    0,
};

// The only profile we offer or accept (see the header).
const mbedtls_ssl_srtp_profile kSrtpProfiles[] = {
    MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_80,
    MBEDTLS_TLS_SRTP_UNSET,
};

}  // namespace

const char* to_string(DtlsState s) {
  switch (s) {
    case DtlsState::kNew: return "new";
    case DtlsState::kHandshaking: return "handshaking";
    case DtlsState::kConnected: return "connected";
    case DtlsState::kFailed: return "failed";
    case DtlsState::kClosed: return "closed";
  }
  return "?";
}

DtlsSrtp::DtlsSrtp() {
  mbedtls_ssl_config_init(&conf_);
  mbedtls_ssl_init(&ssl_);
}

DtlsSrtp::~DtlsSrtp() {
  srtp_.clear();
  mbedtls_ssl_free(&ssl_);
  mbedtls_ssl_config_free(&conf_);
  mbedtls_platform_zeroize(master_, sizeof(master_));
}

bool DtlsSrtp::init(const DtlsCertificate& cert) {
  if (initialised_) return true;
  if (!cert.valid() || !SrtpSession::library_ready()) {
    DT_LOGE(kMod, "init: no certificate or libsrtp failed to initialise");
    return false;
  }
  cert_ = &cert;
  if (!process_csprng().ready()) {
    DT_LOGE(kMod, "init: no seeded random generator");
    return false;
  }
  initialised_ = true;
  return true;
}

bool DtlsSrtp::start(DtlsRole role, std::string_view remote_fingerprint, TimeMs now) {
  if (!initialised_) return false;
  now_ = now;
  role_ = role;
  reason_.clear();
  peer_verified_ = false;
  have_master_ = false;
  ch_len_ = 0;
  ch_done_ = false;
  out_head_ = out_count_ = 0;
  pending_in_ = {};
  int_deadline_ = fin_deadline_ = -1;
  srtp_.clear();
  if (!parse_sha256_fingerprint(remote_fingerprint, expected_)) {
    state_ = DtlsState::kFailed;
    reason_.assign("remote a=fingerprint missing or not sha-256");
    DT_LOGE(kMod, "%s", reason_.c_str());
    return false;
  }

  // The role decides the endpoint in the config, so config and context are
  // (re)built per start; this allocates, which is per call, not per packet.
  mbedtls_ssl_free(&ssl_);
  mbedtls_ssl_init(&ssl_);
  mbedtls_ssl_config_free(&conf_);
  mbedtls_ssl_config_init(&conf_);
  int rc = mbedtls_ssl_config_defaults(
      &conf_, role == DtlsRole::kClient ? MBEDTLS_SSL_IS_CLIENT : MBEDTLS_SSL_IS_SERVER,
      MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) {
    fail("config", rc);
    return false;
  }
  mbedtls_ssl_conf_min_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_rng(&conf_, &Csprng::mbedtls_rng, process_csprng().mbedtls_rng_ctx());
  mbedtls_ssl_conf_ciphersuites(&conf_, kCiphersuites);
  // Self-signed on both sides: no CA; the verify callback checks the
  // fingerprint and its error aborts the handshake even in OPTIONAL mode.
  // OPTIONAL also makes our server request the client's certificate;
  // on_handshake_done() refuses a peer that sent none.
  mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_OPTIONAL);
  mbedtls_ssl_conf_verify(&conf_, verify_cb, this);
  rc = mbedtls_ssl_conf_own_cert(&conf_, cert_->crt(), cert_->key());
  if (rc != 0) {
    fail("own certificate", rc);
    return false;
  }
  mbedtls_ssl_conf_dtls_srtp_protection_profiles(&conf_, kSrtpProfiles);
  mbedtls_ssl_conf_srtp_mki_value_supported(&conf_, MBEDTLS_SSL_DTLS_SRTP_MKI_UNSUPPORTED);
  mbedtls_ssl_conf_export_keys_ext_cb(&conf_, export_keys_cb, this);
  // 2.28's default cookie callbacks fail on purpose; NULL turns cookies off.
  if (role == DtlsRole::kServer) mbedtls_ssl_conf_dtls_cookies(&conf_, nullptr, nullptr, nullptr);
  // First retransmission after 500 ms, doubling to 8 s: gives up ~15 s in.
  mbedtls_ssl_conf_handshake_timeout(&conf_, 500, 8000);

  rc = mbedtls_ssl_setup(&ssl_, &conf_);
  if (rc != 0) {
    fail("setup", rc);
    return false;
  }
  mbedtls_ssl_set_mtu(&ssl_, static_cast<uint16_t>(limits::kDtlsMtu));
  mbedtls_ssl_set_bio(&ssl_, this, bio_send, bio_recv, nullptr);
  mbedtls_ssl_set_timer_cb(&ssl_, this, timer_set, timer_get);
  state_ = DtlsState::kHandshaking;
  DT_LOGD(kMod, "handshake starts as %s", role == DtlsRole::kClient ? "client" : "server");
  drive();  // a client writes its ClientHello now
  return state_ != DtlsState::kFailed;
}

void DtlsSrtp::handle_datagram(std::span<const std::uint8_t> d, TimeMs now) {
  now_ = now;
  if (state_ != DtlsState::kHandshaking && state_ != DtlsState::kConnected) return;
  if (role_ == DtlsRole::kServer && state_ == DtlsState::kHandshaking && !ch_done_) {
    switch (reassemble_client_hello(d)) {
      case Reassembly::kNotFragmented:
        break;
      case Reassembly::kIncomplete:
      case Reassembly::kInvalid:
        return;
      case Reassembly::kComplete:
        ch_done_ = true;
        d = {ch_, 13 + 12 + ch_len_};
        break;
    }
  }
  pending_in_ = d;
  drive();
  pending_in_ = {};
}

void DtlsSrtp::handle_timeout(TimeMs now) {
  now_ = now;
  if (state_ == DtlsState::kHandshaking) drive();
}

namespace {
std::uint32_t be16(const std::uint8_t* p) { return static_cast<std::uint32_t>(p[0]) << 8 | p[1]; }
std::uint32_t be24(const std::uint8_t* p) { return static_cast<std::uint32_t>(p[0]) << 16 | be16(p + 1); }
void put24(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 16);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v);
}
}  // namespace

// Walks the records of a datagram (RFC 6347 4.1: 13-byte record header,
// 4.2.2: 12-byte handshake header with fragment offset/length). ClientHello
// fragments of epoch 0 are collected; once every byte is there, ch_ holds
// one record with the whole message as a single fragment, which is also how
// the handshake transcript hashes it (RFC 6347 4.2.6), so nothing changes
// for the handshake itself.
DtlsSrtp::Reassembly DtlsSrtp::reassemble_client_hello(std::span<const std::uint8_t> d) {
  bool fragment_seen = false;
  for (std::size_t off = 0; off + 13 <= d.size();) {
    const std::uint8_t* rec = d.data() + off;
    const std::size_t len = be16(rec + 11);
    if (off + 13 + len > d.size()) return fragment_seen ? Reassembly::kInvalid : Reassembly::kNotFragmented;
    off += 13 + len;
    const std::uint8_t* hs = rec + 13;
    if (rec[0] != 22 || be16(rec + 3) != 0 || len < 12 || hs[0] != 1) continue;
    const std::uint32_t msg_len = be24(hs + 1), frag_off = be24(hs + 6), frag_len = be24(hs + 9);
    if (frag_off == 0 && frag_len == msg_len) continue;  // whole: mbedTLS takes it as is
    fragment_seen = true;
    if (msg_len > limits::kDtlsClientHelloMax || frag_off + frag_len > msg_len || 12 + frag_len > len)
      return Reassembly::kInvalid;
    if (ch_len_ == 0 || ch_len_ != msg_len) {  // first fragment (or a new message): start over
      ch_len_ = msg_len;
      std::memset(ch_have_, 0, sizeof(ch_have_));
      std::memcpy(ch_, rec, 13);       // type, version, epoch, sequence
      std::memcpy(ch_ + 13, hs, 6);    // msg_type, length, message_seq
      put24(ch_ + 13 + 6, 0);          // fragment_offset
      put24(ch_ + 13 + 9, msg_len);    // fragment_length
      ch_[11] = static_cast<std::uint8_t>((12 + msg_len) >> 8);
      ch_[12] = static_cast<std::uint8_t>(12 + msg_len);
    }
    // The record takes the sequence number of the first fragment: the
    // client's later records count on from there, and mbedTLS's replay
    // window would drop one whose number we had already used.
    if (frag_off == 0) std::memcpy(ch_ + 3, rec + 3, 8);
    std::memcpy(ch_ + 25 + frag_off, hs + 12, frag_len);
    for (std::uint32_t i = frag_off; i < frag_off + frag_len; ++i)
      ch_have_[i / 8] = static_cast<std::uint8_t>(ch_have_[i / 8] | 1u << (i % 8));
  }
  if (!fragment_seen) return Reassembly::kNotFragmented;
  for (std::size_t i = 0; i < ch_len_; ++i)
    if (!(ch_have_[i / 8] & (1u << (i % 8)))) return Reassembly::kIncomplete;
  DT_LOGD(kMod, "fragmented ClientHello (%zu bytes) reassembled", ch_len_);
  return Reassembly::kComplete;
}

TimeMs DtlsSrtp::poll_timeout() const {
  if (state_ != DtlsState::kHandshaking && state_ != DtlsState::kConnected) return -1;
  return fin_deadline_;
}

bool DtlsSrtp::poll_transmit(std::span<const std::uint8_t>& out) {
  if (out_count_ == 0) return false;
  const Datagram& d = out_[out_head_];
  out = {d.data, d.len};
  out_head_ = (out_head_ + 1) % limits::kDtlsOutQueue;
  --out_count_;
  return true;
}

void DtlsSrtp::drive() {
  if (state_ == DtlsState::kHandshaking) {
    int rc = mbedtls_ssl_handshake(&ssl_);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return;
    if (rc != 0) {
      if (reason_.empty()) fail("handshake", rc);
      else fail(nullptr, rc);
      return;
    }
    on_handshake_done();
    if (state_ != DtlsState::kConnected) return;
  }
  // Connected: alerts, close_notify, or a retransmitted last flight from
  // the peer (mbedTLS answers it). Audio has no DTLS application data.
  unsigned char buf[256];
  for (;;) {
    int rc = mbedtls_ssl_read(&ssl_, buf, sizeof(buf));
    if (rc > 0) continue;  // application data: not used by audio calls
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return;
    if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == 0) {
      state_ = DtlsState::kClosed;
      reason_.assign("DTLS closed by the peer (close_notify)");
      DT_LOGI(kMod, "%s", reason_.c_str());
      return;
    }
    fail("read", rc);
    return;
  }
}

void DtlsSrtp::close() {
  if (state_ == DtlsState::kConnected || state_ == DtlsState::kHandshaking) {
    mbedtls_ssl_close_notify(&ssl_);  // one alert record; no retransmission in DTLS
    state_ = DtlsState::kClosed;
    reason_.assign("DTLS closed locally");
  }
  int_deadline_ = fin_deadline_ = -1;
  srtp_.clear();
}

void DtlsSrtp::fail(const char* what, int err) {
  if (state_ == DtlsState::kFailed) return;
  state_ = DtlsState::kFailed;
  if (what) {
    char msg[96];
    mbedtls_strerror(err, msg, sizeof(msg));
    reason_.assign("DTLS ");
    reason_.append(what);
    reason_.append(" failed: ");
    reason_.append(msg);
  }
  DT_LOGE(kMod, "%s (-0x%04x)", reason_.c_str(), static_cast<unsigned>(-err));
}

int DtlsSrtp::verify_cb(void* p, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
  auto* self = static_cast<DtlsSrtp*>(p);
  // Self-signed: "not trusted" is expected. Only the leaf matters, and only
  // by its fingerprint.
  *flags = 0;
  if (depth != 0) return 0;
  Sha256 got = sha256_of_certificate(*crt);
  if (got != self->expected_) {
    self->reason_.assign("DTLS fingerprint mismatch: peer certificate is ");
    self->reason_.append(format_fingerprint(got).view());
    self->reason_.append(", SDP said ");
    self->reason_.append(format_fingerprint(self->expected_).view());
    return MBEDTLS_ERR_X509_FATAL_ERROR;
  }
  self->peer_verified_ = true;
  return 0;
}

int DtlsSrtp::export_keys_cb(void* p, const unsigned char* ms, const unsigned char*, size_t, size_t, size_t,
                             const unsigned char client_random[32], const unsigned char server_random[32],
                             mbedtls_tls_prf_types prf) {
  auto* self = static_cast<DtlsSrtp*>(p);
  std::memcpy(self->master_, ms, sizeof(self->master_));
  std::memcpy(self->randoms_, client_random, 32);
  std::memcpy(self->randoms_ + 32, server_random, 32);
  self->prf_ = prf;
  self->have_master_ = true;
  return 0;
}

void DtlsSrtp::on_handshake_done() {
  if (!peer_verified_) {
    state_ = DtlsState::kFailed;
    reason_.assign("DTLS peer presented no certificate to check against a=fingerprint");
    DT_LOGE(kMod, "%s", reason_.c_str());
    return;
  }
  mbedtls_dtls_srtp_info info;
  mbedtls_ssl_get_dtls_srtp_negotiation_result(&ssl_, &info);
  if (info.chosen_dtls_srtp_profile != MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_80) {
    state_ = DtlsState::kFailed;
    reason_.assign("DTLS peer did not negotiate use_srtp SRTP_AES128_CM_HMAC_SHA1_80");
    DT_LOGE(kMod, "%s", reason_.c_str());
    return;
  }
  if (!have_master_) {
    fail("key export (no master secret)", 0);
    return;
  }
  // RFC 5764 4.2: client key | server key | client salt | server salt.
  unsigned char km[2 * (kKeyLen + kSaltLen)];
  int rc = mbedtls_ssl_tls_prf(prf_, master_, sizeof(master_), "EXTRACTOR-dtls_srtp", randoms_,
                               sizeof(randoms_), km, sizeof(km));
  mbedtls_platform_zeroize(master_, sizeof(master_));
  if (rc != 0) {
    fail("key export", rc);
    return;
  }
  unsigned char client_ks[kKeyLen + kSaltLen], server_ks[kKeyLen + kSaltLen];
  std::memcpy(client_ks, km, kKeyLen);
  std::memcpy(client_ks + kKeyLen, km + 2 * kKeyLen, kSaltLen);
  std::memcpy(server_ks, km + kKeyLen, kKeyLen);
  std::memcpy(server_ks + kKeyLen, km + 2 * kKeyLen + kSaltLen, kSaltLen);
  mbedtls_platform_zeroize(km, sizeof(km));

  const bool client = role_ == DtlsRole::kClient;
  const bool keyed = srtp_.start(SrtpSuite::kAesCm128HmacSha1_80, client ? client_ks : server_ks,
                                 client ? server_ks : client_ks);
  mbedtls_platform_zeroize(client_ks, sizeof(client_ks));
  mbedtls_platform_zeroize(server_ks, sizeof(server_ks));
  if (!keyed) {
    state_ = DtlsState::kFailed;
    reason_.assign("libsrtp could not create the SRTP sessions");
    DT_LOGE(kMod, "%s", reason_.c_str());
    return;
  }
  state_ = DtlsState::kConnected;
  DT_LOGI(kMod, "DTLS-SRTP connected as %s (%s, SRTP_AES128_CM_HMAC_SHA1_80)", client ? "client" : "server",
          mbedtls_ssl_get_ciphersuite(&ssl_));
}

int DtlsSrtp::bio_send(void* p, const unsigned char* buf, size_t len) {
  auto* self = static_cast<DtlsSrtp*>(p);
  if (len > limits::kDtlsDatagramMax) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
  if (self->out_count_ == limits::kDtlsOutQueue) {
    // The caller did not drain; drop the datagram like a full socket would.
    // mbedTLS retransmits the flight.
    DT_LOGW(kMod, "outgoing queue full; a DTLS datagram is dropped");
    return static_cast<int>(len);
  }
  Datagram& d = self->out_[(self->out_head_ + self->out_count_) % limits::kDtlsOutQueue];
  std::memcpy(d.data, buf, len);
  d.len = static_cast<std::uint16_t>(len);
  ++self->out_count_;
  return static_cast<int>(len);
}

int DtlsSrtp::bio_recv(void* p, unsigned char* buf, size_t len) {
  auto* self = static_cast<DtlsSrtp*>(p);
  if (self->pending_in_.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
  std::size_t n = self->pending_in_.size() < len ? self->pending_in_.size() : len;
  std::memcpy(buf, self->pending_in_.data(), n);
  self->pending_in_ = {};
  return static_cast<int>(n);
}

void DtlsSrtp::timer_set(void* p, uint32_t int_ms, uint32_t fin_ms) {
  auto* self = static_cast<DtlsSrtp*>(p);
  if (fin_ms == 0) {
    self->int_deadline_ = self->fin_deadline_ = -1;
    return;
  }
  self->int_deadline_ = self->now_ + int_ms;
  self->fin_deadline_ = self->now_ + fin_ms;
}

int DtlsSrtp::timer_get(void* p) {
  auto* self = static_cast<DtlsSrtp*>(p);
  if (self->fin_deadline_ < 0) return -1;
  if (self->now_ >= self->fin_deadline_) return 2;
  if (self->now_ >= self->int_deadline_) return 1;
  return 0;
}

bool DtlsSrtp::protect_rtp(std::span<std::uint8_t> buf, std::size_t& len) { return srtp_.protect_rtp(buf, len); }
bool DtlsSrtp::protect_rtcp(std::span<std::uint8_t> buf, std::size_t& len) { return srtp_.protect_rtcp(buf, len); }
bool DtlsSrtp::unprotect_rtp(std::uint8_t* data, std::size_t& len) { return srtp_.unprotect_rtp(data, len); }
bool DtlsSrtp::unprotect_rtcp(std::uint8_t* data, std::size_t& len) { return srtp_.unprotect_rtcp(data, len); }

}  // namespace dialtone::media
