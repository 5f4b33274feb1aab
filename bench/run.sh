#!/usr/bin/env bash
# Footprint and speed of dialtoned, side by side with Debian's baresip.
#   bench/run.sh          set up, build (build-bench/, -DDIALTONE_BENCH=ON),
#                         run every benchmark, print the table (~6 min;
#                         BENCH_WINDOW, BENCH_CALLS, BENCH_IDLE: seconds in a
#                         call, set-ups, seconds on hook)
#   bench/run.sh --soak   100 calls back to back: RSS and open fds every tenth
#   bench/run.sh --soak --faults [MINUTES]
#                         calls for MINUTES (default 60) while the simulator
#                         drops the channel, answers 500s and loses 5 % of
#                         media packets: outcomes, stuck calls, RSS and fds
#   bench/run.sh --wakeups
#                         system calls per second of dialtoned on hook and
#                         in a call, by name (poll, recvmsg, timerfd ...), and
#                         how often it slept (voluntary context switches)
#   bench/run.sh --maps   dialtoned's resident memory by mapped object
#                         (library code, its relocated pages, heap, pools)
#                         on hook and in a call: where the RSS is
#   bench/run.sh --profile
#                         perf samples dialtoned for 20 s in a call and prints
#                         its CPU by library and symbol (what to work on next)
#   bench/run.sh --opus   Opus complexity 0..10 at every board's rate: quality
#                         (frequency-weighted segmental SNR ...) against
#                         instructions per frame (callgrind), ~8 min; how the
#                         boards' complexities were chosen (docs/boards.md)
# Never part of the pass/fail tests. Calls run on loopback inside a private
# network namespace (scripts/in-netns.sh); needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build-bench"
soak=0
profile=0
window=${BENCH_WINDOW:-30}
idle=${BENCH_IDLE:-60}
calls=${BENCH_CALLS:-10}
faults=0
[ "${1:-}" = "--soak" ] && soak=1
if [ "$soak" = 1 ] && [ "${2:-}" = "--faults" ]; then faults=${3:-60}; fi
[ "${1:-}" = "--profile" ] && profile=1
wakeups=0
[ "${1:-}" = "--wakeups" ] && wakeups=1
opus=0
[ "${1:-}" = "--opus" ] && opus=1
maps=0
[ "${1:-}" = "--maps" ] && maps=1

# Packages and build: setup.sh installs Dialtone's packages and builds the
# tree configured here (benchmarks on, unit tests off: fewer targets).
# The static libnice/libsrtp2 must exist before the first configure (which
# otherwise stops and asks for them); cached, so usually instant.
"$here/scripts/deps-from-source.sh" native >&2
cmake -S "$here" -B "$build" -DDIALTONE_BENCH=ON -DDIALTONE_TESTS=OFF -DDIALTONE_WERROR=ON >/dev/null
"$here/scripts/setup.sh" --build-dir "$build" >&2
if ! command -v baresip >/dev/null; then
  echo "bench: installing baresip" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq baresip >&2 ||
    echo "bench: baresip could not be installed; its column stays empty" >&2
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
netns="$here/scripts/in-netns.sh"
py=/usr/bin/python3
cd "$here/bench"

if [ "$opus" = 1 ]; then
  command -v valgrind >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >&2
  $py opus_complexity.py --build "$build"
  exit 0
fi
if [ "$wakeups" = 1 ]; then
  command -v strace >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >&2
  "$netns" $py agent_bench.py --build "$build" --preload "$build/bench/alloc_preload.so" --wakeups 10 >/dev/null
  exit 0
fi
if [ "$maps" = 1 ]; then
  "$netns" $py agent_bench.py --build "$build" --preload "$build/bench/alloc_preload.so" --maps >/dev/null
  exit 0
fi
if [ "$profile" = 1 ]; then
  command -v perf >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >&2
  "$netns" $py agent_bench.py --build "$build" --preload "$build/bench/alloc_preload.so" --profile 20 >/dev/null
  exit 0
fi

if [ "$faults" != 0 ]; then
  "$netns" $py agent_bench.py --build "$build" --preload "$build/bench/alloc_preload.so" --soak-faults "$faults" >"$out/soak.json"
  $py report.py --soak "$out/soak.json"
  exit 0
fi
if [ "$soak" = 1 ]; then
  "$netns" $py agent_bench.py --build "$build" --preload "$build/bench/alloc_preload.so" --soak 100 >"$out/soak.json"
  $py report.py --soak "$out/soak.json"
  exit 0
fi

# perf splits each agent's CPU in the call by library (the "by part" table).
command -v perf >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >&2 ||
  echo "bench: perf could not be installed; CPU by part stays empty" >&2
echo "bench: microbenchmarks" >&2
"$build/bench/media_bench" --benchmark_min_time=0.2 --benchmark_format=json >"$out/micro.json" 2>/dev/null
"$build/bench/latency_probe" >"$out/latency.json"
echo "bench: dialtoned in a call against the simulator (${window} s window, $calls set-ups)" >&2
"$netns" $py agent_bench.py --build "$build" --preload "$build/bench/alloc_preload.so" \
  --window "$window" --calls "$calls" --idle "$idle" >"$out/agent.json"
echo "bench: baresip calling baresip" >&2
if command -v baresip >/dev/null; then
  "$netns" $py baresip_bench.py --preload "$build/bench/alloc_preload.so" \
    --window "$window" --calls "$calls" --idle "$idle" >"$out/baresip.json" || echo '{"error":"baresip bench failed"}' >"$out/baresip.json"
else
  echo '{"error":"baresip not installed"}' >"$out/baresip.json"
fi
$py report.py --build "$build" --dir "$out"
