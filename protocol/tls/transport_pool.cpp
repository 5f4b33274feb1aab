#include "protocol/tls/transport_pool.hpp"

#include "firmware/core/log.hpp"

namespace dialtone::protocol {

TransportPool::TransportPool(EventLoop& loop, const char* gauge_name, std::size_t tls_slots)
    : tls_slots_(tls_slots < limits::kTlsStreamsMax ? tls_slots : limits::kTlsStreamsMax),
      tls_gauge_(gauge_name, tls_slots_) {
  for (auto& m : tls_mem_) ::new (static_cast<void*>(m)) TlsStream(loop);
  for (auto& m : tcp_mem_) ::new (static_cast<void*>(m)) TcpStream(loop);
}

TransportPool::~TransportPool() {
  for (std::size_t i = 0; i < limits::kTlsStreamsMax; ++i) tls(i).~TlsStream();
  for (std::size_t i = 0; i < limits::kTcpStreamsMax; ++i) tcp(i).~TcpStream();
}

bool TransportPool::init(TlsContext* ctx) {
  if (!ctx) return true;
  for (std::size_t i = 0; i < tls_slots_; ++i)
    if (!tls(i).setup(*ctx)) return false;
  tls_ready_ = true;
  return true;
}

bool TransportPool::set_dns_servers(std::string_view servers) {
  if (!dns_servers_.assign(servers)) {
    DT_LOGE("net", "DNS server list too long (%zu bytes)", servers.size());
    dns_servers_.clear();
    return false;
  }
  for (std::size_t i = 0; i < limits::kTlsStreamsMax; ++i) tls(i).set_dns_servers(dns_servers_.c_str());
  for (std::size_t i = 0; i < limits::kTcpStreamsMax; ++i) tcp(i).set_dns_servers(dns_servers_.c_str());
  return true;
}

Stream* TransportPool::acquire(bool secure) {
  if (secure) {
    for (std::size_t i = 0; i < tls_slots_; ++i)
      if (tls_ready_ && !tls_taken_[i]) {
        tls_taken_[i] = true;
        tls_gauge_.take();
        return &tls(i);
      }
  } else {
    for (std::size_t i = 0; i < limits::kTcpStreamsMax; ++i)
      if (!tcp_taken_[i]) {
        tcp_taken_[i] = true;
        return &tcp(i);
      }
  }
  DT_LOGW("net", "no free %s connection slot (limits::%s)", secure ? "TLS" : "TCP",
          secure ? "kTlsStreamsMax" : "kTcpStreamsMax");
  return nullptr;
}

void TransportPool::release(Stream* s) {
  if (!s) return;
  s->close();
  for (std::size_t i = 0; i < limits::kTlsStreamsMax; ++i)
    if (s == &tls(i) && tls_taken_[i]) {
      tls_taken_[i] = false;
      tls_gauge_.give();
    }
  for (std::size_t i = 0; i < limits::kTcpStreamsMax; ++i)
    if (s == &tcp(i)) tcp_taken_[i] = false;
}

std::size_t TransportPool::available(bool secure) const {
  std::size_t n = 0;
  if (secure) {
    if (!tls_ready_) return 0;
    for (std::size_t i = 0; i < tls_slots_; ++i) n += tls_taken_[i] ? 0 : 1;
  } else {
    for (bool t : tcp_taken_) n += t ? 0 : 1;
  }
  return n;
}

}  // namespace dialtone::protocol
