#include "protocol/websocket/ws_frame.hpp"

#include <cstring>

namespace dialtone::protocol {

const char* to_string(WsError e) {
  switch (e) {
    case WsError::kNone: return "none";
    case WsError::kReservedBits: return "reserved bits set";
    case WsError::kBadOpcode: return "unknown opcode";
    case WsError::kControlTooLong: return "control frame longer than 125 bytes";
    case WsError::kControlFragmented: return "fragmented control frame";
    case WsError::kUnexpectedContinuation: return "continuation without a message";
    case WsError::kExpectedContinuation: return "new message inside a fragmented one";
    case WsError::kMaskMismatch: return "wrong masking for this direction";
    case WsError::kTooBig: return "message too big";
    case WsError::kBadUtf8: return "text is not valid UTF-8";
    case WsError::kBadClosePayload: return "invalid close frame";
  }
  return "?";
}

std::uint16_t ws_close_code_for(WsError e) {
  switch (e) {
    case WsError::kTooBig: return ws_close::kTooBig;
    case WsError::kBadUtf8: return ws_close::kInvalidPayload;
    default: return ws_close::kProtocolError;
  }
}

std::size_t ws_encode_frame(std::span<std::uint8_t> out, WsOpcode op, bool fin, std::span<const std::uint8_t> payload,
                            const std::uint8_t* mask) {
  std::size_t n = payload.size();
  std::size_t need = ws_frame_overhead(n, mask != nullptr) + n;
  if (need > out.size()) return 0;
  std::size_t o = 0;
  out[o++] = static_cast<std::uint8_t>((fin ? 0x80 : 0) | static_cast<std::uint8_t>(op));
  std::uint8_t m = mask ? 0x80 : 0;
  if (n <= 125) {
    out[o++] = static_cast<std::uint8_t>(m | n);
  } else if (n <= 65535) {
    out[o++] = static_cast<std::uint8_t>(m | 126);
    out[o++] = static_cast<std::uint8_t>(n >> 8);
    out[o++] = static_cast<std::uint8_t>(n);
  } else {
    out[o++] = static_cast<std::uint8_t>(m | 127);
    for (int i = 7; i >= 0; --i) out[o++] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(n) >> (8 * i));
  }
  if (mask) {
    std::memcpy(&out[o], mask, 4);
    o += 4;
    for (std::size_t i = 0; i < n; ++i) out[o + i] = payload[i] ^ mask[i & 3];
  } else if (n) {
    std::memcpy(&out[o], payload.data(), n);
  }
  return o + n;
}

bool utf8_valid(std::span<const std::uint8_t> s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xe0) == 0xc0) len = 2, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0) len = 3, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0) len = 4, cp = c & 0x07;
    else return false;
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

void WsDecoder::reset() {
  failed_ = false;
  error_ = WsError::kNone;
  hdr_have_ = 0;
  in_payload_ = in_message_ = release_message_ = false;
  msg_len_ = ctl_len_ = 0;
}

WsMessage WsDecoder::error(WsError e) {
  failed_ = true;
  error_ = e;
  WsMessage m;
  m.kind = WsMessage::Kind::kError;
  m.error = e;
  return m;
}

