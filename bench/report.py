#!/usr/bin/python3
"""Prints bench/run.sh's table from the JSON the benchmarks wrote, with the
project's targets: CPU and peak RSS at most half of baresip's, set-up no
slower; per call 1.5 % of a core and 4.5 MB; 0 heap calls/s from our code."""
import argparse
import json
import os
import subprocess
import tempfile

from procstat import by_part


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"error": f"{path}: {e}"}


def stripped_size(path):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "s")
        subprocess.run(["strip", "-o", out, path], check=True)
        return os.path.getsize(out)


def fmt(v, unit="", nd=1):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{nd}f}{unit}"
    return f"{v}{unit}"


def ratio(a, b):
    return f"{a / b:.2f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "n/a"


def faults_report(d):
    print(f"{d['faults_calls']} calls in {d['faults_minutes']} min under faults (channel drops, 500/503s, "
          f"5 % media loss each way); agent alive at the end: {d['faults_agent_alive']}; "
          f"calls left stuck: {d['faults_stuck']}")
    for k, n in sorted(d["faults_outcomes"].items(), key=lambda kv: -kv[1]):
        print(f"  {n:>5}  {k}")
    print(f"{'after call':>10} {'RSS kB':>8} {'anon kB':>8} {'peak kB':>8} {'fds':>4} {'timers':>6}")
    for r in d["faults_rows"]:
        print(f"{r['call']:>10} {r['rss_kb']:>8} {r['rss_anon_kb'] or 0:>8} {r['hwm_kb']:>8} {r['fds']:>4} "
              f"{r.get('timers') if r.get('timers') is not None else '-':>6}")
    if "faults_rss_growth_pct" in d:
        print(f"RSS growth from the tenth call to the last: {d['faults_rss_growth_pct']:+.2f} %; "
              f"fd growth: {d['faults_fd_growth']:+d}")


def soak_report(path):
    d = load(path)
    if "faults_calls" in d:
        return faults_report(d)
    if "soak" not in d:
        print("soak failed:", d.get("error", d))
        return
    print(f"{'after call':>10} {'RSS kB':>8} {'peak kB':>8} {'fds':>4}")
    for r in d["soak"]:
        print(f"{r['call']:>10} {r['rss_kb']:>8} {r['hwm_kb']:>8} {r['fds']:>4}")
    g = d["soak_rss_growth_pct"]
    print(f"RSS growth after the first ten calls: {g:+.2f} % (target < 1 %: {'met' if g < 1 else 'MISSED'}); "
          f"fd growth: {d['soak_fd_growth']:+d}")


