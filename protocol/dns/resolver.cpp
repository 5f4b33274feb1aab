#include "protocol/dns/resolver.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "firmware/core/log.hpp"

namespace dialtone::protocol {

namespace {

// Per-try wait before c-ares asks again (it doubles each round). Shorter
// than the resolv.conf default of 5 s: a lost UDP datagram should cost one
// retransmit, not most of the caller's connect timeout.
constexpr int kTryTimeoutMs = 2000;
constexpr int kTries = 3;

bool library_ready() {
  static bool ready = ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS;
  return ready;
}

}  // namespace

bool Resolver::start(const char* name, std::uint16_t port, const char* servers, Handler done) {
  if (channel_ || deliver_timer_.valid()) return false;
  ++gen_;
  done_ = std::move(done);
  port_ = port;
  finished_ = false;
  result_ = LookupResult{};
  if (!library_ready()) {
    finish(LookupStatus::kFailed, "c-ares could not initialise");
    return true;
  }
  ares_options opts{};
  opts.sock_state_cb = &Resolver::on_sock_state;
  opts.sock_state_cb_data = this;
  opts.timeout = kTryTimeoutMs;
  opts.tries = kTries;
  ares_channel ch = nullptr;
  int rc = ares_init_options(&ch, &opts, ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
  if (rc != ARES_SUCCESS) {
    finish(LookupStatus::kFailed, ares_strerror(rc));
    return true;
  }
  channel_ = ch;
  if (servers && *servers) {
    rc = ares_set_servers_ports_csv(ch, servers);
    if (rc != ARES_SUCCESS) {
      DT_LOGW("dns", "DNS server list '%s' refused: %s", servers, ares_strerror(rc));
      finish(LookupStatus::kFailed, "bad DNS server list");
      destroy_channel();
      return true;
    }
  }
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // A host without IPv6 gets no AAAA answers to try first.
  hints.ai_flags = ARES_AI_ADDRCONFIG;
  // c-ares may answer from /etc/hosts inside this call; on_result only
  // records the answer and delivery waits for the loop.
  ares_getaddrinfo(ch, name, nullptr, &hints, &Resolver::on_result, this);
  if (channel_ && !finished_) arm_timer();
  return true;
}

void Resolver::cancel() {
  ++gen_;
  loop_.cancel_timer(deliver_timer_);
  done_.reset();
  destroy_channel();
}

void Resolver::destroy_channel() {
  loop_.cancel_timer(ares_timer_);
  if (!channel_) return;
  ares_channel ch = channel_;
  finished_ = true;  // ares_destroy reports ARES_EDESTRUCTION to on_result: ignored
  channel_ = nullptr;
  ares_destroy(ch);  // closes its sockets, which unwatches them through on_sock_state
  while (fds_.size()) unwatch(fds_[0]);
}

void Resolver::on_sock_state(void* self, int fd, int readable, int writable) {
  auto* r = static_cast<Resolver*>(self);
  if (!readable && !writable) {
    r->unwatch(fd);
    return;
  }
  r->watch(fd, static_cast<short>((readable ? POLLIN : 0) | (writable ? POLLOUT : 0)));
}

void Resolver::watch(int fd, short events) {
  for (std::size_t i = 0; i < fds_.size(); ++i)
    if (fds_[i] == fd) {
      loop_.set_fd_events(fd, events);
      return;
    }
  if (!fds_.push_back(fd)) {
    finish(LookupStatus::kFailed, "too many DNS sockets for one lookup");
    return;
  }
  std::uint32_t g = gen_;
  if (!loop_.add_fd(fd, events, [this, fd, g](short revents) {
        if (g != gen_ || !channel_) return;
        bool in = revents & (POLLIN | POLLERR | POLLHUP);
        bool out = revents & (POLLOUT | POLLERR | POLLHUP);
        ares_process_fd(channel_, in ? fd : ARES_SOCKET_BAD, out ? fd : ARES_SOCKET_BAD);
        if (channel_ && !finished_) arm_timer();
      })) {
    fds_.erase_at(fds_.size() - 1);
    finish(LookupStatus::kFailed, "no event loop slot for a DNS socket (limits::kMaxFds)");
  }
}

void Resolver::unwatch(int fd) {
  for (std::size_t i = 0; i < fds_.size(); ++i)
    if (fds_[i] == fd) {
      loop_.remove_fd(fd);
      fds_.erase_at(i);
      return;
    }
}

void Resolver::arm_timer() {
  loop_.cancel_timer(ares_timer_);
  timeval tv{};
  if (!ares_timeout(channel_, nullptr, &tv)) return;  // nothing outstanding
  TimeMs ms = static_cast<TimeMs>(tv.tv_sec) * 1000 + (tv.tv_usec + 999) / 1000;
  std::uint32_t g = gen_;
  ares_timer_ = loop_.add_timer(ms, [this, g] {
    ares_timer_ = TimerId{};
    if (g != gen_ || !channel_ || finished_) return;
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // retransmits, or gives up
    if (channel_ && !finished_) arm_timer();
  });
}

void Resolver::on_result(void* self, int status, int /*timeouts*/, ares_addrinfo* res) {
  auto* r = static_cast<Resolver*>(self);
  if (r->finished_) {
    if (res) ares_freeaddrinfo(res);
    return;
  }
  const ares_addrinfo_node* node = res ? res->nodes : nullptr;
  if (status == ARES_SUCCESS && node && node->ai_addrlen <= sizeof r->result_.addr) {
    std::memcpy(&r->result_.addr, node->ai_addr, node->ai_addrlen);
    r->result_.addr_len = node->ai_addrlen;
    if (node->ai_family == AF_INET)
      reinterpret_cast<sockaddr_in*>(&r->result_.addr)->sin_port = htons(r->port_);
    else
      reinterpret_cast<sockaddr_in6*>(&r->result_.addr)->sin6_port = htons(r->port_);
    r->finish(LookupStatus::kOk, "");
  } else if (status == ARES_ENOTFOUND || status == ARES_ENODATA || status == ARES_ENONAME ||
             status == ARES_SUCCESS) {
    r->finish(LookupStatus::kNotFound, status == ARES_SUCCESS ? "no address in the answer" : ares_strerror(status));
  } else if (status == ARES_ETIMEOUT) {
    r->finish(LookupStatus::kTimeout, "no DNS server answered");
  } else {
    r->finish(LookupStatus::kFailed, ares_strerror(status));
  }
  if (res) ares_freeaddrinfo(res);
}

void Resolver::finish(LookupStatus status, const char* detail) {
  if (finished_) return;
  finished_ = true;
  result_.status = status;
  result_.detail = detail;
  // Never from inside c-ares (its channel cannot be destroyed in its own
  // callback) nor from inside start(): the owner hears back from the loop.
  std::uint32_t g = gen_;
  loop_.cancel_timer(deliver_timer_);
  deliver_timer_ = loop_.add_timer(0, [this, g] {
    deliver_timer_ = TimerId{};
    if (g == gen_) deliver();
  });
}

void Resolver::deliver() {
  destroy_channel();
  Handler h = std::move(done_);
  done_.reset();
  if (h) h(result_);
}

}  // namespace dialtone::protocol
