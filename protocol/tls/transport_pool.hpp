// The fixed set of connection objects, built at start-up. TLS slots get their
// mbedTLS buffers once (TlsStream::setup); HTTP and WebSocket clients borrow a
// stream per connection and give it back. Nothing is allocated afterwards.
#pragma once
#include <new>
#include <string_view>

#include "firmware/core/event_loop.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/pool_gauge.hpp"
#include "protocol/tls/stream.hpp"
#include "protocol/tls/tls_stream.hpp"

namespace dialtone::protocol {

class TransportPool {
 public:
  // `tls_slots` (at most kTlsStreamsMax) TLS streams are set up by init(): a
  // client that needs fewer connections than the YNA line leaves the mbedTLS
  // buffers of the others unallocated. Each pool has its own gauge name, so
  // `status` tells the pools apart.
  explicit TransportPool(EventLoop& loop, const char* gauge_name = "tls_connections",
                         std::size_t tls_slots = limits::kTlsStreamsMax);
  ~TransportPool();
  TransportPool(const TransportPool&) = delete;
  TransportPool& operator=(const TransportPool&) = delete;

  // tls == nullptr: plain TCP only (tests, loopback).
  bool init(TlsContext* tls);
  // DNS servers for every stream's host-name lookups, "ip[:port],..."
  // (c-ares' list form); empty: the system's. False when too long.
  bool set_dns_servers(std::string_view servers);
  // nullptr (and a log line) when every slot of that kind is taken.
  Stream* acquire(bool secure);
  // Closes the stream; its slot is free again.
  void release(Stream* s);
  std::size_t available(bool secure) const;

 private:
  // Streams need the loop at construction, so they are built in place.
  TlsStream& tls(std::size_t i) { return *std::launder(reinterpret_cast<TlsStream*>(tls_mem_[i])); }
  TcpStream& tcp(std::size_t i) { return *std::launder(reinterpret_cast<TcpStream*>(tcp_mem_[i])); }
  alignas(TlsStream) unsigned char tls_mem_[limits::kTlsStreamsMax][sizeof(TlsStream)];
  alignas(TcpStream) unsigned char tcp_mem_[limits::kTcpStreamsMax][sizeof(TcpStream)];
  bool tls_taken_[limits::kTlsStreamsMax] = {};
  std::size_t tls_slots_;
  PoolGauge tls_gauge_;
  bool tcp_taken_[limits::kTcpStreamsMax] = {};
  bool tls_ready_ = false;
  FixedString<160> dns_servers_;
};

}  // namespace dialtone::protocol
