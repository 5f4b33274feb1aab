// The local web page's socket side: plain HTTP/1.1 on web.listen (loopback
// by default), limits::kWebClientsMax fixed connection slots, one request per
// connection (Connection: close), parsed by the protocol HTTP request parser
// and answered by WebPage.
//
// Idle connections cannot keep the page from its owner: when every slot is
// taken, a new connection takes the slot of the oldest one that has had
// `request_grace_ms` to send its request; when none has, it is answered 503
// at once and closed. Every connection is closed `connection_max_ms` after it
// was accepted whatever happens, which is what ends half-open ones.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/pool_gauge.hpp"
#include "firmware/core/random.hpp"
#include "firmware/web/web_page.hpp"
#include "protocol/http/http_parser.hpp"

namespace dialtone::web {

struct WebTimeouts {
  TimeMs request_grace_ms = limits::kWebRequestGraceMs;
  TimeMs connection_max_ms = limits::kWebConnectionMaxMs;
};

class WebServer {
 public:
  // `rng` makes the page's CSRF and OAuth state tokens: the process's
  // generator (firmware/core/random.hpp), seeded already.
  WebServer(EventLoop& loop, const status::DeviceStatus& status, LinkActions* yna, Csprng& rng,
            WebTimeouts timeouts = {});
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Binds host:port (port 0: any; see port()). False when it cannot listen.
  bool start(std::string_view host, std::uint16_t port, const WebPageConfig& cfg);
  void stop();
  std::uint16_t port() const { return port_; }
  WebPage& page() { return page_; }

 private:
  struct Client {
    int fd = -1;
    std::uint32_t gen = 0;
    TimeMs accepted_at = 0;
    std::size_t out_len = 0;
    std::size_t out_sent = 0;
    TimerId idle;
    protocol::HttpRequestParser parser;
    char out[limits::kWebResponseMax];
  };
  void on_accept();
  Client* free_slot();
  Client* reclaimable_slot();
  void refuse(int fd);
  void on_client(Client& c, short revents);
  void respond(Client& c, std::size_t len);
  void flush(Client& c);
  void drop(Client& c);
  std::size_t index(const Client& c) const { return static_cast<std::size_t>(&c - clients_); }

  EventLoop& loop_;
  WebTimeouts timeouts_;
  WebPage page_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint32_t gen_ = 0;
  Client clients_[limits::kWebClientsMax];
  PoolGauge gauge_{"web_connections", limits::kWebClientsMax};
};

}  // namespace dialtone::web
