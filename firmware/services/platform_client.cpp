#include "firmware/services/platform_client.hpp"

#include <cstdio>

#include "firmware/core/log.hpp"

namespace dialtone::services {
namespace {
constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";
}  // namespace

PlatformClient::PlatformClient(EventLoop& loop, const char* name, const char* gauge_name)
    : name_(name), pool_(loop, gauge_name, limits::kServiceTlsStreams), http_(loop, pool_) {}

bool PlatformClient::start(std::string_view api_url, std::string_view ca_file,
                           FixedString<limits::kServiceTextMax>& why) {
  while (!api_url.empty() && api_url.back() == '/') api_url.remove_suffix(1);
  api_url_.assign(api_url);
  FixedString<limits::kPathMax> ca;
  ca.assign(ca_file.empty() ? std::string_view(kSystemCaBundle) : ca_file);
  char what[96];
  // TLS draws from the process's one generator, seeded at start-up.
  if (!process_csprng().ready()) {
    std::snprintf(what, sizeof what, "%s: no randomness for TLS", name_);
  } else if (!tls_.init(ca.c_str(), process_csprng())) {
    std::snprintf(what, sizeof what, "%s.ca_file could not be loaded", name_);
  } else if (!pool_.init(&tls_)) {
    std::snprintf(what, sizeof what, "%s: TLS set-up failed", name_);
  } else {
    started_ = true;
    return true;
  }
  DT_LOGE(name_, "%s", what);
  why.assign(what);
  return false;
}

void PlatformClient::stop() { http_.cancel_all(); }

bool PlatformClient::send(std::string_view method, std::string_view path,
                          std::span<const protocol::HttpHeader> headers, std::string_view body,
                          protocol::HttpCallback done) {
  if (!started_) return false;
  if (!url_.assign(api_url_.view()) || !url_.append(path)) {
    DT_LOGE(name_, "URL too long");
    return false;
  }
  protocol::HttpRequest req;
  req.method = method;
  req.url = url_.view();
  req.headers = headers;
  req.body = body;
  req.timeout_ms = limits::kServiceTimeoutMs;
  // The path names accounts and numbers, never a key: safe to log.
  DT_LOGI(name_, "%.*s %.*s", static_cast<int>(method.size()), method.data(), static_cast<int>(path.size()),
          path.data());
  return http_.send(req, std::move(done));
}

void PlatformClient::describe(const protocol::HttpResult& r, FixedString<limits::kServiceTextMax>& out) {
  if (!r.reason.empty()) {
    out.assign(r.reason);
    return;
  }
  char text[limits::kServiceTextMax + 1];
  if (r.ok()) std::snprintf(text, sizeof text, "HTTP %d", r.status);
  else if (r.error == protocol::HttpClientError::kResponse)
    std::snprintf(text, sizeof text, "bad answer: %s", protocol::to_string(r.parse));
  else std::snprintf(text, sizeof text, "%s", protocol::to_string(r.error));
  out.assign(text);
}

}  // namespace dialtone::services
