#include "protocol/sip/stream_framing.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "firmware/core/ascii.hpp"

namespace dialtone::protocol::sip {

const char* to_string(FramingError e) {
  switch (e) {
    case FramingError::kNone: return "none";
    case FramingError::kTooLarge: return "message larger than the limit";
    case FramingError::kHeadersTooLarge: return "headers larger than the limit";
    case FramingError::kNoContentLength: return "message without Content-Length on a stream";
    case FramingError::kBadContentLength: return "unusable Content-Length";
  }
  return "?";
}

namespace {

constexpr std::size_t kLengthDigitsMax = 9;  // 999999999: any larger is nonsense, not a body to skip

// Where the header block ends (after its empty line), looking no further
// than `limit` bytes; 0 when it does not end there. Lines end in CRLF, or in
// a bare LF as lenient parsers (oSIP among them) accept.
std::size_t headers_end(std::span<const std::uint8_t> b, std::size_t limit) {
  std::size_t n = std::min(b.size(), limit);
  for (std::size_t i = 0; i < n; ++i) {
    if (b[i] != '\n') continue;
    if (i + 1 < n && b[i + 1] == '\n') return i + 2;
    if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n') return i + 3;
  }
  return 0;
}

// One Content-Length value, possibly folded over continuation lines:
// digits with linear white space around them, nothing else.
struct LengthValue {
  std::uint64_t value = 0;
  std::size_t digits = 0;
  bool ended = false;  // white space after the digits
  bool bad = false;

  void feed(std::string_view text) {
    for (char c : text) {
      if (c == ' ' || c == '\t') {
        ended = digits > 0;
      } else if (c >= '0' && c <= '9' && !ended && digits < kLengthDigitsMax) {
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
        ++digits;
      } else {
        bad = true;
      }
    }
  }
  bool ok() const { return !bad && digits > 0; }
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The body length the header block announces.
FramingError content_length(std::string_view block, std::uint64_t& out) {
  bool found = false;
  bool in_length = false;
  LengthValue cur;
  auto finish = [&]() -> bool {
    in_length = false;
    if (!cur.ok()) return false;
    if (found && cur.value != out) return false;  // two that disagree
    out = cur.value;
    found = true;
    return true;
  };
  std::size_t pos = block.find('\n');  // past the start line
  pos = pos == std::string_view::npos ? block.size() : pos + 1;
  while (pos < block.size()) {
    std::size_t eol = block.find('\n', pos);
    if (eol == std::string_view::npos) eol = block.size();
    std::string_view line = block.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the end of the headers
    if (is_blank(line.front())) {  // a folded continuation of the previous header
      if (in_length) cur.feed(line);
      continue;
    }
    if (in_length && !finish()) return FramingError::kBadContentLength;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // not a header: the message parser refuses it
    std::string_view name = line.substr(0, colon);
    while (!name.empty() && is_blank(name.back())) name.remove_suffix(1);
    if (ascii_iequals(name, "content-length") || ascii_iequals(name, "l")) {
      in_length = true;
      cur = LengthValue{};
      cur.feed(line.substr(colon + 1));
    }
  }
  if (in_length && !finish()) return FramingError::kBadContentLength;
  return found ? FramingError::kNone : FramingError::kNoContentLength;
}

}  // namespace

FrameScan scan_sip_frame(std::span<const std::uint8_t> b, std::size_t max_message) {
  FrameScan r;
  if (b.empty()) return r;
  // Keep-alives between messages (RFC 5626 3.5.1); RFC 3261 7.5 has stream
  // readers ignore CRLFs before a start line anyway.
  if (b[0] == '\r') {
    if (b.size() < 2) return r;
    if (b[1] == '\n') {
      if (b.size() >= 4 && b[2] == '\r' && b[3] == '\n') return {FrameKind::kPing, 4, FramingError::kNone};
      if (b.size() == 3 && b[2] == '\r') return r;  // maybe a ping still arriving
      return {FrameKind::kPong, 2, FramingError::kNone};
    }
    // A CR alone is no keep-alive: left to the message parser to refuse.
  } else if (b[0] == '\n') {
    return {FrameKind::kPong, 1, FramingError::kNone};  // a bare-LF sender's CRLF
  }
  std::size_t hlen = headers_end(b, max_message);
  if (hlen == 0) {
    if (b.size() >= max_message) r = {FrameKind::kError, 0, FramingError::kHeadersTooLarge};
    return r;
  }
  std::uint64_t body = 0;
  FramingError e = content_length({reinterpret_cast<const char*>(b.data()), hlen}, body);
  if (e != FramingError::kNone) return {FrameKind::kError, 0, e};
  std::uint64_t total = hlen + body;
  if (total > max_message) return {FrameKind::kError, static_cast<std::size_t>(total), FramingError::kTooLarge};
  if (b.size() < total) return {FrameKind::kNeedMore, static_cast<std::size_t>(total), FramingError::kNone};
  return {FrameKind::kMessage, static_cast<std::size_t>(total), FramingError::kNone};
}

bool is_keepalive_datagram(std::span<const std::uint8_t> d) {
  if (d.empty()) return false;
  for (std::uint8_t c : d)
    if (c != '\r' && c != '\n') return false;
  return true;
}

void SipStreamFramer::drop_consumed() {
  if (consumed_ == 0) return;
  std::memmove(buf_, buf_ + consumed_, len_ - consumed_);
  len_ -= consumed_;
  consumed_ = 0;
}

std::span<std::uint8_t> SipStreamFramer::space() {
  drop_consumed();
  if (broken()) return {};
  return {buf_ + len_, sizeof buf_ - len_};
}

void SipStreamFramer::commit(std::size_t n) { len_ = std::min(len_ + n, sizeof buf_); }

SipStreamFramer::Item SipStreamFramer::next() {
  if (broken()) return {FrameKind::kError, {}, fatal_, 0};
  drop_consumed();
  if (skip_) {  // the rest of a refused message
    std::size_t d = std::min(skip_, len_);
    consumed_ = d;
    skip_ -= d;
    drop_consumed();
    if (skip_) return {};
  }
  if (len_ == 0 || (want_ && len_ < want_)) return {};
  FrameScan s = scan_sip_frame({buf_, len_}, sizeof buf_);
  switch (s.kind) {
    case FrameKind::kNeedMore:
      want_ = s.size;
      return {};
    case FrameKind::kMessage:
    case FrameKind::kPing:
    case FrameKind::kPong:
      want_ = 0;
      consumed_ = s.size;
      return {s.kind, s.kind == FrameKind::kMessage ? std::span<const std::uint8_t>(buf_, s.size)
                                                    : std::span<const std::uint8_t>{},
              FramingError::kNone, s.size};
    case FrameKind::kError:
      want_ = 0;
      if (s.error == FramingError::kTooLarge) {
        skip_ = s.size;
        return {FrameKind::kError, {}, s.error, s.size};
      }
      fatal_ = s.error;
      return {FrameKind::kError, {}, s.error, 0};
  }
  return {};
}

void SipStreamFramer::reset() {
  len_ = consumed_ = skip_ = want_ = 0;
  fatal_ = FramingError::kNone;
}

}  // namespace dialtone::protocol::sip
