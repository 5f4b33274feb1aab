#include "firmware/control/control_server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "firmware/core/log.hpp"

namespace dialtone::control {
namespace {

// Every reply is built here and copied into its client's queue at once; one
// buffer serves every connection because everything runs on the loop's
// thread, and 16 KiB stays off the stack.
char reply_scratch[limits::kControlReplyMax];

}  // namespace

ControlServer::~ControlServer() { stop(); }

bool ControlServer::start(const char* path) {
  sockaddr_un addr{};
  if (std::strlen(path) >= sizeof addr.sun_path) {
    DT_LOGE("control", "socket path too long (%zu bytes max): %s", sizeof addr.sun_path - 1, path);
    return false;
  }
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path);
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    DT_LOGE("control", "socket: %s", std::strerror(errno));
    return false;
  }
  ::unlink(path);  // a socket left by a previous run that died
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::chmod(path, 0660) < 0 ||
      ::listen(listen_fd_, 8) < 0) {
    DT_LOGE("control", "cannot listen on %s: %s", path, std::strerror(errno));
    ::close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  path_.assign(path);
  if (!loop_.add_fd(listen_fd_, POLLIN, [this](short) { on_accept(); })) return false;
  DT_LOGI("control", "listening on %s", path);
  return true;
}

void ControlServer::stop() {
  for (Client& c : clients_)
    if (c.fd >= 0) drop(c, nullptr);
  if (listen_fd_ >= 0) {
    loop_.remove_fd(listen_fd_);
    ::close(listen_fd_);
    ::unlink(path_.c_str());
    listen_fd_ = -1;
  }
}

std::size_t ControlServer::clients() const {
  std::size_t n = 0;
  for (const Client& c : clients_) n += c.fd >= 0;
  return n;
}

void ControlServer::on_accept() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    Client* slot = free_slot();
    if (!slot) {
      // Full: take over an idle connection, a subscriber only as the last
      // resort. A UNIX socket has no half-open peers (a client that dies is
      // closed by its kernel, and we read EOF), so checking here, when the
      // room is needed, is enough: no per-slot timer, no sweep.
      slot = idle_slot(false);
      if (!slot) slot = idle_slot(true);
      if (slot) {
        const char* kind = slot->subscribed ? "a subscribed" : slot->requested ? "an idle" : "a silent";
        DT_LOGW("control", "all %zu slots in use: closing %s connection (quiet for %lld ms) to make room",
                limits::kControlClientsMax, kind, static_cast<long long>(loop_.now() - slot->last_active));
        drop(*slot, nullptr);
      }
    }
    if (!slot) {
      static const char kBusy[] =
          "{\"ok\":false,\"error\":{\"code\":\"busy\",\"message\":\"too many control connections\"}}\n";
      (void)!::write(fd, kBusy, sizeof kBusy - 1);
      ::close(fd);
      DT_LOGW("control", "refused a connection: all %zu slots in use", limits::kControlClientsMax);
      continue;
    }
    slot->fd = fd;
    ++slot->gen;
    slot->subscribed = false;
    slot->discarding = false;
    slot->requested = false;
    slot->last_active = loop_.now();
    slot->in_len = 0;
    slot->out.clear();
    gauge_.set_used(clients());
    Client* c = slot;
    if (!loop_.add_fd(fd, POLLIN, [this, c](short rev) { on_client(*c, rev); })) {
      ::close(fd);
      slot->fd = -1;
    }
  }
}

ControlServer::Client* ControlServer::free_slot() {
  for (Client& c : clients_)
    if (c.fd < 0) return &c;
  return nullptr;
}

// Of the connections that are (or are not) subscribed, the one silent for
// longest past its limit (IdlePolicy), or none.
ControlServer::Client* ControlServer::idle_slot(bool subscribed) {
  const TimeMs now = loop_.now();
  Client* oldest = nullptr;
  for (Client& c : clients_) {
    if (c.fd < 0 || c.subscribed != subscribed) continue;
    const TimeMs limit = c.requested ? idle_.idle_ms : idle_.first_request_ms;
    if (now - c.last_active < limit) continue;
    if (!oldest || c.last_active < oldest->last_active) oldest = &c;
  }
  return oldest;
}

void ControlServer::drop(Client& c, const char* why) {
  if (why) DT_LOGW("control", "closing connection: %s", why);
  loop_.remove_fd(c.fd);
  ::close(c.fd);
  c.fd = -1;
  ++c.gen;
  c.subscribed = false;
  gauge_.set_used(clients());
}

void ControlServer::on_client(Client& c, short revents) {
  if (revents & POLLOUT) flush(c);
  if (c.fd < 0) return;
  if (!(revents & (POLLIN | POLLHUP | POLLERR))) return;
  char buf[1024];
  ssize_t n = ::read(c.fd, buf, sizeof buf);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    drop(c, nullptr);
    return;
  }
  if (n < 0) return;
  for (ssize_t i = 0; i < n && c.fd >= 0; ++i) {
    char ch = buf[i];
    if (ch == '\n') {
      c.requested = true;
      c.last_active = loop_.now();
      if (c.discarding) {
        c.discarding = false;
      } else {
        std::string_view line(c.in, c.in_len);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        handle_line(c, line);
      }
      c.in_len = 0;
      continue;
    }
    if (c.discarding) continue;
    if (c.in_len == sizeof c.in) {
      // Over-long: answer once, skip to the end of this line, stay connected.
      queue(c, "{\"ok\":false,\"error\":{\"code\":\"line_too_long\",\"message\":\"requests are at most 4096 bytes\"}}");
      c.discarding = true;
      c.in_len = 0;
      continue;
    }
    c.in[c.in_len++] = ch;
  }
}

void ControlServer::handle_line(Client& c, std::string_view line) {
  // JsonWriter keeps a NUL after the text, so the longest reply it builds
  // here is one byte short of the limit: room for queue()'s newline.
  std::span<char> out(reply_scratch);
  Reply reply(out, ReplyToken{static_cast<std::size_t>(&c - clients_), c.gen});
  switch (answer_request(line, handler_, reply)) {
    case RequestOutcome::kDeferred:
      return;  // answered through complete()
    case RequestOutcome::kSubscribe:
      c.subscribed = true;
      break;
    case RequestOutcome::kAnswered:
      break;
  }
  queue(c, reply.writer().view());
}

void ControlServer::queue(Client& c, std::string_view line) {
  if (c.fd < 0) return;
  if (c.out.space() < line.size() + 1) {
    drop(c, "client is not reading; its queue is full");
    return;
  }
  c.out.write(line);
  c.out.write(std::string_view("\n"));
  flush(c);
}

void ControlServer::flush(Client& c) {
  while (c.fd >= 0 && !c.out.empty()) {
    auto chunk = c.out.front();
    ssize_t n = ::send(c.fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      drop(c, nullptr);
      return;
    }
    c.out.consume(static_cast<std::size_t>(n));
  }
  if (c.fd >= 0) loop_.set_fd_events(c.fd, c.out.empty() ? POLLIN : (POLLIN | POLLOUT));
}

bool ControlServer::complete(ReplyToken token, std::string_view json) {
  if (token.client >= limits::kControlClientsMax) return false;
  Client& c = clients_[token.client];
  if (c.fd < 0 || c.gen != token.gen) return false;
  queue(c, json);
  return true;
}

void ControlServer::broadcast(std::string_view json) {
  for (Client& c : clients_)
    if (c.fd >= 0 && c.subscribed) queue(c, json);
}

}  // namespace dialtone::control
