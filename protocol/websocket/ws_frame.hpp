// RFC 6455 frame codec, our own and pure (bytes in, messages or a named
// error out), rather than wslay: wslay_frame_* pulls bytes through I/O
// callbacks and its event layer mallocs every message and accepts up to
// 2^31-1 bytes. Ours reassembles into one fixed buffer of limits::kWsFrameMax
// and refuses anything larger (close 1009) before reading its payload.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/limits.hpp"

namespace dialtone::protocol {

enum class WsOpcode : std::uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

namespace ws_close {
inline constexpr std::uint16_t kNormal = 1000;
inline constexpr std::uint16_t kGoingAway = 1001;
inline constexpr std::uint16_t kProtocolError = 1002;
inline constexpr std::uint16_t kNoStatus = 1005;        // never sent; "the close frame had no code"
inline constexpr std::uint16_t kAbnormal = 1006;        // never sent; "no close frame at all"
inline constexpr std::uint16_t kInvalidPayload = 1007;  // e.g. text that is not UTF-8
inline constexpr std::uint16_t kTooBig = 1009;
inline constexpr std::uint16_t kServiceRestart = 1012;
}  // namespace ws_close

// Header bytes + payload; 0 when `out` is too small. `mask` is 4 bytes (a
// client must mask every frame) or nullptr (server frames, tests).
std::size_t ws_encode_frame(std::span<std::uint8_t> out, WsOpcode op, bool fin, std::span<const std::uint8_t> payload,
                            const std::uint8_t* mask);
constexpr std::size_t ws_frame_overhead(std::size_t payload, bool masked) {
  return 2 + (payload > 65535 ? 8 : payload > 125 ? 2 : 0) + (masked ? 4 : 0);
}

bool utf8_valid(std::span<const std::uint8_t> s);

enum class WsError : std::uint8_t {
  kNone,
  kReservedBits,            // RSV1-3 set; no extension was negotiated
  kBadOpcode,
  kControlTooLong,          // control payload > 125
  kControlFragmented,
  kUnexpectedContinuation,  // continuation with no message started
  kExpectedContinuation,    // new data frame while a message is unfinished
  kMaskMismatch,            // a server frame was masked (or a client frame was not)
  kTooBig,                  // message > limits::kWsFrameMax
  kBadUtf8,
  kBadClosePayload,         // 1-byte payload or a code nobody may send
};
const char* to_string(WsError e);
std::uint16_t ws_close_code_for(WsError e);  // 1002, 1007 or 1009

struct WsMessage {
  enum class Kind : std::uint8_t { kNone, kText, kBinary, kPing, kPong, kClose, kError };
  Kind kind = Kind::kNone;                 // kNone: all input used, no message yet
  std::span<const std::uint8_t> payload;   // valid until the next feed()/reset()
  std::uint16_t close_code = 0;            // kClose: the code, or 1005 when there was none
  std::string_view close_reason;
  WsError error = WsError::kNone;          // kError; sticky until reset()
  std::string_view text() const { return {reinterpret_cast<const char*>(payload.data()), payload.size()}; }
};

class WsDecoder {
 public:
  // A client expects unmasked frames, a server masked ones.
  explicit WsDecoder(bool expect_masked = false) : expect_masked_(expect_masked) {}
  void reset();
  // Eats input up to the end of one message (data, control or error); call
  // again with the rest while `consumed` < in.size() or a message came out.
  WsMessage feed(std::span<const std::uint8_t> in, std::size_t& consumed);

 private:
  WsMessage error(WsError e);
  WsMessage frame_done();

  bool expect_masked_;
  bool failed_ = false;
  WsError error_ = WsError::kNone;
  // Current frame header
  std::uint8_t hdr_[14];
  std::size_t hdr_have_ = 0;
  bool in_payload_ = false;
  bool fin_ = false;
  WsOpcode op_ = WsOpcode::kContinuation;
  bool masked_ = false;
  std::uint8_t mask_[4] = {};
  std::uint64_t remaining_ = 0;
  std::uint64_t mask_pos_ = 0;
  // Reassembly
  bool in_message_ = false;
  bool release_message_ = false;
  WsOpcode msg_op_ = WsOpcode::kText;
  std::size_t msg_len_ = 0;
  std::size_t ctl_len_ = 0;
  std::uint8_t ctl_[limits::kWsControlMax];
  std::uint8_t msg_[limits::kWsFrameMax];
};

}  // namespace dialtone::protocol
