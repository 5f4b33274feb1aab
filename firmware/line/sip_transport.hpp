// SIP's transport (sip-line.md section 2) on the one EventLoop: UDP, TCP or
// TLS to the next hop of the configuration (the outbound proxy, else the
// registrar), with RFC 5626 keep-alives.
//
// One path to one server, reused for everything: requests, responses to the
// server's requests, and the server's requests to us (it reaches the device
// over the connection the device opened, or at the UDP address the device
// registered from; nothing listens for new connections).
//   UDP  one socket, connect()ed to the server's address: the kernel picks
//        the source address Via and Contact carry, drops datagrams from
//        anyone else (no calls from strangers scanning port ranges), and
//        reports an ICMP port unreachable as "connection refused".
//   TCP, TLS  one stream (protocol/tls), opened on the first need and kept;
//        TLS always verifies the CA of ca_file (default: the system bundle)
//        and the host name, sent as SNI. A broken connection is reported,
//        and the next send() opens a new one.
// A host name is looked up with c-ares on the loop (A/AAAA only: no SRV or
// NAPTR, RFC 3263); an IP literal is used as it is.
//
// Messages in are whole (stream_framing.hpp for streams; one datagram is one
// message) and at most kSipMessageMax bytes: a larger one is refused with a
// log line, never handed out cut. Fixed buffers; nothing is allocated per
// message (mbedTLS's record buffers and c-ares's lookups are allocated by
// those libraries when a connection is set up, not per message).
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "firmware/config/config.hpp"
#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "protocol/dns/resolver.hpp"
#include "protocol/sip/keepalive.hpp"
#include "protocol/sip/stream_framing.hpp"
#include "protocol/tls/stream.hpp"
#include "protocol/tls/tls_stream.hpp"

namespace dialtone::line {

class SipTransportObserver {
 public:
  virtual ~SipTransportObserver() = default;
  // The path to the server works: local_host()/local_port() are this end's
  // address (a new one after each reconnection). UDP: the socket is aimed at
  // the server's address; TCP/TLS: connected (TLS: the server verified).
  virtual void on_sip_transport_up() = 0;
  // One whole message from the server, valid during the call only.
  // `reliable`: it came over TCP/TLS (no retransmissions, RFC 3261 17).
  virtual void on_sip_message(std::span<const std::uint8_t> message, bool reliable) = 0;
  // The path failed or broke: DNS, refused, TLS verification, closed or
  // reset by the server, a keep-alive ping unanswered, an unframeable
  // stream. `reason` is a sentence for the person at the phone ("cannot
  // reach pbx.example.com:5061: certificate not trusted"). The transport is
  // closed; open() or send() starts again.
  virtual void on_sip_transport_down(std::string_view reason) = 0;
};

struct SipTransportOptions {
  TimeMs connect_timeout_ms = limits::kSipConnectTimeoutMs;
  TimeMs pong_timeout_ms = limits::kSipPongTimeoutMs;
};

class SipTransport {
 public:
  // `cfg` and `rng` outlive the transport.
  SipTransport(EventLoop& loop, Csprng& rng, const config::SipConfig& cfg, SipTransportObserver& observer,
               SipTransportOptions options = {});
  ~SipTransport();
  SipTransport(const SipTransport&) = delete;
  SipTransport& operator=(const SipTransport&) = delete;

  // Start-up: for TLS, loads the CA file and allocates the connection's
  // mbedTLS buffers once. False (logged, failure() says why) when that
  // failed; the transport then refuses to open.
  bool init();

  // Starts reaching the server; on_sip_transport_up() or _down() follows,
  // from the loop. Nothing happens when it is already up or on its way.
  void open();
  // Closes at once; nothing more is reported. A later open() starts afresh.
  void close();

  // One whole message to the server. While the path is being set up it is
  // queued (a stream keeps what fits in its output buffer; UDP keeps one
  // datagram) and goes out once up; when closed, this also opens it. False
  // when it cannot be taken: larger than kSipMessageMax, no room, or init()
  // failed. A failure to send is reported through on_sip_transport_down().
  bool send(std::span<const std::uint8_t> message);
  bool send(std::string_view message) {
    return send({reinterpret_cast<const std::uint8_t*>(message.data()), message.size()});
  }

  // Keep-alives every keepalive_s while on and up (the line turns them on
  // while registered): a CRLF datagram over UDP; a CRLFCRLF ping over
  // TCP/TLS whose CRLF pong must come within the pong timeout.
  void set_keepalive(bool on);

  bool is_up() const { return state_ == State::kUp; }
  bool reliable() const { return cfg_.transport != config::SipTransportKind::kUdp; }
  // "UDP", "TCP" or "TLS": the transport token of Via (RFC 3261 20.42).
  const char* via_transport() const;
  // This end's address when up ("127.0.0.1", "::1": no brackets).
  std::string_view local_host() const { return local_host_.view(); }
  std::uint16_t local_port() const { return local_port_; }
  // The server's address as configured (host of the next hop, and port).
  std::string_view server_host() const { return cfg_.next_hop().parts.host.view(); }
  std::uint16_t server_port() const { return cfg_.next_hop().parts.port; }
  // The last failure in words (as reported, or why init() failed).
  std::string_view failure() const { return failure_.view(); }

 private:
  enum class State : std::uint8_t { kClosed, kOpening, kUp };

  protocol::Stream* stream();
  void open_udp();
  void on_udp_resolved(const protocol::LookupResult& r);
  void connect_udp();
  void on_udp_readable();
  bool send_datagram(std::span<const std::uint8_t> data);
  void on_stream_event(protocol::StreamEvent ev, protocol::StreamError err);
  void read_stream();
  bool drain_frames();
  // An open connection broke: "lost the connection to host:port: <what>".
  void lost(std::string_view what);
  void became_up();
  void arm_keepalive();
  void on_keepalive_timer();
  // Closes, then tells the observer (from the loop: callers are loop callbacks).
  void down(std::string_view reason);
  // For a failure found inside the owner's own call (send()): reported from
  // the loop a moment later, never from inside that call.
  void down_later(std::string_view reason);
  bool learn_local_address(const sockaddr_storage& addr);

  EventLoop& loop_;
  Csprng& rng_;
  const config::SipConfig& cfg_;
  SipTransportObserver& observer_;
  SipTransportOptions options_;

  State state_ = State::kClosed;
  bool init_ok_ = false;
  bool keepalive_on_ = false;
  std::uint32_t gen_ = 0;  // bumped by close(): stale callbacks recognise themselves
  FixedString<limits::kIceAddressMax> local_host_;
  std::uint16_t local_port_ = 0;
  FixedString<limits::kCallReasonMax> failure_;
  TimerId keepalive_timer_;
  TimerId open_timer_;    // UDP: the lookup's deadline, or the deferred connect of an address
  TimerId report_timer_;  // a failure found inside send(), reported from the loop
  protocol::sip::KeepAlive keepalive_;

  // UDP
  protocol::Resolver resolver_;
  sockaddr_storage server_addr_{};
  socklen_t server_addr_len_ = 0;
  int udp_fd_ = -1;
  std::size_t pending_len_ = 0;  // one datagram queued while resolving
  std::uint8_t pending_[limits::kSipMessageMax];

  // TCP / TLS
  protocol::TlsContext tls_;
  std::variant<std::monostate, protocol::TcpStream, protocol::TlsStream> stream_;
  protocol::sip::SipStreamFramer framer_;
};

}  // namespace dialtone::line
