#include "protocol/tls/tls_stream.hpp"

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <sys/socket.h>

#include <cerrno>

#include "firmware/core/log.hpp"

namespace dialtone::protocol {

TlsContext::TlsContext() {
  mbedtls_ssl_config_init(&conf_);
  mbedtls_x509_crt_init(&ca_);
}

TlsContext::~TlsContext() {
  mbedtls_ssl_config_free(&conf_);
  mbedtls_x509_crt_free(&ca_);
}

bool TlsContext::init(const char* ca_file, Csprng& rng) {
  if (ready_) return true;
  ca_file_.assign(ca_file ? ca_file : "");
  int rc = mbedtls_x509_crt_parse_file(&ca_, ca_file_.c_str());
  if (rc != 0) {
    char msg[128];
    mbedtls_strerror(rc, msg, sizeof msg);
    DT_LOGE("tls", "cannot load the CA file %s: %s%s", ca_file_.c_str(), msg,
            rc > 0 ? " (some certificates in it did not parse)" : "");
    if (rc < 0) return false;  // rc > 0: the bundle loaded, minus a few entries
  }
  rc = mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                   MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) {
    DT_LOGE("tls", "mbedtls_ssl_config_defaults failed (-0x%04x)", static_cast<unsigned>(-rc));
    return false;
  }
  // TLS 1.2 exactly: the only version Debian's mbedTLS 2.28 implements.
  mbedtls_ssl_conf_min_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&conf_, &ca_, nullptr);
  mbedtls_ssl_conf_rng(&conf_, &Csprng::mbedtls_rng, rng.mbedtls_rng_ctx());
  ready_ = true;
  return true;
}

TlsStream::TlsStream(EventLoop& loop) : Stream(loop) { mbedtls_ssl_init(&ssl_); }

TlsStream::~TlsStream() {
  close();
  mbedtls_ssl_free(&ssl_);
}

bool TlsStream::setup(TlsContext& ctx) {
  if (setup_) return true;
  if (!ctx.ready()) return false;
  int rc = mbedtls_ssl_setup(&ssl_, ctx.config());
  if (rc != 0) {
    log_tls_error("mbedtls_ssl_setup", rc);
    return false;
  }
  ctx_ = &ctx;
  setup_ = true;
  return true;
}

void TlsStream::log_tls_error(const char* what, int rc) {
  char msg[128];
  mbedtls_strerror(rc, msg, sizeof msg);
  DT_LOGW("tls", "%s:%u: %s: %s (-0x%04x)", host().data(), static_cast<unsigned>(port()), what, msg,
          static_cast<unsigned>(-rc));
}

StreamError TlsStream::on_tcp_connected() {
  if (used_) {
    int rc = mbedtls_ssl_session_reset(&ssl_);
    if (rc != 0) {
      log_tls_error("session reset", rc);
      return StreamError::kTls;
    }
  }
  used_ = true;
  // An address is checked by verify_ip; NULL also clears a name left from
  // the slot's previous connection and sends no SNI (RFC 6066: never an
  // address). A name is never skipped: without it mbedTLS 2.28.3 accepts a
  // certificate for any host.
  parse_ip_literal(host(), ip_);
  int rc = mbedtls_ssl_set_hostname(&ssl_, ip_.len ? nullptr : host().data());
  if (rc != 0) {
    log_tls_error("set host name", rc);
    return StreamError::kTls;
  }
  mbedtls_ssl_set_verify(&ssl_, ip_.len ? &TlsStream::verify_ip : nullptr, this);
  mbedtls_ssl_set_bio(&ssl_, this, &TlsStream::bio_send, &TlsStream::bio_recv, nullptr);
  return StreamError::kNone;
}

