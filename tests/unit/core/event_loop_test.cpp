#include "firmware/core/event_loop.hpp"

#include <glib.h>
#include <glib-unix.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace dialtone {
namespace {

// A GLib source on `ctx` that reads one byte from `fd` per dispatch and
// counts the dispatches in `*dispatched`.
GSource* attach_pipe_reader(GMainContext* ctx, int fd, int* dispatched) {
  GSource* src = g_unix_fd_source_new(fd, G_IO_IN);
  g_source_set_callback(
      src,
      G_SOURCE_FUNC(+[](int rfd, GIOCondition, gpointer n) -> gboolean {
        char c;
        (void)!read(rfd, &c, 1);
        ++*static_cast<int*>(n);
        return G_SOURCE_CONTINUE;
      }),
      dispatched, nullptr);
  g_source_attach(src, ctx);
  return src;
}

// A loop pumping its own GLib context, and a pipe whose read end a GLib
// source watches (attach_pipe_reader); all released at the end.
struct GlibPipe {
  GMainContext* ctx = g_main_context_new();
  EventLoop loop;
  int p[2] = {-1, -1};
  int dispatched = 0;
  GSource* src = nullptr;
  GlibPipe() {
    loop.attach_glib(ctx);
    if (pipe(p) == 0) src = attach_pipe_reader(ctx, p[0], &dispatched);
  }
  ~GlibPipe() {
    if (src) {
      g_source_destroy(src);
      g_source_unref(src);
    }
    loop.detach_glib();
    g_main_context_unref(ctx);
    for (int fd : p)
      if (fd >= 0) close(fd);
  }
  GlibPipe(const GlibPipe&) = delete;
  GlibPipe& operator=(const GlibPipe&) = delete;
};

TEST(EventLoop, TimersFireInDeadlineOrderAndTiesInArmingOrder) {
  EventLoop loop;
  std::string order;
  TimeMs base = monotonic_ms();
  loop.add_timer_at(base + 30, [&] { order += 'c'; });
  loop.add_timer_at(base + 10, [&] { order += 'a'; });
  loop.add_timer_at(base + 20, [&] { order += 'b'; });
  loop.add_timer_at(base + 20, [&] { order += 'B'; });
  while (loop.timers_armed() > 0) loop.run_once(100);
  EXPECT_EQ(order, "abBc");
}

// A handler that re-arms itself at a deadline already past (a retransmit
// catching up, say) is the earliest timer every round; the other timer due
// at the same round must still fire in that round, not wait behind it.
TEST(EventLoop, TimerRearmingInThePastDoesNotStarveOtherDueTimers) {
  EventLoop loop;
  TimeMs base = monotonic_ms();
  struct Rearm {
    EventLoop& loop;
    TimeMs base;
    int fired = 0;
    void fire() {
      if (++fired < 1000) loop.add_timer_at(base - 1000 + fired, [this] { fire(); });
    }
  } rearm{loop, base};
  bool other_fired = false;
  loop.add_timer_at(base - 1000, [&] { rearm.fire(); });
  loop.add_timer_at(base - 1, [&] { other_fired = true; });
  loop.run_once(0);
  EXPECT_TRUE(other_fired);
  EXPECT_EQ(rearm.fired, 1);  // the re-armed timer waits for the next round
}

TEST(EventLoop, CancelledTimerNeverFiresAndDoubleCancelIsHarmless) {
  EventLoop loop;
  int fired = 0;
  TimerId t = loop.add_timer(5, [&] { ++fired; });
  TimerId copy = t;
  EXPECT_TRUE(loop.cancel_timer(t));
  EXPECT_FALSE(t.valid());
  EXPECT_FALSE(loop.cancel_timer(copy));  // stale id
  loop.add_timer(10, [&] { fired += 10; });
  while (loop.timers_armed() > 0) loop.run_once(100);
  EXPECT_EQ(fired, 10);
}

TEST(EventLoop, StaleTimerIdDoesNotCancelTheSlotsNextTimer) {
  EventLoop loop;
  int fired = 0;
  TimerId first = loop.add_timer(0, [&] { ++fired; });
  loop.run_once(50);
  EXPECT_EQ(fired, 1);
  TimerId second = loop.add_timer(0, [&] { fired += 10; });
  EXPECT_EQ(first.slot, second.slot);      // slot reused...
  EXPECT_FALSE(loop.cancel_timer(first));  // ...but the old id no longer owns it
  loop.run_once(50);
  EXPECT_EQ(fired, 11);
}

TEST(EventLoop, TimerCapacityExhaustionIsAnErrorNotACrash) {
  EventLoop loop;
  for (std::size_t i = 0; i < limits::kMaxTimers; ++i) ASSERT_TRUE(loop.add_timer(1000, [] {}).valid());
  EXPECT_FALSE(loop.add_timer(1000, [] {}).valid());
}

TEST(EventLoop, FdReadinessDispatchesToItsHandler) {
  EventLoop loop;
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  int got = 0;
  ASSERT_TRUE(loop.add_fd(p[0], POLLIN, [&](short rev) {
    char c;
    if (rev & POLLIN) got += static_cast<int>(read(p[0], &c, 1));
  }));
  loop.run_once(0);
  EXPECT_EQ(got, 0);
  ASSERT_EQ(write(p[1], "x", 1), 1);
  loop.run_once(100);
  EXPECT_EQ(got, 1);
  loop.remove_fd(p[0]);
  ASSERT_EQ(write(p[1], "y", 1), 1);
  loop.run_once(10);
  EXPECT_EQ(got, 1);
  close(p[0]);
  close(p[1]);
}

TEST(EventLoop, HandlerMayRemoveAnotherReadyFdSafely) {
  EventLoop loop;
  int a[2], b[2];
  ASSERT_EQ(pipe(a), 0);
  ASSERT_EQ(pipe(b), 0);
  int b_calls = 0;
  ASSERT_TRUE(loop.add_fd(a[0], POLLIN, [&](short) { loop.remove_fd(b[0]); loop.remove_fd(a[0]); }));
  ASSERT_TRUE(loop.add_fd(b[0], POLLIN, [&](short) { ++b_calls; }));
  ASSERT_EQ(write(a[1], "x", 1), 1);
  ASSERT_EQ(write(b[1], "x", 1), 1);
  loop.run_once(100);
  EXPECT_EQ(b_calls, 0);
  for (int fd : {a[0], a[1], b[0], b[1]}) close(fd);
}

TEST(EventLoop, FdCapacityExhaustionAndDuplicatesAreRefused) {
  EventLoop loop;
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_TRUE(loop.add_fd(p[0], POLLIN, [](short) {}));
  EXPECT_FALSE(loop.add_fd(p[0], POLLIN, [](short) {}));
  EXPECT_FALSE(loop.add_fd(-1, POLLIN, [](short) {}));
  // Fill the table with distinct (dup'ed) descriptors.
  int dups[limits::kMaxFds];
  std::size_t added = 0;
  for (std::size_t i = 0; i + 1 < limits::kMaxFds; ++i) {
    dups[i] = dup(p[1]);
    if (loop.add_fd(dups[i], POLLOUT, [](short) {})) ++added;
  }
  EXPECT_EQ(added, limits::kMaxFds - 1);
  int extra = dup(p[1]);
  EXPECT_FALSE(loop.add_fd(extra, POLLOUT, [](short) {}));
  close(extra);
  for (std::size_t i = 0; i + 1 < limits::kMaxFds; ++i) close(dups[i]);
  close(p[0]);
  close(p[1]);
}

TEST(EventLoop, PumpsAGlibContextOnTheSameThread) {
  GMainContext* ctx = g_main_context_new();
  EventLoop loop;
  loop.attach_glib(ctx);
  struct State {
    int calls = 0;
  } st;
  GSource* src = g_timeout_source_new(5);
  g_source_set_callback(
      src,
      [](gpointer p) -> gboolean {
        ++static_cast<State*>(p)->calls;
        return G_SOURCE_REMOVE;
      },
      &st, nullptr);
  g_source_attach(src, ctx);
  g_source_unref(src);
  for (int i = 0; i < 50 && st.calls == 0; ++i) loop.run_once(20);
  EXPECT_EQ(st.calls, 1);
  loop.detach_glib();
  g_main_context_unref(ctx);
}

// A GLib source with a descriptor, dispatched without may-recurse, makes
// GLib signal its own wake-up eventfd (block/unblock around the dispatch).
// The loop does not read that signal back itself: it must still be
// consumed (by g_main_context_check on the next round), so the loop goes
// back to sleeping instead of spinning on a readable descriptor.
TEST(EventLoop, GlibWakeupSignalIsConsumedNotSpunOn) {
  GlibPipe g;
  ASSERT_NE(g.src, nullptr);
  EventLoop& loop = g.loop;
  int* p = g.p;
  int& dispatched = g.dispatched;
  loop.run_once(0);  // the attach signalled the wake-up descriptor: consumed here
  ASSERT_EQ(write(p[1], "x", 1), 1);
  for (int i = 0; i < 20 && dispatched == 0; ++i) loop.run_once(1000);
  ASSERT_EQ(dispatched, 1);
  // Nothing is pending now but the signal the dispatch left. A round that
  // blocks until the timer ends this; a descriptor left readable would make
  // every round return at once.
  bool fired = false;
  loop.add_timer(200, [&] { fired = true; });
  int rounds = 0;
  while (!fired && rounds < 1000) {
    loop.run_once(-1);
    ++rounds;
  }
  EXPECT_TRUE(fired);
  EXPECT_LE(rounds, 3);
}

// A deferred descriptor (a media socket read at the audio tick) does not
// wake the loop while its owner keeps draining it; once the drains stop it
// is polled again, so it is never left unread.
TEST(EventLoop, DeferredFdSleepsThroughUntilItsDrainsStop) {
  EventLoop loop;
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  int handled = 0;
  ASSERT_TRUE(loop.add_fd(p[0], POLLIN, [&](short) {
    char c;
    if (read(p[0], &c, 1) == 1) ++handled;
  }));
  ASSERT_TRUE(loop.defer_fd(p[0]));
  EXPECT_TRUE(loop.deferred(p[0]));
  ASSERT_EQ(write(p[1], "x", 1), 1);
  // Ten 20 ms ticks that mark it drained without reading: the byte stays
  // queued, yet rounds sleep until each tick instead of returning at once.
  int ticks = 0;
  TimerId tick;
  std::function<void()> arm = [&] {
    tick = loop.add_timer(20, [&] {
      loop.mark_drained(p[0]);
      if (++ticks < 10) arm();
    });
  };
  arm();
  int rounds = 0;
  while (ticks < 10 && rounds < 1000) {
    loop.run_once(-1);
    ++rounds;
  }
  EXPECT_EQ(ticks, 10);
  EXPECT_EQ(handled, 0) << "a deferred descriptor was polled while drained";
  EXPECT_LE(rounds, 12) << "a readable deferred descriptor made rounds return at once";
  // No more drains: it goes stale and its handler reads it.
  for (int i = 0; i < 20 && handled == 0; ++i) loop.run_once(-1);
  EXPECT_EQ(handled, 1);
  // Undeferred, it is polled as any other.
  loop.undefer_fd(p[0]);
  EXPECT_FALSE(loop.deferred(p[0]));
  ASSERT_EQ(write(p[1], "y", 1), 1);
  loop.run_once(100);
  EXPECT_EQ(handled, 2);
  loop.remove_fd(p[0]);
  close(p[0]);
  close(p[1]);
}

TEST(EventLoop, DeferredFdCapacityIsAnErrorNotACrash) {
  EventLoop loop;
  for (std::size_t i = 0; i < limits::kMaxDeferredFds; ++i) EXPECT_TRUE(loop.defer_fd(100 + static_cast<int>(i)));
  EXPECT_TRUE(loop.defer_fd(100));  // already deferred: still fine
  EXPECT_FALSE(loop.defer_fd(999));
  EXPECT_FALSE(loop.defer_fd(-1));
  loop.undefer_fd(100);
  EXPECT_TRUE(loop.defer_fd(999));
}

// A deferred descriptor GLib watches (libnice's media socket) is dispatched
// by a drain (the audio tick), not by the loop's sleeping rounds.
TEST(EventLoop, DeferredGlibFdIsDispatchedByDrainsOnly) {
  GlibPipe g;
  ASSERT_NE(g.src, nullptr);
  EventLoop& loop = g.loop;
  int* p = g.p;
  int& dispatched = g.dispatched;
  g_source_set_can_recurse(g.src, TRUE);
  loop.run_once(0);
  ASSERT_TRUE(loop.defer_fd(p[0]));
  ASSERT_EQ(write(p[1], "x", 1), 1);
  // Rounds that end on a timer before the descriptor goes stale.
  bool fired = false;
  loop.add_timer(30, [&] { fired = true; });
  for (int i = 0; i < 10 && !fired; ++i) loop.run_once(-1);
  ASSERT_TRUE(fired);
  EXPECT_EQ(dispatched, 0) << "the sleeping poll watched a deferred GLib descriptor";
  // The tick: a drain from a timer handler dispatches it there and then.
  int dispatched_in_tick = -1;
  loop.add_timer(0, [&] {
    loop.drain_glib();
    dispatched_in_tick = dispatched;
  });
  for (int i = 0; i < 10 && dispatched_in_tick < 0; ++i) loop.run_once(100);
  EXPECT_EQ(dispatched_in_tick, 1);
  // A drain with nothing queued dispatches nothing and does not block.
  loop.drain_glib();
  EXPECT_EQ(dispatched, 1);
}

TEST(EventLoop, StopEndsRun) {
  EventLoop loop;
  loop.add_timer(1, [&] { loop.stop(); });
  loop.run();
  EXPECT_TRUE(loop.stopped());
}

}  // namespace
}  // namespace dialtone
