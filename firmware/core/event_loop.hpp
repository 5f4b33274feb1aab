// The one event loop. It owns every file descriptor and timer of the agent,
// and pumps a GLib main context (libnice lives on GLib) from the same poll()
// so all code runs on one thread and nothing needs a lock.
//
// Capacities come from limits.hpp; registering past them fails with a logged
// error and a false/invalid return, never a crash or an allocation.
#pragma once
#include <poll.h>

#include <cstdint>
#include <limits>

#include "firmware/core/clock.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/core/limits.hpp"
#include "firmware/core/pool_gauge.hpp"

typedef struct _GMainContext GMainContext;

namespace dialtone {

struct TimerId {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;  // 0 = invalid
  bool valid() const { return generation != 0; }
};

class EventLoop {
 public:
  // `events` / `revents` are poll(2) flags (POLLIN, POLLOUT, POLLERR, POLLHUP).
  using FdHandler = InplaceFunction<void(short revents), 32>;
  using TimerHandler = InplaceFunction<void(), 48>;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool add_fd(int fd, short events, FdHandler handler);
  bool set_fd_events(int fd, short events);
  void remove_fd(int fd);
  bool has_fd(int fd) const;

  TimerId add_timer(TimeMs delay_ms, TimerHandler handler);
  TimerId add_timer_at(TimeMs deadline_ms, TimerHandler handler);
  // Cancelling an id that already fired or was cancelled is a harmless no-op.
  bool cancel_timer(TimerId& id);
  std::size_t timers_armed() const;

  // Deferred descriptors: media sockets in a call's steady state, read at
  // the audio tick instead of polled for, so the loop sleeps once per frame
  // rather than once per frame and once per datagram. A deferred descriptor
  // (ours, or one GLib asks us to watch) is left out of every poll; its owner
  // reads it at the tick, directly (then mark_drained) or through GLib
  // (drain_glib). If no drain comes for kDeferredStaleMs (the audio clock
  // stopped or skipped this session) it is polled again as usual until the
  // next one, so a deferred socket is never left unread.
  static constexpr TimeMs kDeferredStaleMs = 100;
  bool defer_fd(int fd);  // false (logged) when limits::kMaxDeferredFds are in use
  void undefer_fd(int fd);
  bool deferred(int fd) const { return find_deferred(fd) >= 0; }
  void mark_drained(int fd);
  // One GLib round now, without sleeping and with the deferred descriptors
  // polled too: what is queued on them is dispatched (libnice reads its
  // sockets only from its sources). From a timer or fd handler; a no-op
  // from a GLib callback, which runs inside the loop's own GLib round.
  void drain_glib();

  // Pump this GLib context from our poll(). The loop acquires it.
  void attach_glib(GMainContext* ctx);
  void detach_glib();

  // One poll + dispatch round, waiting at most max_wait_ms (-1: until an
  // event or the next timer).
  void run_once(TimeMs max_wait_ms = -1);
  void run();
  void stop() { stop_ = true; }
  bool stopped() const { return stop_; }

  // The time of the current iteration (refreshed before dispatching).
  TimeMs now() const { return now_; }

 private:
  struct FdSlot {
    int fd = -1;
    short events = 0;
    std::uint32_t generation = 0;
    FdHandler handler;
  };
  struct TimerSlot {
    TimeMs deadline = 0;
    std::uint64_t order = 0;  // ties fire in arming order
    std::uint32_t generation = 0;
    bool armed = false;
    TimerHandler handler;
  };

  struct DeferredFd {
    int fd = -1;
    TimeMs drained_at = 0;
  };

  int find_fd(int fd) const;
  int find_deferred(int fd) const;
  // Whether a deferred fd stays out of the poll of the round starting at now_.
  bool skip_deferred(int fd) const;
  TimeMs deferred_wait_cap() const;
  // The armed timer that fires first among those due by `due_by` and armed
  // at or before `order_limit`; -1 if none.
  int next_timer_slot(TimeMs due_by, std::uint64_t order_limit) const;
  static constexpr TimeMs kNoDeadlineLimit = std::numeric_limits<TimeMs>::max();
  static constexpr std::uint64_t kNoOrderLimit = std::numeric_limits<std::uint64_t>::max();
  void fire_due_timers();

  FdSlot fds_[limits::kMaxFds];
  TimerSlot timers_[limits::kMaxTimers];
  PoolGauge fd_gauge_{"loop_fds", limits::kMaxFds};
  PoolGauge timer_gauge_{"loop_timers", limits::kMaxTimers};
  std::uint64_t timer_order_ = 0;
  std::uint32_t generation_ = 0;
  TimeMs now_ = 0;
  bool stop_ = false;

  DeferredFd deferred_[limits::kMaxDeferredFds];
  GMainContext* glib_ = nullptr;
  bool in_glib_ = false;  // between prepare and the end of dispatch
  pollfd pollfds_[limits::kMaxFds + limits::kMaxGlibFds];
  pollfd drain_fds_[limits::kMaxGlibFds];
};

}  // namespace dialtone
