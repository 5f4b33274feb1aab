#include "protocol/tls/stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/core/clock.hpp"
#include "firmware/core/log.hpp"
#include "protocol/tls/connect_failure.hpp"
#include "protocol/tls/ip_san.hpp"

namespace dialtone::protocol {

const char* to_string(StreamError e) {
  switch (e) {
    case StreamError::kNone: return "none";
    case StreamError::kResolve: return "host name did not resolve";
    case StreamError::kResolveTimeout: return "DNS lookup timed out";
    case StreamError::kRefused: return "connection refused";
    case StreamError::kUnreachable: return "network unreachable";
    case StreamError::kTimeout: return "timed out";
    case StreamError::kReset: return "connection reset";
    case StreamError::kCertUntrusted: return "certificate not trusted";
    case StreamError::kCertHostMismatch: return "certificate is for another host";
    case StreamError::kCertInvalid: return "certificate invalid";
    case StreamError::kTls: return "TLS failure";
    case StreamError::kSocket: return "socket error";
  }
  return "?";
}

namespace {

StreamError from_errno(int e) {
  switch (e) {
    case ECONNREFUSED: return StreamError::kRefused;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN: return StreamError::kUnreachable;
    case ETIMEDOUT: return StreamError::kTimeout;
    case ECONNRESET:
    case EPIPE: return StreamError::kReset;
    default: return StreamError::kSocket;
  }
}

// The address of an IP literal, or false for a host name.
bool literal_address(std::string_view host, std::uint16_t port, sockaddr_storage& out, socklen_t& len) {
  IpAddress ip;
  if (!parse_ip_literal(host, ip)) return false;
  out = sockaddr_storage{};
  if (ip.len == 4) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, ip.bytes, 4);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    std::memcpy(&a->sin6_addr, ip.bytes, 16);
    len = sizeof *a;
  }
  return true;
}

}  // namespace

Stream::~Stream() { close(); }

bool Stream::open(std::string_view host, std::uint16_t port, TimeMs timeout_ms, StreamHandler handler) {
  if (state_ != State::kIdle || !can_open()) return false;
  if (!host_.assign(host) || host.empty()) return false;
  ++gen_;
  port_ = port;
  handler_ = std::move(handler);
  timeout_ms_ = timeout_ms;
  hs_wants_write_ = write_blocked_ = read_wants_write_ = false;
  retry_len_ = 0;
  out_len_ = 0;
  failure_.clear();
  started_ms_ = monotonic_ms();
  std::uint32_t g = gen_;
  // One deadline for lookup, connect and handshake together.
  timeout_timer_ = loop_.add_timer(timeout_ms, [this, g] {
    if (g == gen_) on_timeout();
  });
  sockaddr_storage addr;
  socklen_t len = 0;
  if (literal_address(host_.view(), port, addr, len)) {
    state_ = State::kConnecting;
    connect_to(reinterpret_cast<const sockaddr*>(&addr), len);
    return true;
  }
  state_ = State::kResolving;
  resolver_.start(host_.c_str(), port, dns_servers_, [this, g](const LookupResult& r) {
    if (g == gen_) on_resolved(r);
  });
  return true;
}

void Stream::on_resolved(const LookupResult& r) {
  if (state_ != State::kResolving) return;
  switch (r.status) {
    case LookupStatus::kOk:
      state_ = State::kConnecting;
      connect_to(reinterpret_cast<const sockaddr*>(&r.addr), r.addr_len);
      return;
    case LookupStatus::kTimeout: fail_resolve_timeout(false); return;
    case LookupStatus::kNotFound:
    case LookupStatus::kFailed: fail(StreamError::kResolve, r.detail); return;
  }
}

// The sentence the log and the person reading it get; the caller gets
// kResolveTimeout.
void Stream::fail_resolve_timeout(bool on_loop) {
  char took[24];
  format_seconds(took, monotonic_ms() - started_ms_);
  char detail[limits::kHostMax + 64];
  std::snprintf(detail, sizeof detail, "DNS lookup of %s timed out after %s", host_.c_str(), took);
  fail(StreamError::kResolveTimeout, detail, on_loop);
}

void Stream::connect_to(const sockaddr* addr, socklen_t len) {
  fd_ = ::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    fail(StreamError::kSocket, std::strerror(errno));
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // requests are small and latency matters
  if (::connect(fd_, addr, len) != 0 && errno != EINPROGRESS) {
    int e = errno;
    fail(from_errno(e), std::strerror(e));
    return;
  }
  std::uint32_t g = gen_;
  if (!loop_.add_fd(fd_, POLLOUT, [this, g](short revents) {
        if (g == gen_) on_fd(revents);
      })) {
    fail(StreamError::kSocket, "no event loop slot (limits::kMaxFds)");
  }
}

