// When the datagram just read from a UDP socket reached this host, on the
// agent's monotonic clock. Media read at the audio tick rather than on
// arrival (EventLoop::defer_fd) waits up to a frame in the socket; its
// arrival time, not the time it was read, is what the jitter estimate and
// RTCP's interarrival jitter must see, or a sender whose packets land near
// our tick boundary would look a frame jittery and raise the playout delay.
#pragma once
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include <ctime>

#include "firmware/core/clock.hpp"

namespace dialtone {

// The kernel's receive stamp of the last datagram read from `fd`
// (SIOCGSTAMP: wall-clock time, turned into monotonic time here), or
// `fallback` when there is none. The first call switches the kernel's
// receive stamping on, and the kernel does that asynchronously (a static
// key flipped from a work queue): datagrams of the first moments carry no
// stamp, and the kernel then answers with the current time, which is the
// fallback's value anyway. One ioctl per datagram.
inline TimeMs last_datagram_arrival_ms(int fd, TimeMs fallback) {
  timeval stamp{};
  if (fd < 0 || ::ioctl(fd, SIOCGSTAMP, &stamp) != 0) return fallback;
  timespec real{}, mono{};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  const std::int64_t age_us = (static_cast<std::int64_t>(real.tv_sec) - stamp.tv_sec) * 1000000 +
                              (real.tv_nsec / 1000 - stamp.tv_usec);
  const TimeMs arrival = static_cast<TimeMs>(mono.tv_sec) * 1000 + mono.tv_nsec / 1000000 - age_us / 1000;
  // A wall clock stepped (NTP) between arrival and now gives nonsense: a
  // future arrival, or one older than the frame it can have waited.
  return arrival <= fallback && arrival > fallback - 1000 ? arrival : fallback;
}

}  // namespace dialtone
