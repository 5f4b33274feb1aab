// Fixed-capacity containers for our own state. push_back on a full container
// returns false: the caller decides what "full" means (refuse, drop oldest),
// and there is never a hidden allocation or a crash.
#pragma once
#include <array>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <utility>

namespace dialtone {

template <typename T, std::size_t N>
class FixedVector {
 public:
  static constexpr std::size_t kCapacity = N;
  bool push_back(const T& v) {
    if (size_ == N) return false;
    items_[size_++] = v;
    return true;
  }
  bool push_back(T&& v) {
    if (size_ == N) return false;
    items_[size_++] = std::move(v);
    return true;
  }
  void pop_back() { if (size_) --size_; }
  void erase_at(std::size_t i) {
    for (std::size_t j = i; j + 1 < size_; ++j) items_[j] = std::move(items_[j + 1]);
    if (i < size_) --size_;
  }
  void clear() { size_ = 0; }
  bool full() const { return size_ == N; }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  static constexpr std::size_t capacity() { return N; }
  T& operator[](std::size_t i) { return items_[i]; }
  const T& operator[](std::size_t i) const { return items_[i]; }
  T& back() { return items_[size_ - 1]; }
  T* begin() { return items_.data(); }
  T* end() { return items_.data() + size_; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + size_; }
  std::span<T> span() { return {items_.data(), size_}; }
  std::span<const T> span() const { return {items_.data(), size_}; }

 private:
  std::array<T, N> items_{};
  std::size_t size_ = 0;
};

// A bounded string. assign/append truncate and report it; callers that must
// not truncate (tokens, URLs) check the return value and refuse.
template <std::size_t N>
class FixedString {
 public:
  FixedString() { buf_[0] = '\0'; }
  FixedString(std::string_view s) { assign(s); }  // NOLINT: convenience, truncation is visible via size()
  bool assign(std::string_view s) {
    len_ = 0;
    buf_[0] = '\0';
    return append(s);
  }
  bool append(std::string_view s) {
    std::size_t room = N - len_;
    std::size_t n = s.size() < room ? s.size() : room;
    if (n) std::memcpy(buf_ + len_, s.data(), n);
    len_ += n;
    buf_[len_] = '\0';
    return n == s.size();
  }
  bool push_back(char c) { return append(std::string_view(&c, 1)); }
  void clear() { len_ = 0; buf_[0] = '\0'; }
  std::string_view view() const { return {buf_, len_}; }
  operator std::string_view() const { return view(); }  // NOLINT
  const char* c_str() const { return buf_; }
  char* data() { return buf_; }
  std::size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }
  static constexpr std::size_t capacity() { return N; }
  bool operator==(std::string_view o) const { return view() == o; }

 private:
  char buf_[N + 1];
  std::size_t len_ = 0;
};

// A byte ring for stream buffering (control socket output, TLS records).
template <std::size_t N>
class ByteRing {
 public:
  std::size_t size() const { return size_; }
  std::size_t space() const { return N - size_; }
  bool empty() const { return size_ == 0; }
  // All or nothing: a partial message in a stream would corrupt framing.
  bool write(std::span<const unsigned char> data) {
    if (data.size() > space()) return false;
    for (unsigned char b : data) {
      buf_[(head_ + size_) % N] = b;
      ++size_;
    }
    return true;
  }
  bool write(std::string_view s) {
    return write(std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
  }
  // Contiguous readable bytes at the front.
  std::span<const unsigned char> front() const {
    std::size_t n = size_ < N - head_ ? size_ : N - head_;
    return {buf_ + head_, n};
  }
  void consume(std::size_t n) {
    if (n > size_) n = size_;
    head_ = (head_ + n) % N;
    size_ -= n;
  }
  void clear() { head_ = size_ = 0; }

 private:
  unsigned char buf_[N];
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace dialtone
