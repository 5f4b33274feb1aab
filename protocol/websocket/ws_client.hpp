// WebSocket client (RFC 6455) over a TLS or TCP stream from the
// TransportPool, on the event loop. One connection per object.
//
// Callbacks (all optional):
//   on_open()                         the 101 was checked; send_text() works
//   on_text(text)                     one whole text message (UTF-8 checked)
//   on_pong(payload)                  a pong (answers to our send_ping)
//   on_close(code, reason)            the close handshake ended: the peer's
//                                     code (1005 when it sent none), or the
//                                     code WE sent for a protocol failure
//                                     (1002, 1007, 1009 "message too big")
//   on_error(failure)                 it never opened (connect, TLS, timeout,
//                                     upgrade refused: http_status says 401,
//                                     403, 404, 410 ...) or the connection
//                                     dropped without a close handshake
// After on_close/on_error the client is idle and may connect() again. Pings
// from the server are answered automatically.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/core/random.hpp"
#include "protocol/common/url.hpp"
#include "protocol/http/http_parser.hpp"
#include "protocol/tls/connect_failure.hpp"
#include "protocol/tls/transport_pool.hpp"
#include "protocol/websocket/ws_frame.hpp"
#include "protocol/websocket/ws_handshake.hpp"

namespace dialtone::protocol {

struct WsFailure {
  enum class Kind : std::uint8_t {
    kBadUrl,          // not ws:// or wss://, or too long
    kNoSlot,          // no free stream in the TransportPool
    kConnect,         // see `stream` (refused, certificate, reset, ...)
    kTimeout,         // connect, handshake or upgrade took too long
    kUpgradeRefused,  // the server answered `http_status` instead of 101
    kBadHandshake,    // a 101 that fails RFC 6455 checks (see `upgrade`)
    kConnectionLost,  // open, then the stream ended without a close frame
  };
  Kind kind;
  StreamError stream = StreamError::kNone;
  int http_status = 0;
  WsUpgradeError upgrade = WsUpgradeError::kOk;
  std::string_view body;  // the refusal's body (kUpgradeRefused), valid in the callback
  // kConnect, kTimeout: the sentence for a person ("cannot reach HOST: DNS
  // lookup timed out after 10 s"), valid in the callback; else empty.
  std::string_view reason;
};
const char* to_string(WsFailure::Kind k);

class WebSocketClient {
 public:
  struct Callbacks {
    InplaceFunction<void(), 32> on_open;
    InplaceFunction<void(std::string_view text), 32> on_text;
    InplaceFunction<void(std::span<const std::uint8_t> payload), 32> on_pong;
    InplaceFunction<void(std::uint16_t code, std::string_view reason), 32> on_close;
    InplaceFunction<void(const WsFailure& failure), 32> on_error;
  };
  enum class State : std::uint8_t { kIdle, kConnecting, kUpgrading, kOpen, kClosing };

  WebSocketClient(EventLoop& loop, TransportPool& pool, Csprng& rng);
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  void set_callbacks(Callbacks cb) { cb_ = std::move(cb); }

  // `headers` are copied into the upgrade request before this returns.
  // `timeout_ms` bounds connect + TLS + upgrade. False: not idle, or the
  // request could not be built (on_error is not called then).
  bool connect(std::string_view url, std::span<const HttpHeader> headers, TimeMs timeout_ms = 10000);
  bool send_text(std::string_view text);
  bool send_ping(std::span<const std::uint8_t> payload = {});
  // Starts the close handshake; on_close follows (peer's answer or timeout).
  void close(std::uint16_t code = ws_close::kNormal, std::string_view reason = {});
  // Drops the connection now; no callback.
  void abort();

  State state() const { return state_; }

 private:
  void on_stream(StreamEvent ev, StreamError err);
  void on_readable();
  bool handle_upgrade(std::span<const std::uint8_t> data, std::size_t& used);
  bool handle_frames(std::span<const std::uint8_t> data);
  bool send_frame(WsOpcode op, std::span<const std::uint8_t> payload);
  void send_close(std::uint16_t code, std::string_view reason);
  void fail(WsFailure f);
  // A connection that never opened: says why, in words, before failing.
  void fail_connect(WsFailure::Kind k, StreamError e, std::string_view what);
  void finish_close(std::uint16_t code, std::string_view reason);
  void release();

  EventLoop& loop_;
  TransportPool& pool_;
  Csprng& rng_;
  Callbacks cb_;
  State state_ = State::kIdle;
  Stream* stream_ = nullptr;
  std::uint32_t gen_ = 0;
  TimerId timer_;
  bool close_sent_ = false;
  bool input_dead_ = false;  // after a protocol error: read and drop until closed
  std::uint16_t close_code_sent_ = 0;
  char key_[kWsKeyLen];
  char reason_[kConnectFailureMax];  // WsFailure::reason (outlives the stream's slot)
  Url url_;
  HttpResponseParser http_;
  WsDecoder decoder_{false};
};

}  // namespace dialtone::protocol