def parts_table(ag, bs):
    """RSS and CPU in the call by part of each process (procstat.PARTS):
    which library holds a target back, and by how much."""
    for key, title, unit, scale in (("call_rss_by_object_kb", "RSS in the call by part", "MB", 1 / 1024),
                                    ("call_cpu_by_object_pct", "CPU in the call by part", "% of a core", None)):
        a, b = ag.get(key), bs.get(key)
        if not a:
            continue
        pa, pb = by_part(a), by_part(b or {})
        if scale is None:  # perf shares of each process's own samples -> % of a core
            pa = {k: v * ag.get("call_cpu_pct", 0) / 100 for k, v in pa.items()}
            pb = {k: v * bs.get("call_cpu_pct", 0) / 100 for k, v in pb.items()}
            scale = 1
        print()
        print(f"{title + ', ' + unit:58} {'dialtoned':>10} {'baresip':>10} {'diff':>8}")
        for part in sorted(set(pa) | set(pb), key=lambda k: -(pa.get(k, 0) - pb.get(k, 0))):
            x, y = pa.get(part, 0) * scale, pb.get(part, 0) * scale
            print(f"  {part:56} {x:>10.2f} {y:>10.2f} {x - y:>+8.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir")
    ap.add_argument("--build")
    ap.add_argument("--soak")
    a = ap.parse_args()
    if a.soak:
        return soak_report(a.soak)
    ag = load(os.path.join(a.dir, "agent.json"))
    bs = load(os.path.join(a.dir, "baresip.json"))
    lat = load(os.path.join(a.dir, "latency.json"))
    micro = load(os.path.join(a.dir, "micro.json"))

    dt_size = stripped_size(os.path.join(a.build, "firmware", "dialtoned"))
    bs_exe = bs_code = None
    if "objects" in bs:
        bs_exe = os.path.getsize("/usr/bin/baresip")
        own = [o for o in bs["objects"] if "baresip" in o or "/libre." in o or "/librem." in o]
        bs_code = sum(os.path.getsize(o) for o in own if os.path.exists(o))

    kb = 1024
    rows = [
        ("CPU in a call, % of one core", ag.get("call_cpu_pct"), bs.get("call_cpu_pct"), "half", 2),
        ("CPU idle (registered, on hook), %", ag.get("idle_cpu_pct"), bs.get("idle_cpu_pct"), "idle", 3),
        ("CPU of the call alone (call - idle), %",
         (ag["call_cpu_pct"] - ag["idle_cpu_pct"]) if "call_cpu_pct" in ag else None,
         (bs["call_cpu_pct"] - bs["idle_cpu_pct"]) if "call_cpu_pct" in bs else None, None, 2),
        ("RSS steady in the call, MB", ag.get("call_rss_steady_kb", 0) / kb or None,
         bs.get("call_rss_steady_kb", 0) / kb or None, None, 2),
        # VmHWM is synced lazily by the kernel: never below the RSS we sampled.
        ("RSS peak (VmHWM), MB", max(ag.get("peak_rss_kb", 0), ag.get("call_rss_max_kb", 0)) / kb or None,
         max(bs.get("peak_rss_kb", 0), bs.get("call_rss_max_kb", 0)) / kb or None, "half", 2),
        ("RSS idle, MB", ag.get("idle_rss_kb", 0) / kb or None, bs.get("idle_rss_kb", 0) / kb or None, None, 2),
        ("RSS added by a call, MB",
         (ag["call_rss_steady_kb"] - ag["idle_rss_kb"]) / kb if "call_rss_steady_kb" in ag else None,
         (bs["call_rss_steady_kb"] - bs["idle_rss_kb"]) / kb if "call_rss_steady_kb" in bs else None, None, 2),
        ("  RSS in the call: anonymous (heap, stacks, data), MB", (ag.get("call_rss_anon_kb") or 0) / kb or None,
         (bs.get("call_rss_anon_kb") or 0) / kb or None, None, 2),
        ("  RSS in the call: file-backed (code of exe + libs), MB", (ag.get("call_rss_file_kb") or 0) / kb or None,
         (bs.get("call_rss_file_kb") or 0) / kb or None, None, 2),
        ("binary, stripped, KiB", dt_size / kb, bs_exe / kb if bs_exe else None, None, 0),
        ("own code (exe + baresip modules, libre, librem), KiB", dt_size / kb, bs_code / kb if bs_code else None,
         None, 0),
        ("heap calls/s, our code (exe)", ag.get("call_heap_ours_per_s"), bs.get("call_heap_ours_per_s"), None, 1),
        ("heap calls/s, libraries", ag.get("call_heap_libs_per_s"), bs.get("call_heap_libs_per_s"), None, 1),
        ("set-up: dial -> connected event, median ms", ag.get("setup_median_ms"), bs.get("setup_median_ms"),
         None, 0),
        ("set-up: dial -> DTLS-SRTP up, median ms", ag.get("setup_dtls_median_ms"),
         bs.get("setup_secure_median_ms"), "noslower", 0),
        ("  of which the far end (sim script 500 ms + aiortc answer)", ag.get("setup_sim_median_ms"), None, None, 0),
        ("  without the far end's part, median ms",
         (ag["setup_dtls_median_ms"] - ag["setup_sim_median_ms"]) if ag.get("setup_dtls_median_ms") else None,
         bs.get("setup_secure_median_ms"), "noslower", 0),
    ]
    print()
    print(f"{'figure':58} {'dialtoned':>10} {'baresip':>10} {'ratio':>6}  target")
    print("-" * 100)
    for name, x, y, target, nd in rows:
        verdict = ""
        if target == "half" and isinstance(x, float) and isinstance(y, float):
            verdict = f"<= 0.50x: {'met' if x <= 0.5 * y else 'MISSED'}"
        if target == "idle" and isinstance(x, float):
            verdict = f"<= 0.05 %: {'met' if x <= 0.05 else 'MISSED'}"
        if target == "noslower" and isinstance(x, float) and isinstance(y, float):
            verdict = f"no slower: {'met' if x <= y else 'MISSED'}"
        print(f"{name:58} {fmt(x, '', nd):>10} {fmt(y, '', nd):>10} {ratio(x, y):>6}  {verdict}")
    print()
    budget = []
    if "call_cpu_pct" in ag:
        c = ag["call_cpu_pct"] - ag["idle_cpu_pct"]
        budget.append(f"per-call CPU {c:.2f} % of a core (budget 1.5 %: {'met' if c <= 1.5 else 'MISSED'})")
        m = (ag["call_rss_steady_kb"] - ag["idle_rss_kb"]) / kb
        budget.append(f"per-call RSS {m:.2f} MB (budget 4.5 MB: {'met' if m <= 4.5 else 'MISSED'})")
        budget.append(f"heap calls/s from our code {ag['call_heap_ours_per_s']:.1f} (target 0: "
                      f"{'met' if ag['call_heap_ours_per_s'] == 0 else 'MISSED'})")
        budget.append(f"call audio checked: earpiece 1000 Hz share {ag.get('call_far_tone_ratio')}, "
                      f"far end heard the 600 Hz mic: {ag.get('call_far_heard_mic')}")
    for b in budget:
        print(b)
    if ag.get("call_heap_by_object_per_s"):
        print("dialtoned heap calls/s by caller object:",
              ", ".join(f"{k} {v}" for k, v in ag["call_heap_by_object_per_s"].items()))
    if bs.get("call_heap_by_object_per_s"):
        print("baresip heap calls/s by caller object:",
              ", ".join(f"{k} {v}" for k, v in bs["call_heap_by_object_per_s"].items()))
    parts_table(ag, bs)
    if "error" in ag:
        print("dialtoned bench error:", ag["error"])
    if "error" in bs:
        print("baresip bench error:", bs["error"])
    notes = [bs.get("ice_note")] + ([f"baresip modules missing: {bs['modules_missing']}"]
                                    if bs.get("modules_missing") else [])
    for n in notes:
        if n:
            print("baresip:", n)
    if "error" not in lat:
        print()
        print("Audio latency added by the device (pipeline model + jitter buffer run, no network jitter):")
        print(f"  capture -> RTP send   {lat['capture_to_send_ms']:.1f} ms = 20 ms frame + mic resampler "
              f"{lat['mic_resampler_ms']:.1f} ms (Opus runs at the board's 16 kHz) + Opus look-ahead "
              f"{lat['opus_lookahead_ms']:.1f} ms")
        print(f"  RTP arrival -> playback {lat['arrival_to_playback_ms']:.1f} ms = jitter buffer residence "
              f"{lat['jitter_residence_ms']:.1f} ms (target {lat['jitter_target_ms']} ms) + ear resampler "
              f"{lat['ear_resampler_ms']:.1f} ms; + ALSA playback queue ~{lat['alsa_playback_queue_ms']} ms "
              "on real boards (0 on the simulated board)")
    if "benchmarks" in micro:
        print()
        print(f"{'microbenchmark (Google Benchmark)':34} {'CPU ns':>10} {'heap/iter':>10}")
        for b in micro["benchmarks"]:
            print(f"{b['name']:34} {b['cpu_time']:>10.0f} {b.get('heap_calls/iter', float('nan')):>10.2f}")


if __name__ == "__main__":
    main()
