// Shared by the network tests of media/ice, media/dtls and media/transport:
// one EventLoop pumping one GLib context, and a bounded "run until".
#pragma once
#include <glib.h>

#include "firmware/core/clock.hpp"
#include "firmware/core/event_loop.hpp"

namespace dialtone::media::testing {

struct LoopWithGlib {
  EventLoop loop;
  GMainContext* ctx = g_main_context_new();
  LoopWithGlib() { loop.attach_glib(ctx); }
  ~LoopWithGlib() {
    // Let close_async callbacks run and free the agents.
    run_for(200);
    loop.detach_glib();
    g_main_context_unref(ctx);
  }
  template <typename Pred>
  bool run_until(Pred pred, TimeMs timeout_ms) {
    const TimeMs end = monotonic_ms() + timeout_ms;
    while (!pred()) {
      if (monotonic_ms() >= end) return false;
      loop.run_once(20);
    }
    return true;
  }
  void run_for(TimeMs ms) {
    run_until([] { return false; }, ms);
  }
};

}  // namespace dialtone::media::testing
