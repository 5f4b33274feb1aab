#include "firmware/web/web_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/core/log.hpp"

namespace dialtone::web {

WebServer::WebServer(EventLoop& loop, const status::DeviceStatus& status, LinkActions* yna, Csprng& rng,
                     WebTimeouts timeouts)
    : loop_(loop), timeouts_(timeouts), page_(status, yna, rng) {}

WebServer::~WebServer() { stop(); }

bool WebServer::start(std::string_view host, std::uint16_t port, const WebPageConfig& cfg) {
  if (!page_.init(cfg)) {
    DT_LOGE("web", "page set-up failed");
    return false;
  }
  char h[64];
  std::snprintf(h, sizeof h, "%.*s", static_cast<int>(host.size()), host.data());
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, std::strcmp(h, "localhost") == 0 ? "127.0.0.1" : h, &sa.sin_addr) != 1) {
    DT_LOGE("web", "web.listen host %s is not an IPv4 address", h);
    return false;
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::listen(listen_fd_, 8) != 0) {
    DT_LOGE("web", "cannot listen on %s:%u: %s", h, port, std::strerror(errno));
    stop();
    return false;
  }
  socklen_t len = sizeof sa;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  port_ = ntohs(sa.sin_port);
  char origin[96];
  std::snprintf(origin, sizeof origin, "http://%s:%u", h, port_);
  page_.set_origin(origin);
  if (!loop_.add_fd(listen_fd_, POLLIN, [this](short) { on_accept(); })) {
    stop();
    return false;
  }
  DT_LOGI("web", "local page on %s/", origin);
  return true;
}

void WebServer::stop() {
  for (Client& c : clients_) drop(c);
  if (listen_fd_ >= 0) {
    loop_.remove_fd(listen_fd_);
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

void WebServer::on_accept() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    Client* slot = free_slot();
    if (!slot && (slot = reclaimable_slot())) {
      DT_LOGW("web", "every connection slot is busy; closing one without a request after %lld ms to make room",
              static_cast<long long>(loop_.now() - slot->accepted_at));
      drop(*slot);
    }
    if (!slot) {
      refuse(fd);
      continue;
    }
    Client& c = *slot;
    c.fd = fd;
    c.gen = ++gen_;
    c.accepted_at = loop_.now();
    c.out_len = c.out_sent = 0;
    c.parser.reset();
    gauge_.take();
    std::size_t i = index(c);
    std::uint32_t gen = c.gen;
    if (!loop_.add_fd(fd, POLLIN, [this, i](short ev) { on_client(clients_[i], ev); })) {
      ::close(fd);
      c.fd = -1;
      gauge_.give();
      continue;
    }
    c.idle = loop_.add_timer(timeouts_.connection_max_ms, [this, i, gen] {
      Client& t = clients_[i];
      if (t.fd >= 0 && t.gen == gen) {
        t.idle = {};
        drop(t);
      }
    });
  }
}

WebServer::Client* WebServer::free_slot() {
  for (Client& c : clients_)
    if (c.fd < 0) return &c;
  return nullptr;
}

// The oldest connection that has had its grace time: still without a complete
// request (silent, or dribbling one), or with an answer its client does not
// read. None when every connection is younger.
WebServer::Client* WebServer::reclaimable_slot() {
  const TimeMs now = loop_.now();
  Client* oldest = nullptr;
  for (Client& c : clients_) {
    if (c.fd < 0 || now - c.accepted_at < timeouts_.request_grace_ms) continue;
    if (!oldest || c.accepted_at < oldest->accepted_at) oldest = &c;
  }
  return oldest;
}

// No slot can be freed: answer 503 at once rather than queue without bound.
// The request is read away first where it has arrived, so close() sends a
// FIN after the answer, not a reset that could destroy it.
void WebServer::refuse(int fd) {
  static constexpr char kBusy[] =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  std::uint8_t discard[1024];
  for (int i = 0; i < 8 && ::recv(fd, discard, sizeof discard, 0) > 0; ++i) {
  }
  ssize_t n = ::send(fd, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL);
  (void)n;
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
  DT_LOGW("web", "every connection slot is busy with a recent connection; refused one");
}

void WebServer::on_client(Client& c, short revents) {
  if (c.fd < 0) return;
  if (c.out_len) {
    if (revents & (POLLOUT | POLLERR | POLLHUP)) flush(c);
    return;
  }
  std::uint8_t buf[4096];
  for (;;) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) {
      drop(c);
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      drop(c);
      return;
    }
    protocol::HttpFeedResult r = c.parser.feed(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)));
    if (r.status == protocol::HttpParseStatus::kError) {
      bool big = c.parser.error() == protocol::HttpParseError::kBodyTooLarge ||
                 c.parser.error() == protocol::HttpParseError::kHeadersTooLarge;
      respond(c, page_.bad_request(c.out, big ? 413 : 400));
      return;
    }
    if (r.status == protocol::HttpParseStatus::kComplete) {
      respond(c, page_.handle(c.parser, c.out));
      return;
    }
  }
}

void WebServer::respond(Client& c, std::size_t len) {
  if (len == 0) {
    drop(c);
    return;
  }
  c.out_len = len;
  c.out_sent = 0;
  flush(c);
}

void WebServer::flush(Client& c) {
  while (c.out_sent < c.out_len) {
    ssize_t n = ::send(c.fd, c.out + c.out_sent, c.out_len - c.out_sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        loop_.set_fd_events(c.fd, POLLOUT);
        return;
      }
      break;
    }
    c.out_sent += static_cast<std::size_t>(n);
  }
  drop(c);  // one request per connection
}

void WebServer::drop(Client& c) {
  if (c.fd < 0) return;
  loop_.cancel_timer(c.idle);
  loop_.remove_fd(c.fd);
  ::shutdown(c.fd, SHUT_WR);
  ::close(c.fd);
  c.fd = -1;
  c.out_len = c.out_sent = 0;
  gauge_.give();
}

}  // namespace dialtone::web
