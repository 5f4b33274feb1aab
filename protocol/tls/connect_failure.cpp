#include "protocol/tls/connect_failure.hpp"

#include <cstdio>

namespace dialtone::protocol {

std::string_view describe_connect_failure(std::span<char> out, std::string_view host, std::uint16_t port,
                                          StreamError e, std::string_view what) {
  if (out.empty()) return {};
  if (what.empty()) what = to_string(e);
  int h = static_cast<int>(host.size());
  int w = static_cast<int>(what.size());
  int n;
  if (e == StreamError::kResolve || e == StreamError::kResolveTimeout)
    n = std::snprintf(out.data(), out.size(), "cannot reach %.*s: %.*s", h, host.data(), w, what.data());
  else if (host.find(':') != std::string_view::npos)  // an IPv6 literal, as URLs write it
    n = std::snprintf(out.data(), out.size(), "cannot reach [%.*s]:%u: %.*s", h, host.data(),
                      static_cast<unsigned>(port), w, what.data());
  else
    n = std::snprintf(out.data(), out.size(), "cannot reach %.*s:%u: %.*s", h, host.data(),
                      static_cast<unsigned>(port), w, what.data());
  if (n < 0) return {};
  std::size_t len = static_cast<std::size_t>(n) < out.size() ? static_cast<std::size_t>(n) : out.size() - 1;
  return {out.data(), len};
}

std::string_view format_seconds(std::span<char> out, TimeMs ms) {
  if (out.empty()) return {};
  long long tenths = (ms + 50) / 100;
  int n = tenths % 10 == 0 ? std::snprintf(out.data(), out.size(), "%lld s", tenths / 10)
                           : std::snprintf(out.data(), out.size(), "%lld.%lld s", tenths / 10, tenths % 10);
  if (n < 0) return {};
  return {out.data(), static_cast<std::size_t>(n) < out.size() ? static_cast<std::size_t>(n) : out.size() - 1};
}

}  // namespace dialtone::protocol