void Stream::close() {
  if (state_ == State::kIdle) return;
  ++gen_;
  loop_.cancel_timer(timeout_timer_);
  loop_.cancel_timer(async_timer_);
  resolver_.cancel();
  if (fd_ >= 0) {
    if (state_ == State::kOpen && out_len_ > 0) {
      // Bytes still queued, such as a WebSocket close frame sent just
      // before: one best-effort, non-blocking attempt so the peer learns why.
      (void)raw_write({out_, retry_len_ ? retry_len_ : out_len_});
    }
    if (state_ == State::kOpen) before_close();
    loop_.remove_fd(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  state_ = State::kIdle;
  out_len_ = 0;
  retry_len_ = 0;
  handler_.reset();
}

bool Stream::send(std::span<const std::uint8_t> data) {
  if (data.size() > sizeof out_ - out_len_) return false;
  std::memcpy(out_ + out_len_, data.data(), data.size());
  commit(data.size());
  return true;
}

void Stream::commit(std::size_t n) {
  if (state_ == State::kIdle || state_ == State::kFailed) return;
  out_len_ += n;
  if (state_ == State::kOpen && flush()) update_events();
}

bool Stream::local_address(sockaddr_storage& out, socklen_t& len) const {
  if (state_ != State::kOpen || fd_ < 0) return false;
  len = sizeof out;
  return ::getsockname(fd_, reinterpret_cast<sockaddr*>(&out), &len) == 0;
}

IoResult Stream::read(std::span<std::uint8_t> out) {
  if (state_ != State::kOpen) return {0, IoStatus::kError};
  IoResult r = raw_read(out);
  if (r.status == IoStatus::kWouldBlock && r.want_write) {
    read_wants_write_ = true;
    update_events();
  }
  return r;
}

void Stream::log_failure(StreamError e, const char* detail) {
  if (e == StreamError::kResolveTimeout && detail && *detail) {  // the detail is the whole sentence
    DT_LOGW("dns", "%s:%u: %s", host_.c_str(), static_cast<unsigned>(port_), detail);
    return;
  }
  DT_LOGW(secure() ? "tls" : "tcp", "%s:%u: %s%s%s", host_.c_str(), static_cast<unsigned>(port_), to_string(e),
          detail && *detail ? ": " : "", detail ? detail : "");
}

void Stream::fail(StreamError e, const char* detail, bool on_loop) {
  log_failure(e, detail);
  failure_.assign(to_string(e));
  if (e == StreamError::kResolveTimeout || e == StreamError::kTimeout) {
    // How long it waited is what a person asks first.
    char took[24];
    failure_.append(" after ");
    failure_.append(format_seconds(took, monotonic_ms() - started_ms_));
  }
  loop_.cancel_timer(timeout_timer_);
  resolver_.cancel();
  if (fd_ >= 0) {
    loop_.remove_fd(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  state_ = State::kFailed;
  pending_error_ = e;
  loop_.cancel_timer(async_timer_);
  if (on_loop) {
    deliver(StreamEvent::kClosed, e);
    return;
  }
  // Delivered from the loop, never from inside the owner's own call.
  std::uint32_t g = gen_;
  async_timer_ = loop_.add_timer(0, [this, g] {
    if (g == gen_) deliver(StreamEvent::kClosed, pending_error_);
  });
}

void Stream::deliver(StreamEvent ev, StreamError err) {
  if (handler_) {
    StreamHandler h = handler_;  // the handler may close() and reset handler_
    h(ev, err);
  }
}

void Stream::on_timeout() {
  timeout_timer_ = TimerId{};
  // Failing at once, not a round later: the owner's own timer for the same
  // deadline was armed after ours, so the owner hears why (DNS, connect or
  // handshake) before its timer can report a bare timeout.
  if (state_ == State::kResolving) {
    fail_resolve_timeout(true);
    return;
  }
  if (state_ == State::kConnecting || state_ == State::kHandshaking) {
    char detail[64];
    std::snprintf(detail, sizeof detail, "after %lld ms %s", static_cast<long long>(timeout_ms_),
                  state_ == State::kConnecting ? "while connecting" : "in the TLS handshake");
    fail(StreamError::kTimeout, detail, true);
  }
}

void Stream::update_events() {
  if (fd_ < 0) return;
  short ev = 0;
  switch (state_) {
    case State::kConnecting: ev = POLLOUT; break;
    case State::kHandshaking: ev = static_cast<short>(POLLIN | (hs_wants_write_ ? POLLOUT : 0)); break;
    case State::kOpen:
      ev = static_cast<short>(POLLIN | (((out_len_ && write_blocked_) || read_wants_write_) ? POLLOUT : 0));
      break;
    default: break;
  }
  loop_.set_fd_events(fd_, ev);
}

void Stream::run_handshake() {
  StreamError err = StreamError::kNone;
  switch (handshake_step(err)) {
    case Handshake::kDone: {
      loop_.cancel_timer(timeout_timer_);
      state_ = State::kOpen;
      std::uint32_t g = gen_;
      deliver(StreamEvent::kOpen, StreamError::kNone);
      if (g != gen_ || state_ != State::kOpen) return;
      if (out_len_ && !flush()) return;
      update_events();
      // Application data may have arrived with the last handshake flight.
      if (has_buffered_input()) arm_readable_again();
      return;
    }
    case Handshake::kWantRead: hs_wants_write_ = false; break;
    case Handshake::kWantWrite: hs_wants_write_ = true; break;
    case Handshake::kFailed: fail(err, nullptr); return;
  }
  update_events();
}

void Stream::on_fd(short revents) {
  switch (state_) {
    case State::kConnecting: {
      int so_error = 0;
      socklen_t len = sizeof so_error;
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &len);
      if (so_error == 0 && (revents & (POLLERR | POLLHUP))) so_error = ECONNRESET;
      if (so_error) {
        fail(from_errno(so_error), std::strerror(so_error));
        return;
      }
      state_ = State::kHandshaking;
      StreamError err = on_tcp_connected();
      if (err != StreamError::kNone) {
        fail(err, nullptr);
        return;
      }
      run_handshake();
      return;
    }
    case State::kHandshaking: run_handshake(); return;
    case State::kOpen: {
      std::uint32_t g = gen_;
      if (out_len_ && !flush()) return;
      bool readable = (revents & (POLLIN | POLLHUP | POLLERR)) || (read_wants_write_ && (revents & POLLOUT));
      if (readable) {
        read_wants_write_ = false;
        deliver(StreamEvent::kReadable, StreamError::kNone);
        if (g != gen_ || state_ != State::kOpen) return;
        // The owner stopped reading before the TLS engine ran dry: decrypted
        // bytes are waiting that poll() cannot see (mbedtls_ssl_check_pending).
        if (has_buffered_input()) arm_readable_again();
      }
      update_events();
      return;
    }
    default: return;
  }
}

void Stream::arm_readable_again() {
  std::uint32_t g = gen_;
  loop_.cancel_timer(async_timer_);
  async_timer_ = loop_.add_timer(0, [this, g] {
    if (g == gen_ && state_ == State::kOpen) {
      deliver(StreamEvent::kReadable, StreamError::kNone);
      if (g == gen_ && state_ == State::kOpen && has_buffered_input()) arm_readable_again();
    }
  });
}

bool Stream::flush() {
  while (out_len_) {
    // A write that would block is retried with exactly the same length
    // (mbedTLS requires identical arguments; see mbedtls_ssl_write()).
    std::size_t len = retry_len_ ? retry_len_ : out_len_;
    IoResult r = raw_write({out_, len});
    if (r.status == IoStatus::kOk) {
      retry_len_ = 0;
      write_blocked_ = false;
      std::memmove(out_, out_ + r.n, out_len_ - r.n);
      out_len_ -= r.n;
      continue;
    }
    if (r.status == IoStatus::kWouldBlock) {
      retry_len_ = len;
      write_blocked_ = r.want_write;
      return true;
    }
    fail(r.status == IoStatus::kEof ? StreamError::kReset : (secure() ? StreamError::kTls : StreamError::kReset),
         "while writing");
    return false;
  }
  return true;
}

IoResult TcpStream::raw_read(std::span<std::uint8_t> out) {
  ssize_t n = ::recv(fd(), out.data(), out.size(), MSG_DONTWAIT);
  if (n > 0) return {static_cast<std::size_t>(n), IoStatus::kOk};
  if (n == 0) return {0, IoStatus::kEof};
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {0, IoStatus::kWouldBlock};
  log_failure(from_errno(errno), std::strerror(errno));
  return {0, IoStatus::kError};
}

IoResult TcpStream::raw_write(std::span<const std::uint8_t> data) {
  ssize_t n = ::send(fd(), data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n >= 0) return {static_cast<std::size_t>(n), IoStatus::kOk};
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return {0, IoStatus::kWouldBlock, true};
  log_failure(from_errno(errno), std::strerror(errno));
  return {0, IoStatus::kError};
}

}  // namespace dialtone::protocol