WsMessage WsDecoder::feed(std::span<const std::uint8_t> in, std::size_t& consumed) {
  consumed = 0;
  if (failed_) return error(error_);
  if (release_message_) {  // the previous message's view is no longer needed
    msg_len_ = 0;
    release_message_ = false;
  }
  while (consumed < in.size()) {
    if (!in_payload_) {
      // Header: 2 bytes, then the extended length and mask they announce.
      hdr_[hdr_have_++] = in[consumed++];
      if (hdr_have_ < 2) continue;
      std::uint8_t len7 = hdr_[1] & 0x7f;
      bool masked = hdr_[1] & 0x80;
      std::size_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
      if (hdr_have_ == 2) {
        if (hdr_[0] & 0x70) return error(WsError::kReservedBits);
        std::uint8_t op = hdr_[0] & 0x0f;
        if (!(op <= 2 || (op >= 8 && op <= 10))) return error(WsError::kBadOpcode);
        if (masked != expect_masked_) return error(WsError::kMaskMismatch);
        if (op >= 8) {
          if (!(hdr_[0] & 0x80)) return error(WsError::kControlFragmented);
          if (len7 > 125) return error(WsError::kControlTooLong);
        } else if (op == 0 && !in_message_) {
          return error(WsError::kUnexpectedContinuation);
        } else if (op != 0 && in_message_) {
          return error(WsError::kExpectedContinuation);
        }
      }
      if (hdr_have_ < need) continue;
      std::uint64_t len = len7;
      std::size_t p = 2;
      if (len7 == 126) {
        len = (std::uint64_t{hdr_[2]} << 8) | hdr_[3];
        p = 4;
      } else if (len7 == 127) {
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | hdr_[2 + i];
        p = 10;
      }
      fin_ = hdr_[0] & 0x80;
      op_ = static_cast<WsOpcode>(hdr_[0] & 0x0f);
      masked_ = masked;
      if (masked) std::memcpy(mask_, hdr_ + p, 4);
      hdr_have_ = 0;
      // Refuse before reading a byte of it (and before the size arithmetic can overflow).
      if (static_cast<std::uint8_t>(op_) < 8 && len > limits::kWsFrameMax - msg_len_) return error(WsError::kTooBig);
      if (static_cast<std::uint8_t>(op_) < 8 && !in_message_) {
        in_message_ = true;
        msg_op_ = op_;
        msg_len_ = 0;
      }
      remaining_ = len;
      mask_pos_ = 0;
      ctl_len_ = 0;
      in_payload_ = true;
      if (remaining_ == 0) {
        WsMessage m = frame_done();
        if (m.kind != WsMessage::Kind::kNone) return m;
      }
      continue;
    }
    // Payload: straight into the message (or control) buffer, unmasked.
    std::size_t n = in.size() - consumed;
    if (n > remaining_) n = static_cast<std::size_t>(remaining_);
    bool control = static_cast<std::uint8_t>(op_) >= 8;
    std::uint8_t* dst = control ? ctl_ + ctl_len_ : msg_ + msg_len_;
    for (std::size_t i = 0; i < n; ++i)
      dst[i] = masked_ ? static_cast<std::uint8_t>(in[consumed + i] ^ mask_[(mask_pos_ + i) & 3]) : in[consumed + i];
    mask_pos_ += n;
    consumed += n;
    remaining_ -= n;
    (control ? ctl_len_ : msg_len_) += n;
    if (remaining_ == 0) {
      WsMessage m = frame_done();
      if (m.kind != WsMessage::Kind::kNone) return m;
    }
  }
  return {};
}

WsMessage WsDecoder::frame_done() {
  in_payload_ = false;
  WsMessage m;
  switch (op_) {
    case WsOpcode::kPing:
    case WsOpcode::kPong:
      m.kind = op_ == WsOpcode::kPing ? WsMessage::Kind::kPing : WsMessage::Kind::kPong;
      m.payload = {ctl_, ctl_len_};
      return m;
    case WsOpcode::kClose: {
      m.kind = WsMessage::Kind::kClose;
      if (ctl_len_ == 0) {
        m.close_code = ws_close::kNoStatus;
        return m;
      }
      if (ctl_len_ == 1) return error(WsError::kBadClosePayload);
      std::uint16_t code = static_cast<std::uint16_t>((ctl_[0] << 8) | ctl_[1]);
      bool allowed = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
      if (!allowed) return error(WsError::kBadClosePayload);
      if (!utf8_valid({ctl_ + 2, ctl_len_ - 2})) return error(WsError::kBadUtf8);
      m.close_code = code;
      m.close_reason = {reinterpret_cast<const char*>(ctl_ + 2), ctl_len_ - 2};
      return m;
    }
    default: break;
  }
  if (!fin_) return m;  // more fragments to come
  in_message_ = false;
  release_message_ = true;
  m.payload = {msg_, msg_len_};
  if (msg_op_ == WsOpcode::kText) {
    if (!utf8_valid(m.payload)) return error(WsError::kBadUtf8);
    m.kind = WsMessage::Kind::kText;
  } else {
    m.kind = WsMessage::Kind::kBinary;
  }
  return m;
}

}  // namespace dialtone::protocol
