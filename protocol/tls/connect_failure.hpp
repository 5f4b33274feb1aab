// Why a connection could not be made, in one sentence for the person at the
// phone (the line's reason on the web page and in `status`):
//   "cannot reach yna.test: DNS lookup timed out after 10 s"
//   "cannot reach 127.0.0.1:8443: connection refused"
// A DNS failure names the host alone: no port was ever tried. Pure.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/core/clock.hpp"
#include "protocol/tls/stream.hpp"

namespace dialtone::protocol {

// Room for any sentence this writes with a host of a usual length; longer
// ones are cut, never overrun.
inline constexpr std::size_t kConnectFailureMax = 160;

// `what` is the stream's own account (Stream::failure()); empty: the
// error's name. Writes into `out` and returns the sentence (a view of it).
std::string_view describe_connect_failure(std::span<char> out, std::string_view host, std::uint16_t port,
                                          StreamError e, std::string_view what);

// "10 s", "1.5 s": waits in seconds, as people think of connect and DNS
// timeouts (tenths when not whole). Writes into `out`, returns a view of it.
std::string_view format_seconds(std::span<char> out, TimeMs ms);

}  // namespace dialtone::protocol
