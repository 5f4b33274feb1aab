#include "firmware/line/sip_transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/core/log.hpp"
#include "protocol/tls/connect_failure.hpp"
#include "protocol/tls/ip_san.hpp"

namespace dialtone::line {

using protocol::IoStatus;
using protocol::StreamError;
using protocol::StreamEvent;
using protocol::sip::FrameKind;
using protocol::sip::FramingError;
using protocol::sip::KeepAlive;

namespace {

constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr std::string_view kPong = "\r\n";      // RFC 5626 3.5.1; also the UDP keep-alive
constexpr std::string_view kPing = "\r\n\r\n";
// Reads (or datagrams) handled per wake-up, so a busy server cannot keep the
// loop from the handset and audio; poll() reports the rest at once.
constexpr int kReadsPerWake = 16;

// One datagram in. Static: large, and only ever used on the loop's thread.
std::uint8_t g_datagram[limits::kSipMessageMax];

StreamError from_errno(int e) {
  switch (e) {
    case ECONNREFUSED: return StreamError::kRefused;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN: return StreamError::kUnreachable;
    default: return StreamError::kSocket;
  }
}

// The words for a socket error: the StreamError's own ("connection
// refused"), or the system's for the rest.
const char* socket_error_words(int e) {
  return from_errno(e) == StreamError::kSocket ? std::strerror(e) : "";
}

}  // namespace

SipTransport::SipTransport(EventLoop& loop, Csprng& rng, const config::SipConfig& cfg,
                           SipTransportObserver& observer, SipTransportOptions options)
    : loop_(loop), rng_(rng), cfg_(cfg), observer_(observer), options_(options), resolver_(loop) {}

SipTransport::~SipTransport() { close(); }

protocol::Stream* SipTransport::stream() {
  if (auto* s = std::get_if<protocol::TcpStream>(&stream_)) return s;
  if (auto* s = std::get_if<protocol::TlsStream>(&stream_)) return s;
  return nullptr;
}

const char* SipTransport::via_transport() const {
  switch (cfg_.transport) {
    case config::SipTransportKind::kUdp: return "UDP";
    case config::SipTransportKind::kTcp: return "TCP";
    case config::SipTransportKind::kTls: return "TLS";
  }
  return "UDP";
}

bool SipTransport::init() {
  if (init_ok_) return true;
  switch (cfg_.transport) {
    case config::SipTransportKind::kUdp: init_ok_ = true; break;
    case config::SipTransportKind::kTcp:
      stream_.emplace<protocol::TcpStream>(loop_);
      init_ok_ = true;
      break;
    case config::SipTransportKind::kTls: {
      const char* ca = cfg_.ca_file.empty() ? kSystemCaBundle : cfg_.ca_file.c_str();
      if (!rng_.ready()) {
        failure_.assign("no randomness for TLS");
        break;
      }
      if (!tls_.init(ca, rng_)) {
        failure_.assign("sip.ca_file could not be loaded");
        break;
      }
      if (!stream_.emplace<protocol::TlsStream>(loop_).setup(tls_)) {
        failure_.assign("TLS set-up failed");
        break;
      }
      init_ok_ = true;
      break;
    }
  }
  if (protocol::Stream* s = stream(); s && !cfg_.dns_servers.empty()) s->set_dns_servers(cfg_.dns_servers.c_str());
  if (!init_ok_) DT_LOGE("sip", "transport: %s", failure_.c_str());
  return init_ok_;
}

void SipTransport::open() {
  if (!init_ok_ || state_ != State::kClosed) return;
  state_ = State::kOpening;
  failure_.clear();
  local_host_.clear();
  local_port_ = 0;
  if (cfg_.transport == config::SipTransportKind::kUdp) {
    open_udp();
    return;
  }
  framer_.reset();
  const config::SipServerUri& hop = cfg_.next_hop().parts;
  std::uint32_t g = gen_;
  if (!stream()->open(hop.host.view(), hop.port, options_.connect_timeout_ms,
                      [this, g](StreamEvent ev, StreamError err) {
                        if (g == gen_) on_stream_event(ev, err);
                      }))
    down_later("the SIP connection could not be started");
}

void SipTransport::close() {
  ++gen_;
  loop_.cancel_timer(keepalive_timer_);
  loop_.cancel_timer(open_timer_);
  loop_.cancel_timer(report_timer_);
  keepalive_.stop();
  resolver_.cancel();
  if (udp_fd_ >= 0) {
    loop_.remove_fd(udp_fd_);
    ::close(udp_fd_);
    udp_fd_ = -1;
  }
  if (protocol::Stream* s = stream()) s->close();
  framer_.reset();
  pending_len_ = 0;
  local_host_.clear();
  local_port_ = 0;
  state_ = State::kClosed;
}

bool SipTransport::send(std::span<const std::uint8_t> m) {
  if (!init_ok_ || m.empty()) return false;
  if (m.size() > limits::kSipMessageMax) {
    DT_LOGW("sip", "not sent: a %zu-byte message is larger than the %zu bytes allowed", m.size(),
            limits::kSipMessageMax);
    return false;
  }
  if (state_ == State::kClosed) open();
  if (state_ == State::kClosed) return false;
  if (cfg_.transport == config::SipTransportKind::kUdp) {
    if (state_ == State::kUp) {
      if (!send_datagram(m)) return false;
      ++stats_.messages_sent;
      return true;
    }
    if (pending_len_) {
      DT_LOGW("sip", "not sent: a message already waits for the server's address");
      return false;
    }
    std::memcpy(pending_, m.data(), m.size());
    pending_len_ = m.size();
    ++stats_.messages_sent;  // counted when taken, as for streams
    return true;
  }
  if (!stream()->send(m)) {
    DT_LOGW("sip", "not sent: no room for a %zu-byte message in the connection's output", m.size());
    return false;
  }
  ++stats_.messages_sent;
  return true;
}

void SipTransport::set_keepalive(bool on) {
  keepalive_on_ = on;
  if (!on) {
    keepalive_.stop();
    loop_.cancel_timer(keepalive_timer_);
    return;
  }
  if (state_ == State::kUp && !keepalive_.scheduled()) {
    keepalive_.start(loop_.now(), static_cast<TimeMs>(cfg_.keepalive_s) * 1000,
                     reliable() ? options_.pong_timeout_ms : 0);
    arm_keepalive();
  }
}

// ---- UDP --------------------------------------------------------------------

void SipTransport::open_udp() {
  const config::SipServerUri& hop = cfg_.next_hop().parts;
  std::uint32_t g = gen_;
  protocol::IpAddress ip;
  if (protocol::parse_ip_literal(hop.host.view(), ip)) {
    server_addr_ = sockaddr_storage{};
    if (ip.len == 4) {
      auto* a = reinterpret_cast<sockaddr_in*>(&server_addr_);
      a->sin_family = AF_INET;
      a->sin_port = htons(hop.port);
      std::memcpy(&a->sin_addr, ip.bytes, 4);
      server_addr_len_ = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&server_addr_);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(hop.port);
      std::memcpy(&a->sin6_addr, ip.bytes, 16);
      server_addr_len_ = sizeof *a;
    }
    // Up is reported from the loop, never from inside the owner's call.
    open_timer_ = loop_.add_timer(0, [this, g] {
      if (g == gen_) connect_udp();
    });
    return;
  }
  // The lookup's deadline is ours (Resolver gives up only after its tries).
  open_timer_ = loop_.add_timer(options_.connect_timeout_ms, [this, g] {
    if (g != gen_ || state_ != State::kOpening) return;
    char took[24], reason[protocol::kConnectFailureMax];
    char what[48];
    std::snprintf(what, sizeof what, "DNS lookup timed out after %s",
                  protocol::format_seconds(took, options_.connect_timeout_ms).data());
    down(protocol::describe_connect_failure(reason, server_host(), server_port(), StreamError::kResolveTimeout,
                                            what));
  });
  const char* servers = cfg_.dns_servers.empty() ? nullptr : cfg_.dns_servers.c_str();
  resolver_.start(hop.host.c_str(), hop.port, servers, [this, g](const protocol::LookupResult& r) {
    if (g == gen_) on_udp_resolved(r);
  });
}

