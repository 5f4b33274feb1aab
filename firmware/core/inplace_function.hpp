// A std::function that never allocates: the callable lives in a fixed inline
// buffer, and a capture that does not fit is a compile error, not a heap call.
// Handlers in the loop are lambdas capturing `this` and maybe an id or two.
#pragma once
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace dialtone {

template <typename Signature, std::size_t Capacity = 32>
class InplaceFunction;

template <typename R, typename... Args, std::size_t Capacity>
class InplaceFunction<R(Args...), Capacity> {
 public:
  InplaceFunction() = default;
  InplaceFunction(std::nullptr_t) {}

  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, InplaceFunction>>>
  InplaceFunction(F&& f) {  // NOLINT(google-explicit-constructor): mirrors std::function
    using Fn = std::decay_t<F>;
    static_assert(sizeof(Fn) <= Capacity, "callable too large for InplaceFunction; raise Capacity");
    static_assert(alignof(Fn) <= alignof(std::max_align_t), "callable over-aligned");
    static_assert(std::is_nothrow_move_constructible_v<Fn>);
    ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(f));
    ops_ = &kOps<Fn>;
  }

  InplaceFunction(const InplaceFunction& o) {
    if (o.ops_) { o.ops_->copy(storage_, o.storage_); ops_ = o.ops_; }
  }
  InplaceFunction(InplaceFunction&& o) noexcept {
    if (o.ops_) { o.ops_->move(storage_, o.storage_); ops_ = o.ops_; o.reset(); }
  }
  InplaceFunction& operator=(const InplaceFunction& o) {
    if (this != &o) { reset(); if (o.ops_) { o.ops_->copy(storage_, o.storage_); ops_ = o.ops_; } }
    return *this;
  }
  InplaceFunction& operator=(InplaceFunction&& o) noexcept {
    if (this != &o) { reset(); if (o.ops_) { o.ops_->move(storage_, o.storage_); ops_ = o.ops_; o.reset(); } }
    return *this;
  }
  InplaceFunction& operator=(std::nullptr_t) { reset(); return *this; }
  ~InplaceFunction() { reset(); }

  explicit operator bool() const { return ops_ != nullptr; }
  R operator()(Args... args) const { return ops_->call(const_cast<unsigned char*>(storage_), std::forward<Args>(args)...); }

  void reset() {
    if (ops_) { ops_->destroy(storage_); ops_ = nullptr; }
  }

 private:
  struct Ops {
    R (*call)(void*, Args&&...);
    void (*copy)(void*, const void*);
    void (*move)(void*, void*);
    void (*destroy)(void*);
  };
  template <typename Fn>
  static constexpr Ops kOps{
      [](void* s, Args&&... a) -> R { return (*static_cast<Fn*>(s))(std::forward<Args>(a)...); },
      [](void* d, const void* s) { ::new (d) Fn(*static_cast<const Fn*>(s)); },
      [](void* d, void* s) { ::new (d) Fn(std::move(*static_cast<Fn*>(s))); },
      [](void* s) { static_cast<Fn*>(s)->~Fn(); },
  };

  alignas(std::max_align_t) unsigned char storage_[Capacity]{};
  const Ops* ops_ = nullptr;
};

}  // namespace dialtone
