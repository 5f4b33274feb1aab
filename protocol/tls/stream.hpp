// A byte stream to one server, driven by the EventLoop: plain TCP (TcpStream)
// or TLS 1.2 over TCP (TlsStream), behind one interface so HTTP and WebSocket
// code does not care which. Non-blocking throughout; results come back
// through one handler:
//   kOpen      connected (and the TLS handshake verified the server)
//   kReadable  call read() until it says kWouldBlock
//   kClosed    a failure (connect, timeout, certificate, reset); the error
//              says which. Orderly EOF is not an event: read() returns kEof.
// After close() the handler is never called again. Handlers run on the loop,
// never from inside a call the owner made (no re-entrancy surprises).
// A host name is resolved without blocking (Resolver); an IP literal is
// connected to directly.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/core/limits.hpp"
#include "protocol/dns/resolver.hpp"

namespace dialtone::protocol {

enum class StreamError : std::uint8_t {
  kNone,
  kResolve,           // host name did not resolve
  kResolveTimeout,    // no DNS answer within the connect timeout
  kRefused,           // ECONNREFUSED
  kUnreachable,       // no route / network down
  kTimeout,           // connect + handshake took longer than asked
  kReset,             // the peer reset or the socket failed
  kCertUntrusted,     // server certificate does not chain to our CA file
  kCertHostMismatch,  // certificate valid, but not for the host we asked for
  kCertInvalid,       // expired, not yet valid, bad key usage, ...
  kTls,               // any other TLS failure (alert, protocol version, ...)
  kSocket,            // socket()/connect() failed locally
};
const char* to_string(StreamError e);

enum class StreamEvent : std::uint8_t { kOpen, kReadable, kClosed };
using StreamHandler = InplaceFunction<void(StreamEvent, StreamError), 32>;

enum class IoStatus : std::uint8_t { kOk, kWouldBlock, kEof, kError };
struct IoResult {
  std::size_t n = 0;
  IoStatus status = IoStatus::kOk;
  bool want_write = false;  // kWouldBlock because the TLS engine must write first
};

class Stream {
 public:
  explicit Stream(EventLoop& loop) : loop_(loop), resolver_(loop) {}
  virtual ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  virtual bool secure() const = 0;

  // Starts connecting to host:port; the handler later gets kOpen or kClosed.
  // For TLS, `host` is also the name the certificate must carry. The timeout
  // covers the DNS lookup, the TCP connect and the handshake together. False
  // only when the stream is already in use (nothing happens then).
  bool open(std::string_view host, std::uint16_t port, TimeMs timeout_ms, StreamHandler handler);
  // Closes at once (TLS: one best-effort close_notify). Safe in any state.
  void close();

  // Bytes may be queued before kOpen; they go out after the handshake.
  // False (nothing queued) when they do not fit in the output buffer.
  bool send(std::span<const std::uint8_t> data);
  bool send(std::string_view s) { return send({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}); }
  // Zero-copy variant: serialize into write_space(), then commit(n).
  std::span<std::uint8_t> write_space() { return {out_ + out_len_, sizeof out_ - out_len_}; }
  void commit(std::size_t n);

  IoResult read(std::span<std::uint8_t> out);

  bool in_use() const { return state_ != State::kIdle; }
  bool is_open() const { return state_ == State::kOpen; }
  std::size_t pending_output() const { return out_len_; }
  std::string_view host() const { return host_.view(); }
  // The last failure in words, without the host: "DNS lookup timed out
  // after 10 s", "connection refused", "certificate not trusted". Kept
  // until the next open(); empty when the stream has not failed.
  std::string_view failure() const { return failure_.view(); }
  std::uint16_t port() const { return port_; }
  void set_handler(StreamHandler h) { handler_ = std::move(h); }
  // This end of the connection, once open (SIP writes it into Via and
  // Contact so the server can reach the device over the same connection).
  // False when not open.
  bool local_address(sockaddr_storage& out, socklen_t& len) const;
  // DNS servers for host names, as a c-ares list "ip[:port],..."; null or
  // empty: the system's. The string must outlive the stream.
  void set_dns_servers(const char* servers) { dns_servers_ = servers; }

 protected:
  enum class Handshake : std::uint8_t { kDone, kWantRead, kWantWrite, kFailed };
  virtual bool can_open() const { return true; }
  // TCP is up; prepare the session (TLS: reset, host name, BIO).
  virtual StreamError on_tcp_connected() { return StreamError::kNone; }
  virtual Handshake handshake_step(StreamError& err) {
    err = StreamError::kNone;
    return Handshake::kDone;
  }
  virtual IoResult raw_read(std::span<std::uint8_t> out) = 0;
  virtual IoResult raw_write(std::span<const std::uint8_t> data) = 0;
  virtual bool has_buffered_input() { return false; }
  virtual void before_close() {}

  int fd() const { return fd_; }
  void log_failure(StreamError e, const char* detail);

 private:
  enum class State : std::uint8_t { kIdle, kResolving, kConnecting, kHandshaking, kOpen, kFailed };
  void on_resolved(const LookupResult& r);
  void connect_to(const sockaddr* addr, socklen_t len);
  void fail_resolve_timeout(bool on_loop);
  void on_fd(short revents);
  void on_timeout();
  void run_handshake();
  bool flush();
  // `on_loop`: called from a loop callback of our own, so the owner may hear
  // at once; otherwise delivery waits for the loop.
  void fail(StreamError e, const char* detail, bool on_loop = false);
  void update_events();
  void deliver(StreamEvent ev, StreamError err);
  void arm_readable_again();

  EventLoop& loop_;
  Resolver resolver_;
  const char* dns_servers_ = nullptr;
  TimeMs started_ms_ = 0;
  State state_ = State::kIdle;
  int fd_ = -1;
  std::uint32_t gen_ = 0;  // bumped on open/close: stale callbacks recognise themselves
  StreamHandler handler_;
  TimerId timeout_timer_;
  TimerId async_timer_;
  StreamError pending_error_ = StreamError::kNone;
  TimeMs timeout_ms_ = 0;
  bool hs_wants_write_ = false;
  bool write_blocked_ = false;
  bool read_wants_write_ = false;
  std::size_t retry_len_ = 0;  // TLS: a blocked write is retried with identical arguments
  FixedString<limits::kHostMax> host_;
  FixedString<64> failure_;
  std::uint16_t port_ = 0;
  std::size_t out_len_ = 0;
  std::uint8_t out_[limits::kStreamOutBytes];
};

class TcpStream final : public Stream {
 public:
  using Stream::Stream;
  bool secure() const override { return false; }

 protected:
  IoResult raw_read(std::span<std::uint8_t> out) override;
  IoResult raw_write(std::span<const std::uint8_t> data) override;
};

}  // namespace dialtone::protocol