void SipTransport::on_udp_resolved(const protocol::LookupResult& r) {
  if (state_ != State::kOpening) return;
  loop_.cancel_timer(open_timer_);
  if (r.status != protocol::LookupStatus::kOk) {
    char reason[protocol::kConnectFailureMax];
    StreamError e = r.status == protocol::LookupStatus::kTimeout ? StreamError::kResolveTimeout : StreamError::kResolve;
    down(protocol::describe_connect_failure(reason, server_host(), server_port(), e, r.detail));
    return;
  }
  server_addr_ = r.addr;
  server_addr_len_ = r.addr_len;
  connect_udp();
}

void SipTransport::connect_udp() {
  char reason[protocol::kConnectFailureMax];
  auto fail = [&](int e) {
    down(protocol::describe_connect_failure(reason, server_host(), server_port(), from_errno(e), socket_error_words(e)));
  };
  udp_fd_ = ::socket(server_addr_.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (udp_fd_ < 0) return fail(errno);
  // Aimed at the server: the kernel chooses the source address (Via,
  // Contact), filters everyone else out and reports ICMP errors to us.
  if (::connect(udp_fd_, reinterpret_cast<const sockaddr*>(&server_addr_), server_addr_len_) != 0) return fail(errno);
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  if (::getsockname(udp_fd_, reinterpret_cast<sockaddr*>(&local), &len) != 0 || !learn_local_address(local))
    return fail(errno ? errno : EINVAL);
  std::uint32_t g = gen_;
  if (!loop_.add_fd(udp_fd_, POLLIN, [this, g](short) {
        if (g == gen_) on_udp_readable();
      })) {
    down("no event loop slot for the SIP socket (limits::kMaxFds)");
    return;
  }
  if (pending_len_) {
    std::size_t n = pending_len_;
    pending_len_ = 0;
    send_datagram({pending_, n});
    if (g != gen_) return;
  }
  became_up();
}

bool SipTransport::send_datagram(std::span<const std::uint8_t> data) {
  ssize_t n = ::send(udp_fd_, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n >= 0) return true;
  int e = errno;
  if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ENOBUFS) {
    // As if the network lost it: the transaction retransmits over UDP.
    DT_LOGW("sip", "UDP send buffer full: a %zu-byte message dropped", data.size());
    return false;
  }
  char reason[protocol::kConnectFailureMax];
  down_later(protocol::describe_connect_failure(reason, server_host(), server_port(), from_errno(e), socket_error_words(e)));
  return false;
}

