#include "protocol/tls/stream.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/core/log.hpp"

namespace dialtone::protocol {

const char* to_string(StreamError e) {
  switch (e) {
    case StreamError::kNone: return "none";
    case StreamError::kResolve: return "host name did not resolve";
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

// Numeric addresses never block. A name goes through getaddrinfo, which does
// block the loop while it resolves (see the report: an async resolver on the
// GLib context is the follow-up).
int start_connect(const char* host, std::uint16_t port, StreamError& err, int& err_no) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  char service[8];
  std::snprintf(service, sizeof service, "%u", static_cast<unsigned>(port));
  addrinfo* res = nullptr;
  if (getaddrinfo(host, service, &hints, &res) != 0) {
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    if (getaddrinfo(host, service, &hints, &res) != 0 || !res) {
      err = StreamError::kResolve;
      err_no = 0;
      return -1;
    }
  }
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err_no = errno;
    err = StreamError::kSocket;
    freeaddrinfo(res);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // requests are small and latency matters
  int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0 && errno != EINPROGRESS) {
    err_no = errno;
    err = from_errno(errno);
    ::close(fd);
    return -1;
  }
  err = StreamError::kNone;
  return fd;
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
  StreamError err = StreamError::kNone;
  int err_no = 0;
  fd_ = start_connect(host_.c_str(), port, err, err_no);
  state_ = State::kConnecting;
  if (fd_ < 0) {
    fail(err, err_no ? std::strerror(err_no) : "");
    return true;
  }
  std::uint32_t g = gen_;
  if (!loop_.add_fd(fd_, POLLOUT, [this, g](short revents) {
        if (g == gen_) on_fd(revents);
      })) {
    fail(StreamError::kSocket, "no event loop slot (limits::kMaxFds)");
    return true;
  }
  timeout_timer_ = loop_.add_timer(timeout_ms, [this, g] {
    if (g == gen_) on_timeout();
  });
  return true;
}

void Stream::close() {
  if (state_ == State::kIdle) return;
  ++gen_;
  loop_.cancel_timer(timeout_timer_);
  loop_.cancel_timer(async_timer_);
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
  DT_LOGW(secure() ? "tls" : "tcp", "%s:%u: %s%s%s", host_.c_str(), static_cast<unsigned>(port_), to_string(e),
          detail && *detail ? ": " : "", detail ? detail : "");
}

void Stream::fail(StreamError e, const char* detail) {
  log_failure(e, detail);
  loop_.cancel_timer(timeout_timer_);
  if (fd_ >= 0) {
    loop_.remove_fd(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  state_ = State::kFailed;
  pending_error_ = e;
  // Delivered from the loop, never from inside the owner's own call.
  std::uint32_t g = gen_;
  loop_.cancel_timer(async_timer_);
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
  if (state_ == State::kConnecting || state_ == State::kHandshaking) {
    char detail[64];
    std::snprintf(detail, sizeof detail, "after %lld ms %s", static_cast<long long>(timeout_ms_),
                  state_ == State::kConnecting ? "while connecting" : "in the TLS handshake");
    fail(StreamError::kTimeout, detail);
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
