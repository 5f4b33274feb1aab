#!/usr/bin/python3
"""The call benchmarks of the real dialtoned against the YNA simulator's
aiortc far end. Runs inside a private network namespace (loopback only);
bench/run.sh starts it. Prints one JSON object on stdout.

  agent_bench.py --build DIR --preload SO [--window 30] [--calls 10] [--soak N]

Measures, in this order, on one agent process:
  idle      CPU of the registered, on-hook agent over --idle s (60: two of
            the line's 30 s keep-alive pings; the baseline, target 0.05 %)
  call      one call to +14255550199 (answers at once, plays 1000 Hz): after
            5 s of settling, a --window s steady window: user+sys CPU from
            /proc/PID/stat, VmRSS every second, VmHWM at the end, and the heap
            calls counted by alloc_preload.so between two snapshots
  setup     --calls calls: dial command -> `connected` event (DTLS done),
            split with the simulator's own timestamps into device and
            simulator/aiortc time
  soak      (--soak N) N calls back to back, RSS and open fds every tenth
  faults    (--soak-faults MINUTES) calls, outgoing and incoming, for that long
            while the simulator drops the notification channel, answers 500s
            and loses 5 % of media datagrams each way: every call's outcome,
            calls left stuck, RSS and open fds every tenth call
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)

from procstat import LinkedIn, Proc, cpu_by_object, heap_window  # noqa: E402

NUMBER = "14255550199"
FAR_HZ = 1000
MIC_HZ = 600


def log(*a):
    print("agent_bench:", *a, file=sys.stderr, flush=True)


def syscalls_per_s(pid, seconds):
    """System calls of every thread of `pid` per second, by name (strace -c);
    "NAME failed" counts those that returned an error (a recvmsg or read
    finding nothing: EAGAIN)."""
    r = subprocess.run(["timeout", "-s", "INT", str(seconds), "strace", "-c", "-f", "-q", "-p", str(pid)],
                       capture_output=True, text=True)
    counts = {}
    for line in r.stderr.splitlines():
        f = line.split()
        # % time, seconds, usecs/call, calls, [errors,] syscall
        if len(f) >= 5 and f[0].replace(".", "", 1).isdigit() and f[-1] != "total":
            counts[f[-1]] = int(f[3]) / seconds
            if len(f) == 6:
                counts[f[-1] + " failed"] = int(f[4]) / seconds
    return counts


def sleeps_per_s(pid, seconds):
    """Voluntary context switches of every thread of `pid` per second: how
    often the process blocked (poll sleeping, or a blocking call), which is
    what strace's counts cannot tell apart from calls returning at once.
    Measured without strace attached (its stops would count too)."""
    def total():
        n = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/status") as f:
                    for line in f:
                        if line.startswith("voluntary_ctxt_switches:"):
                            n += int(line.split()[1])
            except FileNotFoundError:
                pass  # the thread ended meanwhile
        return n
    n0, t0 = total(), time.monotonic()
    time.sleep(seconds)
    return (total() - n0) / (time.monotonic() - t0)


def soak_with_faults(y, ctl, p, minutes, call_state):
    """Calls for `minutes` under faults; never asserts, counts."""
    y.admin("POST", "/config", {"loss_pct": 5.0, "ring_delay_s": 0.5})
    faults = ["close_1012", "http_status_once", "http_500_once", None]
    outcomes, rows, stuck, i = {}, [], 0, 0
    end = time.monotonic() + minutes * 60
    while time.monotonic() < end and y.agent.proc.poll() is None:
        i += 1
        fault = faults[i % len(faults)]
        if fault == "http_status_once":
            y.fault(fault, path="/start", status=503, method="POST")
        elif fault:
            y.fault(fault)
        incoming = i % 3 == 0
        try:
            if incoming:
                y.admin("POST", "/call/incoming", {"from": "+14255550123"})
                call_state("ringing", 20)
                ctl.request({"cmd": "hook", "state": "off"})
            else:
                ctl.request({"cmd": "dial", "to": NUMBER})
            ev = ctl.wait_event(lambda e: e["event"] == "call" and e["state"] in ("connected", "ended"), 30)
            key = ("in " if incoming else "out ") + (ev["state"] if ev["state"] == "connected" else ev["reason"])
        except (TimeoutError, AssertionError) as e:
            key = ("in " if incoming else "out ") + "no answer from the agent: " + str(e)[:60]
        outcomes[key] = outcomes.get(key, 0) + 1
        time.sleep(1.0)
        ctl.request({"cmd": "hook", "state": "on"})
        deadline = time.time() + 15
        while time.time() < deadline and ctl.request({"cmd": "status"})["calls"]:
            time.sleep(0.2)
        if [c for c in ctl.request({"cmd": "status"})["calls"] if c["state"] != "ended"]:
            stuck += 1
        ctl.pending_events.clear()
        pools = ctl.request({"cmd": "status"}).get("pools", {})
        if os.environ.get("SOAK_TRACE"):
            log(f"call {i} fault {fault} incoming {incoming}: {key}; timers {pools.get('loop_timers')}")
        if i % 10 == 0:
            st = p.status()
            row = {"call": i, "rss_kb": st["VmRSS"], "rss_anon_kb": st.get("RssAnon"), "fds": p.fds(),
                   "hwm_kb": st["VmHWM"], "timers": pools.get("loop_timers", {}).get("used"),
                   "fds_in_loop": pools.get("loop_fds", {}).get("used")}
            rows.append(row)
            log(f"faults: after {i} calls RSS {row['rss_kb']} kB, fds {row['fds']}, outcomes {outcomes}")
    y.admin("POST", "/config", {"loss_pct": 0.0})
    res = {"faults_minutes": minutes, "faults_calls": i, "faults_outcomes": outcomes, "faults_stuck": stuck,
           "faults_rows": rows, "faults_agent_alive": y.agent.proc.poll() is None}
    if len(rows) >= 2:
        res["faults_rss_growth_pct"] = 100 * (rows[-1]["rss_kb"] - rows[0]["rss_kb"]) / rows[0]["rss_kb"]
        res["faults_fd_growth"] = rows[-1]["fds"] - rows[0]["fds"]
    return res


def static_libraries(build):
    """The third-party archives linked into dialtoned (cmake/Dependencies.cmake:
    libnice and libsrtp2, and with DIALTONE_STATIC_DEPS every library Debian
    ships an archive of), read from its link command: absolute paths ending
    in .a outside the build tree. The C++ runtime (-static-libstdc++) is not
    among them, so a heap call through operator new counts as its caller's."""
    link = os.path.join(build, "firmware", "CMakeFiles", "dialtoned.dir", "link.txt")
    build = os.path.realpath(build)
    try:
        words = open(link).read().split()
    except OSError:
        return []
    return sorted({w for w in words if w.endswith(".a") and w.startswith("/") and
                   not os.path.realpath(w).startswith(build + os.sep) and os.path.exists(w)})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--preload", required=True)
    ap.add_argument("--window", type=float, default=30)
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--soak", type=int, default=0)
    ap.add_argument("--idle", type=float, default=60, help="seconds of the on-hook CPU window")
    ap.add_argument("--idle-only", action="store_true", help="measure the on-hook agent, then stop")
    ap.add_argument("--soak-faults", type=float, default=0, metavar="MINUTES")
    ap.add_argument("--profile", type=float, default=0,
                    help="instead of the benchmarks: sample dialtoned with perf for this many "
                         "seconds in a call and print where its CPU goes (self time by library and symbol)")
    ap.add_argument("--wakeups", type=float, default=0,
                    help="instead of the benchmarks: count dialtoned's system calls per second with strace "
                         "for this many seconds on hook (idle) and as long in a call")
    ap.add_argument("--maps", action="store_true",
                    help="instead of the benchmarks: resident memory by mapped object on hook and in "
                         "a call (/proc/PID/smaps), largest first")
    a = ap.parse_args()
    os.environ["DIALTONE_BUILD_DIR"] = a.build
    from dialtone_harness import tone, tone_ratio, write_wav  # noqa: E402
    from yna_it import YnaSetup  # noqa: E402

    out = {}
    # The ping interval of the shipped default config (device-control.md).
    y = YnaSetup(ping_s=30, pong_s=10)
    try:
        write_wav(y.agent.capture, tone([MIC_HZ], 2.0, 16000, level=6000), 16000)
        heap_file = os.path.join(y.agent.dir, "heap.txt")
        os.environ["LD_PRELOAD"] = a.preload
        os.environ["ALLOC_PRELOAD_OUT"] = heap_file
        try:
            y.start_agent()
        finally:
            del os.environ["LD_PRELOAD"]
            del os.environ["ALLOC_PRELOAD_OUT"]
        y.link()
        y.wait_line("registered")
        ctl = y.agent.ctl
        ctl.request({"cmd": "subscribe"})
        p = Proc(y.agent.proc.pid)

        def call_state(state, timeout=20):
            return ctl.wait_event(lambda e: e["event"] == "call" and e["state"] == state, timeout)

        def hang_up():
            # hangup ends the call; the handset stays off hook until put down.
            assert ctl.request({"cmd": "hangup"})["ok"]
            call_state("ended")
            assert ctl.request({"cmd": "hook", "state": "on"})["ok"]

        def dtls_up_after(t_mono, timeout=10):
            """CLOCK_MONOTONIC time of the first 'DTLS-SRTP up' log line after t_mono
            (the agent logs monotonic seconds, the clock time.monotonic() reads)."""
            deadline = time.time() + timeout
            while time.time() < deadline:
                for line in y.agent.log_text().splitlines():
                    if "DTLS-SRTP connected as" in line:
                        t = float(line.split()[0])
                        if t >= t_mono - 0.002:
                            return t
                time.sleep(0.05)
            return None

        if a.profile:
            assert ctl.request({"cmd": "dial", "to": NUMBER})["ok"]
            call_state("connected")
            time.sleep(2)
            data = os.path.join(y.agent.dir, "perf.data")
            subprocess.run(["perf", "record", "-q", "-F", "1999", "-p", str(y.agent.proc.pid), "-o", data,
                            "--", "sleep", str(a.profile)], check=True)
            for sort in ("dso", "dso,sym"):
                rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "-q",
                                      "--sort", sort, "--percent-limit", "0.7"],
                                     check=True, capture_output=True, text=True).stdout
                print(f"--- self time by {sort} ---\n{rep}", file=sys.stderr)
            hang_up()
        elif a.maps:
            time.sleep(2)
            idle_maps = p.rss_by_object()
            assert ctl.request({"cmd": "dial", "to": NUMBER})["ok"]
            call_state("connected")
            time.sleep(6)
            call_maps = p.rss_by_object()
            st = p.status()
            hang_up()
            log(f"VmRSS {st['VmRSS']} kB, RssAnon {st.get('RssAnon')} kB, RssFile {st.get('RssFile')} kB, "
                f"VmHWM {st['VmHWM']} kB")
            log(f"{'object':<28} {'idle rss':>9} {'call rss':>9} {'of it anon':>10}")
            for obj, m in sorted(call_maps.items(), key=lambda kv: -kv[1]["rss"]):
                if m["rss"] == 0:
                    continue
                log(f"{obj:<28} {idle_maps.get(obj, {}).get('rss', 0):>9} {m['rss']:>9} {m['anon']:>10}")
            out["maps_idle"] = idle_maps
            out["maps_call"] = call_maps
        elif a.wakeups:
            time.sleep(2)  # the audio clock runs for its first second, then sleeps on hook
            out["sleeps_idle"] = sleeps_per_s(y.agent.proc.pid, a.wakeups)
            out["wakeups_idle"] = syscalls_per_s(y.agent.proc.pid, a.wakeups)
            assert ctl.request({"cmd": "dial", "to": NUMBER})["ok"]
            call_state("connected")
            # Past the call's set-up tail: libnice keeps its connectivity-check
            # timer ticking every Ta (20 ms) for its idle-timeout (5 s) after
            # the checks end, 250 wake-ups once per call.
            time.sleep(6)
            out["sleeps_call"] = sleeps_per_s(y.agent.proc.pid, a.wakeups)
            out["wakeups_call"] = syscalls_per_s(y.agent.proc.pid, a.wakeups)
            hang_up()
            for what in ("idle", "call"):
                top = sorted(out["wakeups_" + what].items(), key=lambda kv: -kv[1])[:10]
                log(f"{what}: " + ", ".join(f"{k} {v:.1f}/s" for k, v in top))
                log(f"{what}: voluntary context switches (sleeps) {out['sleeps_' + what]:.1f}/s")
        elif a.soak_faults:
            out.update(soak_with_faults(y, ctl, p, a.soak_faults, call_state))
        elif not a.soak:
            time.sleep(2)  # the audio clock runs for its first second, then sleeps on hook
            c0 = p.cpu_s()
            t0 = time.monotonic()
            time.sleep(a.idle)
            out["idle_cpu_pct"] = 100 * (p.cpu_s() - c0) / (time.monotonic() - t0)
            out["idle_window_s"] = a.idle
            out["idle_rss_kb"] = p.status()["VmRSS"]
            out["idle_rss_anon_kb"] = p.status().get("RssAnon")
            log(f"idle: {out['idle_cpu_pct']:.3f}% CPU over {a.idle:.0f} s, RSS {out['idle_rss_kb']} kB")
            if a.idle_only:
                out["agent_exit_code"] = y.agent.stop()
                print(json.dumps(out))
                return

            # ---- one call, steady window -------------------------------------------------
            assert ctl.request({"cmd": "dial", "to": NUMBER})["ok"]
            ev = call_state("connected")
            call_id = ev["call_id"]
            time.sleep(5)
            linked = LinkedIn(os.path.join(a.build, "firmware", "dialtoned"), static_libraries(a.build))
            w = heap_window(p, heap_file, a.window, linked_in=linked)
            out.update({"call_" + k: v for k, v in w.items()})
            out["call_rss_by_object_kb"] = {o: m["rss"] for o, m in p.rss_by_object(linked).items()}
            out["call_cpu_by_object_pct"] = cpu_by_object(p.pid, 10, y.agent.dir, linked)
            y.agent.wait_played_seconds(1.0)
            x, rate = y.agent.playback_tail(1.0)
            out["call_far_tone_ratio"] = round(tone_ratio(x, FAR_HZ, rate), 3)
            tops = y.admin("GET", f"/call/{call_id}/audio").get("top_frequencies") or []
            out["call_far_heard_mic"] = sum(t["blocks"] for t in tops if abs(t["hz"] - MIC_HZ) <= 20) >= 5
            st = ctl.request({"cmd": "status"})
            out["call_status"] = st["calls"][0] if st.get("calls") else None
            log(f"call: {w['cpu_pct']:.2f}% CPU, RSS {w['rss_steady_kb']} kB, HWM {w['rss_peak_kb']} kB, "
                f"heap ours {w['heap_ours_per_s']:.1f}/s libs {w['heap_libs_per_s']:.1f}/s, "
                f"earpiece 1000 Hz ratio {out['call_far_tone_ratio']}")
            hang_up()
            time.sleep(1)

            # ---- set-up times ---------------------------------------------------------
            setups, device, sim, dtls = [], [], [], []
            for i in range(a.calls):
                t0, m0 = time.time(), time.monotonic()
                assert ctl.request({"cmd": "dial", "to": NUMBER})["ok"]
                ev = call_state("connected")
                t1 = time.time()
                up = dtls_up_after(m0)
                if up is not None:
                    dtls.append((up - m0) * 1000)
                rec = y.admin("GET", f"/call/{ev['call_id']}")
                start_ms = next(r["t_ms"] for r in rec["requests"] if r["path"].endswith("/start"))
                conn_ms = next(n["t_ms"] for n in rec["notifications"] if n["status"] == "Connected")
                total = (t1 - t0) * 1000
                # Between /start arriving and the Connected status leaving, the
                # simulator waits its scripted 0.5 s and aiortc builds its answer.
                far = conn_ms - start_ms
                setups.append(total)
                sim.append(far)
                device.append(total - far)
                hang_up()
                time.sleep(0.3)
            out["setup_ms"] = [round(s, 1) for s in setups]
            out["setup_dtls_ms"] = [round(s, 1) for s in dtls]
            out["setup_dtls_median_ms"] = statistics.median(dtls) if dtls else None
            out["setup_median_ms"] = statistics.median(setups)
            out["setup_sim_median_ms"] = statistics.median(sim)
            out["setup_device_median_ms"] = statistics.median(device)
            out["rss_after_calls_kb"] = p.status()["VmRSS"]
            out["peak_rss_kb"] = p.status()["VmHWM"]
            log(f"setup: median {out['setup_median_ms']:.0f} ms (simulator/aiortc {out['setup_sim_median_ms']:.0f}, "
                f"rest {out['setup_device_median_ms']:.0f})")
        else:
            soak = []
            first = None
            for i in range(1, a.soak + 1):
                assert ctl.request({"cmd": "dial", "to": NUMBER})["ok"]
                call_state("connected")
                time.sleep(0.5)
                hang_up()
                time.sleep(0.2)
                if i % 10 == 0:
                    s = p.status()
                    row = {"call": i, "rss_kb": s["VmRSS"], "fds": p.fds(), "hwm_kb": s["VmHWM"]}
                    soak.append(row)
                    log(f"soak: after {i} calls RSS {row['rss_kb']} kB, fds {row['fds']}")
            out["soak"] = soak
            base = soak[0]
            last = soak[-1]
            out["soak_rss_growth_pct"] = 100 * (last["rss_kb"] - base["rss_kb"]) / base["rss_kb"]
            out["soak_fd_growth"] = last["fds"] - base["fds"]
        out["agent_exit_code"] = y.agent.stop()
        out["violations"] = len(y.violations()["violations"]) if y.sim.proc.poll() is None else None
    finally:
        y.close()
    print(json.dumps(out))


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