void SipTransport::on_udp_readable() {
  std::uint32_t g = gen_;
  for (int i = 0; i < kReadsPerWake; ++i) {
    // MSG_TRUNC: the datagram's real size, so a larger one is recognised
    // and refused rather than handed on cut.
    ssize_t n = ::recv(udp_fd_, g_datagram, sizeof g_datagram, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      int e = errno;
      if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) return;
      char reason[protocol::kConnectFailureMax];
      // ECONNREFUSED: an ICMP port unreachable for something we sent.
      down(protocol::describe_connect_failure(reason, server_host(), server_port(), from_errno(e), socket_error_words(e)));
      return;
    }
    std::size_t size = static_cast<std::size_t>(n);
    if (size > sizeof g_datagram) {
      ++stats_.messages_refused;
      DT_LOGW("sip", "%s:%u: refused a %zu-byte datagram: larger than the %zu bytes allowed", server_host().data(),
              static_cast<unsigned>(server_port()), size, sizeof g_datagram);
      continue;
    }
    std::span<const std::uint8_t> d(g_datagram, size);
    if (size == 0 || protocol::sip::is_keepalive_datagram(d)) continue;  // nothing to answer over UDP
    ++stats_.messages_received;
    observer_.on_sip_message(d, false);
    if (g != gen_) return;
  }
}

// ---- TCP / TLS --------------------------------------------------------------

void SipTransport::on_stream_event(StreamEvent ev, StreamError err) {
  protocol::Stream* s = stream();
  switch (ev) {
    case StreamEvent::kOpen: {
      sockaddr_storage local{};
      socklen_t len = 0;
      if (!s->local_address(local, len) || !learn_local_address(local)) {
        down("the SIP connection's local address is unknown");
        return;
      }
      became_up();
      return;
    }
    case StreamEvent::kReadable: read_stream(); return;
    case StreamEvent::kClosed: {
      char reason[protocol::kConnectFailureMax];
      if (state_ == State::kUp) {
        lost(s->failure().empty() ? protocol::to_string(err) : s->failure());
        return;
      }
      down(protocol::describe_connect_failure(reason, server_host(), server_port(), err, s->failure()));
      return;
    }
  }
}

void SipTransport::lost(std::string_view what) {
  char reason[protocol::kConnectFailureMax];
  bool v6 = server_host().find(':') != std::string_view::npos;
  std::snprintf(reason, sizeof reason, "lost the connection to %s%.*s%s:%u: %.*s", v6 ? "[" : "",
                static_cast<int>(server_host().size()), server_host().data(), v6 ? "]" : "",
                static_cast<unsigned>(server_port()), static_cast<int>(what.size()), what.data());
  down(reason);
}

void SipTransport::read_stream() {
  protocol::Stream* s = stream();
  for (int i = 0; i < kReadsPerWake; ++i) {
    if (!drain_frames()) return;
    protocol::IoResult r = s->read(framer_.space());
    switch (r.status) {
      case IoStatus::kOk: framer_.commit(r.n); break;
      case IoStatus::kWouldBlock: return;
      case IoStatus::kEof: lost("the server closed it"); return;
      case IoStatus::kError: lost(s->secure() ? "TLS read failed" : "connection reset"); return;
    }
  }
  drain_frames();
}

