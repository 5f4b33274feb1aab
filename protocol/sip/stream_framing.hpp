// Splitting a SIP byte stream (TCP, TLS) into messages, and recognising the
// keep-alives sent between them. Pure: bytes in, an item or a named error out.
//
// RFC 3261 18.3: over a stream a message ends at its body's end, which only
// Content-Length (compact form "l") tells; a stream message without one
// cannot be framed, so it is an error, as are two that disagree (a server
// and we must never split the same bytes differently).
// RFC 5626 3.5.1: between messages a CRLFCRLF is a ping, which the receiver
// answers with a CRLF, the pong. A lone CRLF that ends the bytes received so
// far is taken as a pong at once rather than waited on: the device is the
// client and pings, the server answers; a server's rare ping split across two
// reads then reads as two pongs, which is harmless.
//
// A message larger than the limit is refused, never cut: when its size is
// known (the headers fit, Content-Length says the rest) the framer skips its
// bytes and the stream goes on; when the headers alone do not fit, or the
// length is unusable, the stream cannot be resynchronised and must be closed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "firmware/core/limits.hpp"

namespace dialtone::protocol::sip {

enum class FrameKind : std::uint8_t {
  kNeedMore,  // no complete item yet
  kMessage,   // one whole SIP message (start line, headers, body)
  kPing,      // CRLFCRLF: answer with a pong
  kPong,      // CRLF: the answer to our ping
  kError,     // see FramingError
};

enum class FramingError : std::uint8_t {
  kNone,
  kTooLarge,           // headers + body over the limit; its size is known, so it is skipped
  kHeadersTooLarge,    // no end of the headers within the limit
  kNoContentLength,    // a stream message must carry Content-Length (RFC 3261 18.3)
  kBadContentLength,   // not a decimal number (at most 9 digits), or two that disagree
};
const char* to_string(FramingError e);
// True for the errors after which the stream cannot be read on.
inline bool is_fatal(FramingError e) { return e != FramingError::kNone && e != FramingError::kTooLarge; }

struct FrameScan {
  FrameKind kind = FrameKind::kNeedMore;
  // kMessage, kPing, kPong: bytes the item takes from the start.
  // kError kTooLarge: the whole message's size (headers + Content-Length).
  // kNeedMore: the message's size once its headers are in, else 0.
  std::size_t size = 0;
  FramingError error = FramingError::kNone;
};

// Looks at the bytes that follow the previous item. `max_message`: the
// largest message accepted (headers and body).
FrameScan scan_sip_frame(std::span<const std::uint8_t> buffered, std::size_t max_message);

// A datagram made only of CR and LF bytes: a keep-alive (RFC 5626 4.4.2 over
// UDP is STUN, but CRLF keep-alives are what SIP servers send and expect).
bool is_keepalive_datagram(std::span<const std::uint8_t> datagram);

// The stream reader: a fixed buffer of one maximal message, fed by reads
// and drained into items. Nothing is allocated.
//   for (;;) { n = read(framer.space()); framer.commit(n);
//              while ((item = framer.next()).kind != kNeedMore) handle(item); }
class SipStreamFramer {
 public:
  struct Item {
    FrameKind kind = FrameKind::kNeedMore;
    // kMessage: the message, valid until the next call of next(), space() or reset().
    std::span<const std::uint8_t> message;
    FramingError error = FramingError::kNone;
    // Bytes of the stream the item stands for: the message's, the
    // keep-alive's, or (kError kTooLarge) the refused message's, skipped.
    std::size_t size = 0;
  };

  // Where the next read goes; empty only after a fatal error.
  std::span<std::uint8_t> space();
  void commit(std::size_t n);
  Item next();
  // For a new connection.
  void reset();
  // After a fatal error nothing more comes out (next() repeats the error).
  bool broken() const { return fatal_ != FramingError::kNone; }
  std::size_t buffered() const { return len_ - consumed_; }

 private:
  void drop_consumed();

  std::uint8_t buf_[limits::kSipMessageMax];
  std::size_t len_ = 0;       // bytes held
  std::size_t consumed_ = 0;  // the previous item's, dropped at the next call
  std::size_t skip_ = 0;      // bytes of a refused message still to discard
  std::size_t want_ = 0;      // a message's size once its headers are in (0: unknown)
  FramingError fatal_ = FramingError::kNone;
};

}  // namespace dialtone::protocol::sip
