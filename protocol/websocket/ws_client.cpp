#include "protocol/websocket/ws_client.hpp"

#include <cstdio>

#include "firmware/core/log.hpp"

namespace dialtone::protocol {

const char* to_string(WsFailure::Kind k) {
  switch (k) {
    case WsFailure::Kind::kBadUrl: return "bad URL";
    case WsFailure::Kind::kNoSlot: return "no connection slot";
    case WsFailure::Kind::kConnect: return "connect failed";
    case WsFailure::Kind::kTimeout: return "timed out";
    case WsFailure::Kind::kUpgradeRefused: return "upgrade refused";
    case WsFailure::Kind::kBadHandshake: return "bad handshake";
    case WsFailure::Kind::kConnectionLost: return "connection lost";
  }
  return "?";
}

namespace {
WsFailure failure(WsFailure::Kind k, StreamError e = StreamError::kNone, int status = 0,
                  WsUpgradeError u = WsUpgradeError::kOk, std::string_view body = {}) {
  WsFailure f{k, e, status, u, body, {}};
  return f;
}
}  // namespace

namespace {
constexpr TimeMs kErrorCloseWaitMs = 1000;  // for our close frame to leave after a protocol error
}

WebSocketClient::WebSocketClient(EventLoop& loop, TransportPool& pool, Csprng& rng)
    : loop_(loop), pool_(pool), rng_(rng) {}

WebSocketClient::~WebSocketClient() { release(); }

void WebSocketClient::release() {
  ++gen_;
  loop_.cancel_timer(timer_);
  if (stream_) pool_.release(stream_);
  stream_ = nullptr;
  state_ = State::kIdle;
}

void WebSocketClient::abort() { release(); }

bool WebSocketClient::connect(std::string_view url, std::span<const HttpHeader> headers, TimeMs timeout_ms) {
  if (state_ != State::kIdle) return false;
  UrlError ue = parse_url(url, url_);
  if (ue != UrlError::kOk || !(url_.scheme == Scheme::kWs || url_.scheme == Scheme::kWss)) {
    DT_LOGW("ws", "cannot connect: %s", ue != UrlError::kOk ? to_string(ue) : "not a ws:// or wss:// URL");
    return false;
  }
  if (!ws_make_key(rng_, key_)) return false;
  stream_ = pool_.acquire(url_.secure());
  if (!stream_) return false;
  // The request goes straight into the stream's output buffer, before the
  // handshake; it leaves once TLS is up.
  auto space = stream_->write_space();
  std::size_t n = write_ws_upgrade({reinterpret_cast<char*>(space.data()), space.size()}, url_,
                                   std::string_view(key_, kWsKeyLen), headers);
  if (n == 0) {
    DT_LOGW("ws", "upgrade request for %s does not fit or has an invalid header", url_.host.c_str());
    pool_.release(stream_);
    stream_ = nullptr;
    return false;
  }
  ++gen_;
  std::uint32_t g = gen_;
  if (!stream_->open(url_.host.view(), url_.port, timeout_ms, [this, g](StreamEvent ev, StreamError err) {
        if (g == gen_) on_stream(ev, err);
      })) {
    pool_.release(stream_);
    stream_ = nullptr;
    return false;
  }
  stream_->commit(n);
  http_.reset();
  decoder_.reset();
  close_sent_ = false;
  input_dead_ = false;
  state_ = State::kConnecting;
  // The stream's own timeout covers TCP + TLS; this one also covers the 101.
  timer_ = loop_.add_timer(timeout_ms, [this, g, timeout_ms] {
    if (g != gen_) return;
    timer_ = TimerId{};
    if (state_ == State::kConnecting || state_ == State::kUpgrading) {
      DT_LOGW("ws", "%s: no upgrade answer in time", url_.host.c_str());
      char took[24];
      char what[64];
      std::snprintf(what, sizeof what, "no answer to the upgrade within %s", format_seconds(took, timeout_ms).data());
      fail_connect(WsFailure::Kind::kTimeout, StreamError::kTimeout, what);
    } else if (state_ == State::kClosing) {
      finish_close(close_code_sent_, "");  // the peer never answered our close
    }
  });
  return true;
}

void WebSocketClient::fail(WsFailure f) {
  release();
  if (cb_.on_error) {
    auto h = cb_.on_error;
    h(f);
  }
}

void WebSocketClient::fail_connect(WsFailure::Kind k, StreamError e, std::string_view what) {
  WsFailure f = failure(k, e);
  f.reason = describe_connect_failure(reason_, url_.host.view(), url_.port, e, what);
  fail(f);
}

void WebSocketClient::finish_close(std::uint16_t code, std::string_view reason) {
  // The reason may point into our buffers, which release() leaves intact.
  release();
  if (cb_.on_close) {
    auto h = cb_.on_close;
    h(code, reason);
  }
}

void WebSocketClient::on_stream(StreamEvent ev, StreamError err) {
  switch (ev) {
    case StreamEvent::kOpen:
      state_ = State::kUpgrading;
      return;
    case StreamEvent::kReadable: on_readable(); return;
    case StreamEvent::kClosed:
      if (state_ == State::kClosing) {
        finish_close(close_code_sent_, "");
      } else if (state_ == State::kOpen) {
        fail(failure(WsFailure::Kind::kConnectionLost, err));
      } else {
        bool timed_out = err == StreamError::kTimeout || err == StreamError::kResolveTimeout;
        fail_connect(timed_out ? WsFailure::Kind::kTimeout : WsFailure::Kind::kConnect, err, stream_->failure());
      }
      return;
  }
}

void WebSocketClient::on_readable() {
  std::uint8_t buf[limits::kStreamReadChunk];
  std::uint32_t g = gen_;
  while (g == gen_ && stream_) {
    IoResult r = stream_->read(buf);
    if (r.status == IoStatus::kWouldBlock) return;
    if (r.status != IoStatus::kOk) {
      if (state_ == State::kUpgrading && r.status == IoStatus::kEof && http_.finish() == HttpParseStatus::kComplete &&
          http_.status() != 101) {
        std::size_t used = 0;
        handle_upgrade({}, used);  // a refusal whose body ended with the connection
        return;
      }
      if (state_ == State::kClosing) finish_close(close_code_sent_, "");
      else fail(failure(WsFailure::Kind::kConnectionLost, StreamError::kReset));
      return;
    }
    std::span<const std::uint8_t> data(buf, r.n);
    if (state_ == State::kUpgrading) {
      std::size_t used = 0;
      if (!handle_upgrade(data, used)) continue;  // need more, or failed (gen_ changed)
      data = data.subspan(used);
    }
    if (input_dead_) continue;
    if (state_ == State::kOpen || state_ == State::kClosing) {
      if (!handle_frames(data)) return;
    }
  }
}

// True once the 101 is accepted; `used` = bytes of `data` that belonged to it.
bool WebSocketClient::handle_upgrade(std::span<const std::uint8_t> data, std::size_t& used) {
  if (!http_.complete()) {
    HttpFeedResult fr = http_.feed(data);
    used = fr.consumed;
    if (fr.status == HttpParseStatus::kNeedMore) return false;
    if (fr.status == HttpParseStatus::kError) {
      DT_LOGW("ws", "%s: unreadable upgrade answer: %s", url_.host.c_str(), to_string(http_.error()));
      fail(failure(WsFailure::Kind::kBadHandshake, StreamError::kNone, 0, WsUpgradeError::kRefused));
      return false;
    }
  }
  WsUpgradeError ue = ws_check_upgrade(http_, std::string_view(key_, kWsKeyLen));
  if (ue == WsUpgradeError::kRefused) {
    DT_LOGW("ws", "%s: upgrade refused with HTTP %d", url_.host.c_str(), http_.status());
    fail(failure(WsFailure::Kind::kUpgradeRefused, StreamError::kNone, http_.status(), ue, http_.body()));
    return false;
  }
  if (ue != WsUpgradeError::kOk) {
    DT_LOGW("ws", "%s: bad 101 answer: %s", url_.host.c_str(), to_string(ue));
    fail(failure(WsFailure::Kind::kBadHandshake, StreamError::kNone, 101, ue));
    return false;
  }
  loop_.cancel_timer(timer_);
  state_ = State::kOpen;
  std::uint32_t g = gen_;
  if (cb_.on_open) {
    auto h = cb_.on_open;
    h();
  }
  return g == gen_;
}

bool WebSocketClient::handle_frames(std::span<const std::uint8_t> data) {
  std::uint32_t g = gen_;
  while (!data.empty()) {
    std::size_t used = 0;
    WsMessage m = decoder_.feed(data, used);
    data = data.subspan(used);
    switch (m.kind) {
      case WsMessage::Kind::kNone: break;
      case WsMessage::Kind::kText:
        if (state_ == State::kOpen && cb_.on_text) {
          auto h = cb_.on_text;
          h(m.text());
        }
        break;
      case WsMessage::Kind::kBinary: break;  // the YNA channel is text only
      case WsMessage::Kind::kPing:
        if (state_ == State::kOpen) send_frame(WsOpcode::kPong, m.payload);
        break;
      case WsMessage::Kind::kPong:
        if (cb_.on_pong) {
          auto h = cb_.on_pong;
          h(m.payload);
        }
        break;
      case WsMessage::Kind::kClose:
        if (!close_sent_) send_close(m.close_code == ws_close::kNoStatus ? 0 : m.close_code, {});
        finish_close(m.close_code, m.close_reason);
        return false;
      case WsMessage::Kind::kError: {
        std::uint16_t code = ws_close_code_for(m.error);
        DT_LOGW("ws", "%s: %s; closing with %u", url_.host.c_str(), to_string(m.error), code);
        if (!close_sent_) send_close(code, to_string(m.error));
        // Let the close frame leave before the socket goes: releasing the
        // stream now would drop it (the peer would see 1006, not our code).
        // The rest of the offending frame is read and dropped meanwhile; the
        // peer's close (or a short timeout) ends the connection.
        input_dead_ = true;
        state_ = State::kClosing;
        loop_.cancel_timer(timer_);
        timer_ = loop_.add_timer(kErrorCloseWaitMs, [this, g] {
          if (g != gen_) return;
          timer_ = TimerId{};
          finish_close(close_code_sent_, "");
        });
        return false;
      }
    }
    if (g != gen_) return false;
  }
  return true;
}

bool WebSocketClient::send_frame(WsOpcode op, std::span<const std::uint8_t> payload) {
  if (!stream_ || (state_ != State::kOpen && op != WsOpcode::kClose)) return false;
  std::uint8_t mask[4];
  if (!rng_.fill(mask)) return false;  // a client frame is always masked with a fresh key
  auto space = stream_->write_space();
  std::size_t n = ws_encode_frame(space, op, true, payload, mask);
  if (n == 0) {
    DT_LOGW("ws", "%s: frame of %zu bytes does not fit the output buffer", url_.host.c_str(), payload.size());
    return false;
  }
  stream_->commit(n);
  return true;
}

bool WebSocketClient::send_text(std::string_view text) {
  if (text.size() > limits::kWsFrameMax) return false;
  return send_frame(WsOpcode::kText, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

bool WebSocketClient::send_ping(std::span<const std::uint8_t> payload) {
  if (payload.size() > limits::kWsControlMax) return false;
  return send_frame(WsOpcode::kPing, payload);
}

void WebSocketClient::send_close(std::uint16_t code, std::string_view reason) {
  std::uint8_t p[limits::kWsControlMax];
  std::size_t n = 0;
  if (code) {
    p[0] = static_cast<std::uint8_t>(code >> 8);
    p[1] = static_cast<std::uint8_t>(code);
    n = 2;
    for (char c : reason) {
      if (n == sizeof p) break;
      p[n++] = static_cast<std::uint8_t>(c);
    }
  }
  send_frame(WsOpcode::kClose, {p, n});
  close_sent_ = true;
  close_code_sent_ = code ? code : ws_close::kNoStatus;
}

void WebSocketClient::close(std::uint16_t code, std::string_view reason) {
  if (state_ == State::kConnecting || state_ == State::kUpgrading) {
    release();
    return;
  }
  if (state_ != State::kOpen) return;
  send_close(code, reason);
  state_ = State::kClosing;
  std::uint32_t g = gen_;
  loop_.cancel_timer(timer_);
  timer_ = loop_.add_timer(limits::kWsCloseWaitMs, [this, g] {
    if (g != gen_) return;
    timer_ = TimerId{};
    finish_close(close_code_sent_, "");
  });
}

}  // namespace dialtone::protocol