// Hands out every complete item; false when the transport closed meanwhile.
bool SipTransport::drain_frames() {
  std::uint32_t g = gen_;
  for (;;) {
    protocol::sip::SipStreamFramer::Item it = framer_.next();
    switch (it.kind) {
      case FrameKind::kNeedMore: return true;
      case FrameKind::kMessage:
        ++stats_.messages_received;
        observer_.on_sip_message(it.message, true);
        if (g != gen_) return false;
        break;
      case FrameKind::kPing: stream()->send(kPong); break;  // the server checks on us
      case FrameKind::kPong:
        ++stats_.pongs_received;
        keepalive_.on_pong();
        arm_keepalive();
        break;
      case FrameKind::kError:
        if (!protocol::sip::is_fatal(it.error)) {
          ++stats_.messages_refused;
          DT_LOGW("sip", "%s:%u: refused a %zu-byte message: larger than the %zu bytes allowed", server_host().data(),
                  static_cast<unsigned>(server_port()), it.size, limits::kSipMessageMax);
          break;
        }
        {
          char what[96];
          std::snprintf(what, sizeof what, "it sent bytes that are not SIP (%s)", protocol::sip::to_string(it.error));
          lost(what);
        }
        return false;
    }
  }
}

// ---- both -------------------------------------------------------------------

bool SipTransport::learn_local_address(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN];
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    if (!inet_ntop(AF_INET, &a->sin_addr, text, sizeof text)) return false;
    local_port_ = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    if (!inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text)) return false;
    local_port_ = ntohs(a->sin6_port);
  } else {
    return false;
  }
  return local_host_.assign(text);
}

void SipTransport::became_up() {
  state_ = State::kUp;
  ++stats_.ups;
  DT_LOGI("sip", "%s to %s:%u, from %s:%u", via_transport(), server_host().data(),
          static_cast<unsigned>(server_port()), local_host_.c_str(), static_cast<unsigned>(local_port_));
  if (keepalive_on_) set_keepalive(true);
  observer_.on_sip_transport_up();
}

void SipTransport::arm_keepalive() {
  loop_.cancel_timer(keepalive_timer_);
  TimeMs at = keepalive_.next_wake();
  if (at == kNever) return;
  std::uint32_t g = gen_;
  keepalive_timer_ = loop_.add_timer(at - loop_.now(), [this, g] {
    if (g == gen_) on_keepalive_timer();
  });
}

void SipTransport::on_keepalive_timer() {
  keepalive_timer_ = TimerId{};
  switch (keepalive_.poll(loop_.now())) {
    case KeepAlive::Due::kNothing: break;
    case KeepAlive::Due::kPing: put_keepalive(); break;
    case KeepAlive::Due::kTimedOut: {
      char took[24], what[96];
      std::snprintf(what, sizeof what, "no answer to a keep-alive ping in %s",
                    protocol::format_seconds(took, options_.pong_timeout_ms).data());
      lost(what);
      return;
    }
  }
  if (state_ == State::kUp) arm_keepalive();
}

bool SipTransport::send_keepalive() {
  if (state_ != State::kUp || !keepalive_.ping_now(loop_.now(), reliable() ? options_.pong_timeout_ms : 0))
    return false;
  put_keepalive();
  if (state_ == State::kUp) arm_keepalive();
  return true;
}

// CRLF over UDP (nothing answers it); CRLFCRLF over a stream (a pong is due).
void SipTransport::put_keepalive() {
  ++stats_.keepalives_sent;
  if (cfg_.transport == config::SipTransportKind::kUdp)
    send_datagram({reinterpret_cast<const std::uint8_t*>(kPong.data()), kPong.size()});
  else
    stream()->send(kPing);
}

void SipTransport::down(std::string_view reason) {
  failure_.assign(reason);
  DT_LOGW("sip", "%s", failure_.c_str());
  close();
  observer_.on_sip_transport_down(failure_.view());
}

void SipTransport::down_later(std::string_view reason) {
  failure_.assign(reason);
  DT_LOGW("sip", "%s", failure_.c_str());
  close();
  std::uint32_t g = gen_;
  report_timer_ = loop_.add_timer(0, [this, g] {
    // Reopened meanwhile (a send() after the failure): that attempt reports
    // for itself.
    if (g == gen_ && state_ == State::kClosed) observer_.on_sip_transport_down(failure_.view());
  });
}

}  // namespace dialtone::line
