// Appends text into a caller's fixed buffer. Overflow is sticky and reported
// once at the end, so builders write straight-line code without checks.
#pragma once
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace dialtone::media {

class TextWriter {
 public:
  explicit TextWriter(std::span<char> out) : out_(out) {}

  TextWriter& put(std::string_view s) {
    if (overflow_ || s.size() > out_.size() - len_) {
      overflow_ = true;
      return *this;
    }
    for (char c : s) out_[len_++] = c;
    return *this;
  }
  TextWriter& put(char c) { return put(std::string_view(&c, 1)); }
  TextWriter& num(std::uint64_t v) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    return put(std::string_view(tmp, static_cast<std::size_t>(r.ptr - tmp)));
  }
  TextWriter& hex_byte(std::uint8_t b) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    put(kHex[b >> 4]);
    return put(kHex[b & 15]);
  }
  TextWriter& crlf() { return put("\r\n"); }

  bool overflow() const { return overflow_; }
  std::size_t size() const { return len_; }
  std::string_view view() const { return {out_.data(), len_}; }

 private:
  std::span<char> out_;
  std::size_t len_ = 0;
  bool overflow_ = false;
};

}  // namespace dialtone::media
