#include "firmware/core/event_loop.hpp"

#include <glib.h>

#include <cerrno>
#include <cstring>

#include "firmware/core/log.hpp"

namespace dialtone {

EventLoop::EventLoop() { now_ = monotonic_ms(); }

EventLoop::~EventLoop() { detach_glib(); }

int EventLoop::find_fd(int fd) const {
  for (std::size_t i = 0; i < limits::kMaxFds; ++i)
    if (fds_[i].fd == fd) return static_cast<int>(i);
  return -1;
}

bool EventLoop::has_fd(int fd) const { return fd >= 0 && find_fd(fd) >= 0; }

bool EventLoop::add_fd(int fd, short events, FdHandler handler) {
  if (fd < 0) {
    DT_LOGE("loop", "add_fd: invalid descriptor %d", fd);
    return false;
  }
  if (find_fd(fd) >= 0) {
    DT_LOGE("loop", "add_fd: descriptor %d already registered", fd);
    return false;
  }
  int slot = find_fd(-1);
  if (slot < 0) {
    DT_LOGE("loop", "add_fd: all %zu descriptor slots in use (limits::kMaxFds)", limits::kMaxFds);
    return false;
  }
  FdSlot& s = fds_[slot];
  s.fd = fd;
  s.events = events;
  s.generation = ++generation_;
  s.handler = std::move(handler);
  fd_gauge_.take();
  return true;
}

bool EventLoop::set_fd_events(int fd, short events) {
  int slot = find_fd(fd);
  if (slot < 0) return false;
  fds_[slot].events = events;
  return true;
}

void EventLoop::remove_fd(int fd) {
  int slot = find_fd(fd);
  if (slot < 0) return;
  undefer_fd(fd);  // the number may come back for another descriptor
  fds_[slot].fd = -1;
  fds_[slot].generation = 0;
  fds_[slot].handler.reset();
  fd_gauge_.give();
}

TimerId EventLoop::add_timer(TimeMs delay_ms, TimerHandler handler) {
  return add_timer_at(monotonic_ms() + (delay_ms < 0 ? 0 : delay_ms), std::move(handler));
}

TimerId EventLoop::add_timer_at(TimeMs deadline_ms, TimerHandler handler) {
  for (std::uint32_t i = 0; i < limits::kMaxTimers; ++i) {
    TimerSlot& t = timers_[i];
    if (t.armed) continue;
    t.armed = true;
    t.deadline = deadline_ms;
    t.order = ++timer_order_;
    t.generation = ++generation_;
    if (t.generation == 0) t.generation = ++generation_;
    t.handler = std::move(handler);
    timer_gauge_.take();
    return TimerId{i, t.generation};
  }
  DT_LOGE("loop", "add_timer: all %zu timer slots in use (limits::kMaxTimers)", limits::kMaxTimers);
  return TimerId{};
}

bool EventLoop::cancel_timer(TimerId& id) {
  if (!id.valid() || id.slot >= limits::kMaxTimers) return false;
  TimerSlot& t = timers_[id.slot];
  bool was = t.armed && t.generation == id.generation;
  if (was) {
    t.armed = false;
    t.handler.reset();
    timer_gauge_.give();
  }
  id = TimerId{};
  return was;
}

std::size_t EventLoop::timers_armed() const {
  std::size_t n = 0;
  for (const auto& t : timers_) n += t.armed ? 1 : 0;
  return n;
}

int EventLoop::next_timer_slot(TimeMs due_by, std::uint64_t order_limit) const {
  int best = -1;
  for (std::size_t i = 0; i < limits::kMaxTimers; ++i) {
    const TimerSlot& t = timers_[i];
    if (!t.armed || t.deadline > due_by || t.order > order_limit) continue;
    if (best < 0 || t.deadline < timers_[best].deadline ||
        (t.deadline == timers_[best].deadline && t.order < timers_[best].order))
      best = static_cast<int>(i);
  }
  return best;
}

void EventLoop::fire_due_timers() {
  // Only timers due at the start of this round fire now; a handler that arms
  // a zero-delay timer gets it on the next round, so timers cannot starve fds.
  // Those armed during the round are left out of the choice, not merely of
  // the firing: a handler re-arming itself at a deadline already past would
  // otherwise be the earliest every round and hold back the other due timers.
  const std::uint64_t order_limit = timer_order_;
  for (;;) {
    int slot = next_timer_slot(now_, order_limit);
    if (slot < 0) return;
    TimerSlot& t = timers_[slot];
    TimerHandler h = std::move(t.handler);
    t.armed = false;
    t.handler.reset();
    timer_gauge_.give();
    h();
  }
}

void EventLoop::attach_glib(GMainContext* ctx) {
  detach_glib();
  if (!g_main_context_acquire(ctx)) {
    DT_LOGE("loop", "cannot acquire the GLib main context (owned by another thread)");
    return;
  }
  glib_ = ctx;
}

void EventLoop::detach_glib() {
  if (glib_) g_main_context_release(glib_);
  glib_ = nullptr;
}

int EventLoop::find_deferred(int fd) const {
  for (std::size_t i = 0; i < limits::kMaxDeferredFds; ++i)
    if (deferred_[i].fd == fd) return static_cast<int>(i);
  return -1;
}

bool EventLoop::defer_fd(int fd) {
  if (fd < 0) return false;
  int slot = find_deferred(fd);
  if (slot < 0) slot = find_deferred(-1);
  if (slot < 0) {
    DT_LOGE("loop", "defer_fd: all %zu slots in use (limits::kMaxDeferredFds); descriptor %d stays polled",
            limits::kMaxDeferredFds, fd);
    return false;
  }
  deferred_[slot] = DeferredFd{fd, now_};
  return true;
}

void EventLoop::undefer_fd(int fd) {
  if (fd < 0) return;
  if (int slot = find_deferred(fd); slot >= 0) deferred_[slot] = DeferredFd{};
}

void EventLoop::mark_drained(int fd) {
  if (fd < 0) return;
  if (int slot = find_deferred(fd); slot >= 0) deferred_[slot].drained_at = now_;
}

bool EventLoop::skip_deferred(int fd) const {
  int slot = find_deferred(fd);
  return slot >= 0 && now_ - deferred_[slot].drained_at < kDeferredStaleMs;
}

TimeMs EventLoop::deferred_wait_cap() const {
  // Wake when the first deferred descriptor goes stale, so it is polled
  // again if its drains stopped. In a call the audio tick comes first.
  TimeMs cap = -1;
  for (const DeferredFd& d : deferred_) {
    if (d.fd < 0) continue;
    TimeMs until = d.drained_at + kDeferredStaleMs - now_;
    if (until < 0) continue;  // stale: polled as usual this round
    if (cap < 0 || until < cap) cap = until;
  }
  return cap;
}

void EventLoop::drain_glib() {
  // Inside a GLib dispatch the context is mid-iteration; the caller's data
  // then waits for the loop's next round (or the next drain).
  if (!glib_ || in_glib_) return;
  in_glib_ = true;
  gint priority = 0;
  g_main_context_prepare(glib_, &priority);
  gint timeout = -1;
  auto* gfds = reinterpret_cast<GPollFD*>(drain_fds_);
  gint n = g_main_context_query(glib_, priority, &timeout, gfds, static_cast<gint>(limits::kMaxGlibFds));
  if (n > static_cast<gint>(limits::kMaxGlibFds)) n = static_cast<gint>(limits::kMaxGlibFds);
  // Zero timeout: this only collects what is already queued.
  if (::poll(drain_fds_, static_cast<nfds_t>(n), 0) < 0 && errno != EINTR)
    DT_LOGE("loop", "poll: %s", std::strerror(errno));
  for (gint i = 0; i < n; ++i) mark_drained(drain_fds_[i].fd);
  if (g_main_context_check(glib_, priority, gfds, n)) g_main_context_dispatch(glib_);
  in_glib_ = false;
}

void EventLoop::run_once(TimeMs max_wait_ms) {
  now_ = monotonic_ms();
  // Our descriptors first, then whatever GLib wants this round.
  nfds_t n = 0;
  int slot_of[limits::kMaxFds];
  std::uint32_t gen_of[limits::kMaxFds];
  for (std::size_t i = 0; i < limits::kMaxFds; ++i) {
    if (fds_[i].fd < 0 || skip_deferred(fds_[i].fd)) continue;
    pollfds_[n] = pollfd{fds_[i].fd, fds_[i].events, 0};
    slot_of[n] = static_cast<int>(i);
    gen_of[n] = fds_[i].generation;
    ++n;
  }
  const nfds_t ours = n;

  TimeMs wait = max_wait_ms;
  int next = next_timer_slot(kNoDeadlineLimit, kNoOrderLimit);
  if (next >= 0) {
    TimeMs until = timers_[next].deadline - now_;
    if (until < 0) until = 0;
    if (wait < 0 || until < wait) wait = until;
  }
  if (TimeMs cap = deferred_wait_cap(); cap >= 0 && (wait < 0 || cap < wait)) wait = cap;

  gint glib_priority = 0;
  gint glib_n = 0;
  std::uint64_t hidden = 0;  // bit i: GLib's descriptor i is deferred, left out of this poll
  static_assert(limits::kMaxGlibFds <= 64, "hidden is a 64-bit mask");
  if (glib_) {
    in_glib_ = true;
    g_main_context_prepare(glib_, &glib_priority);
    gint glib_timeout = -1;
    auto* gfds = reinterpret_cast<GPollFD*>(pollfds_ + ours);
    static_assert(sizeof(GPollFD) == sizeof(pollfd), "GPollFD must alias pollfd");
    glib_n = g_main_context_query(glib_, glib_priority, &glib_timeout, gfds,
                                  static_cast<gint>(limits::kMaxGlibFds));
    if (glib_n > static_cast<gint>(limits::kMaxGlibFds)) {
      DT_LOGE("loop", "GLib wants %d descriptors, limit is %zu; some go unwatched", glib_n,
              limits::kMaxGlibFds);
      glib_n = static_cast<gint>(limits::kMaxGlibFds);
    }
    if (glib_timeout >= 0 && (wait < 0 || glib_timeout < wait)) wait = glib_timeout;
    // A negative descriptor is skipped by poll (revents 0); GLib's check
    // matches records by descriptor, so the real one is put back after.
    for (gint i = 0; i < glib_n; ++i) {
      pollfd& p = pollfds_[ours + static_cast<nfds_t>(i)];
      if (!skip_deferred(p.fd)) continue;
      p.fd = ~p.fd;
      hidden |= std::uint64_t{1} << i;
    }
    n += static_cast<nfds_t>(glib_n);
  }

  int rc = ::poll(pollfds_, n, wait < 0 ? -1 : static_cast<int>(wait > 60000 ? 60000 : wait));
  if (rc < 0 && errno != EINTR) DT_LOGE("loop", "poll: %s", std::strerror(errno));
  now_ = monotonic_ms();

  // GLib's round is finished before our handlers run, so a handler (the
  // audio tick) may iterate the context itself (drain_glib) between rounds.
  if (glib_) {
    for (gint i = 0; i < glib_n; ++i) {
      pollfd& p = pollfds_[ours + static_cast<nfds_t>(i)];
      if (hidden & (std::uint64_t{1} << i)) p.fd = ~p.fd;
    }
    auto* gfds = reinterpret_cast<GPollFD*>(pollfds_ + ours);
    // GLib's own wake-up eventfd is among the descriptors it asked us to
    // poll; when it was signalled, check() consumes it. It is signalled when
    // a source's descriptors are added or removed (libnice's socket sources
    // may recurse, so a dispatch no longer does that: ice_agent.cpp), which
    // now happens at call set-up and teardown, not per packet; reading it
    // after every dispatch would cost a failed read per packet instead.
    if (g_main_context_check(glib_, glib_priority, gfds, glib_n)) g_main_context_dispatch(glib_);
    in_glib_ = false;
  }
  if (rc > 0) {
    for (nfds_t i = 0; i < ours; ++i) {
      if (!pollfds_[i].revents) continue;
      FdSlot& s = fds_[slot_of[i]];
      // A handler earlier in this round may have removed or replaced it.
      if (s.generation != gen_of[i] || s.fd != pollfds_[i].fd) continue;
      FdHandler h = s.handler;  // copy: the handler may remove itself
      h(pollfds_[i].revents);
    }
  }
  now_ = monotonic_ms();
  fire_due_timers();
}

void EventLoop::run() {
  stop_ = false;
  while (!stop_) run_once(-1);
}

}  // namespace dialtone