Stream::Handshake TlsStream::handshake_step(StreamError& err) {
  int rc = mbedtls_ssl_handshake(&ssl_);
  if (rc == 0) {
    DT_LOGI("tls", "%s:%u: connected, %s %s", host().data(), static_cast<unsigned>(port()),
            mbedtls_ssl_get_version(&ssl_), mbedtls_ssl_get_ciphersuite(&ssl_));
    return Handshake::kDone;
  }
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return Handshake::kWantRead;
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Handshake::kWantWrite;

  std::uint32_t flags = mbedtls_ssl_get_verify_result(&ssl_);
  if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0 && flags != static_cast<std::uint32_t>(-1)) {
    // The verify flags in words, one log line per problem.
    char info[512];
    mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    for (char* line = info; *line;) {
      char* nl = line;
      while (*nl && *nl != '\n') ++nl;
      bool more = *nl == '\n';
      *nl = '\0';
      DT_LOGW("tls", "%s:%u: server certificate: %s", host().data(), static_cast<unsigned>(port()), line);
      line = more ? nl + 1 : nl;
    }
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
      DT_LOGW("tls", "%s:%u: the server certificate does not chain to a CA in %s", host().data(),
              static_cast<unsigned>(port()), ctx_->ca_file());
      err = StreamError::kCertUntrusted;
    } else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
      if (ip_.len)
        DT_LOGW("tls", "%s:%u: the server certificate does not name the address %s (no iPAddress subjectAltName "
                "for it; a DNS name or CN spelling the address does not count)", host().data(),
                static_cast<unsigned>(port()), host().data());
      else
        DT_LOGW("tls", "%s:%u: the server certificate is not valid for the host name '%s'", host().data(),
                static_cast<unsigned>(port()), host().data());
      err = StreamError::kCertHostMismatch;
    } else {
      err = StreamError::kCertInvalid;
    }
    return Handshake::kFailed;
  }
  log_tls_error("handshake failed", rc);
  err = (rc == MBEDTLS_ERR_NET_CONN_RESET || rc == MBEDTLS_ERR_SSL_CONN_EOF) ? StreamError::kReset
                                                                               : StreamError::kTls;
  return Handshake::kFailed;
}

IoResult TlsStream::raw_read(std::span<std::uint8_t> out) {
  int rc = mbedtls_ssl_read(&ssl_, out.data(), out.size());
  if (rc > 0) return {static_cast<std::size_t>(rc), IoStatus::kOk};
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return {0, IoStatus::kWouldBlock};
  // A read can need a write first (renegotiation, post-handshake messages).
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return {0, IoStatus::kWouldBlock, true};
  if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF)
    return {0, IoStatus::kEof};
  log_tls_error("read", rc);
  return {0, IoStatus::kError};
}

IoResult TlsStream::raw_write(std::span<const std::uint8_t> data) {
  int rc = mbedtls_ssl_write(&ssl_, data.data(), data.size());
  if (rc >= 0) return {static_cast<std::size_t>(rc), IoStatus::kOk};
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return {0, IoStatus::kWouldBlock, true};
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return {0, IoStatus::kWouldBlock, false};
  log_tls_error("write", rc);
  return {0, IoStatus::kError};
}

bool TlsStream::has_buffered_input() { return mbedtls_ssl_check_pending(&ssl_) != 0; }

void TlsStream::before_close() {
  // One attempt only: a close_notify that would block is dropped rather than
  // holding the slot (the socket is closed right after either way).
  mbedtls_ssl_close_notify(&ssl_);
}

// Runs for each certificate of the chain mbedTLS built; only the leaf (depth
// 0) must name the address. A miss is reported the way mbedTLS reports a
// wrong host name, so both take the same path to kCertHostMismatch.
int TlsStream::verify_ip(void* self, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags) {
  auto* s = static_cast<TlsStream*>(self);
  if (depth == 0 && !cert_names_ip(*crt, s->ip_)) *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  return 0;
}

// Our own BIO instead of mbedtls_net_send: that one uses write(), which
// raises SIGPIPE on a socket the peer has closed.
int TlsStream::bio_send(void* self, const unsigned char* buf, std::size_t len) {
  auto* s = static_cast<TlsStream*>(self);
  ssize_t n = ::send(s->fd(), buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n >= 0) return static_cast<int>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return MBEDTLS_ERR_SSL_WANT_WRITE;
  if (errno == EPIPE || errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
  return MBEDTLS_ERR_NET_SEND_FAILED;
}

int TlsStream::bio_recv(void* self, unsigned char* buf, std::size_t len) {
  auto* s = static_cast<TlsStream*>(self);
  ssize_t n = ::recv(s->fd(), buf, len, MSG_DONTWAIT);
  if (n >= 0) return static_cast<int>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return MBEDTLS_ERR_SSL_WANT_READ;
  if (errno == ECONNRESET || errno == EPIPE) return MBEDTLS_ERR_NET_CONN_RESET;
  return MBEDTLS_ERR_NET_RECV_FAILED;
}

}  // namespace dialtone::protocol
