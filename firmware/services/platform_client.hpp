// One hosted platform's HTTPS connection set (Kazoo, jambonz): its own CA,
// a small transport pool and an HTTP client on the loop, the same classes
// the YNA line uses, so the CA and host name are always verified. Requests
// name a path under the configured api_url; every one has a timeout, and the
// answer's size is bounded by the HTTP parser's limits.
#pragma once
#include <span>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/random.hpp"
#include "protocol/http/http_client.hpp"
#include "protocol/tls/tls_stream.hpp"
#include "protocol/tls/transport_pool.hpp"

namespace dialtone::services {

class PlatformClient {
 public:
  // `name` prefixes log lines and names the pool's gauge ("kazoo_tls").
  PlatformClient(EventLoop& loop, const char* name, const char* gauge_name);
  PlatformClient(const PlatformClient&) = delete;
  PlatformClient& operator=(const PlatformClient&) = delete;

  // Loads the CA (empty: the system bundle) and sets the pool up. False,
  // with the reason in `why`, when the platform cannot be reached at all.
  bool start(std::string_view api_url, std::string_view ca_file, FixedString<limits::kServiceTextMax>& why);
  void stop();

  // GET/PUT/POST {api_url}{path}. False when it cannot start (not started,
  // no slot, too large); the callback is not called then.
  bool send(std::string_view method, std::string_view path, std::span<const protocol::HttpHeader> headers,
            std::string_view body, protocol::HttpCallback done);
  const char* name() const { return name_; }

  // A failed exchange in words for the owner: "cannot reach ...", "HTTP 500", ...
  static void describe(const protocol::HttpResult& r, FixedString<limits::kServiceTextMax>& out);

 private:
  const char* name_;
  bool started_ = false;
  FixedString<limits::kUrlMax> api_url_;
  FixedString<limits::kUrlMax> url_;  // one request's URL, copied by HttpClient::send
  protocol::TlsContext tls_;
  protocol::TransportPool pool_;
  protocol::HttpClient http_;
};

}  // namespace dialtone::services
