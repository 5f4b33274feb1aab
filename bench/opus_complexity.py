#!/usr/bin/python3
"""Opus encoder complexity 0..10 against quality and CPU, at the sample rate
of every board, for choosing each board's complexity (board/boards.cpp).

  opus_complexity.py --build DIR [--rates 16000,48000] [--seconds 10] [--json]

Quality: bench/opus_complexity (C++) encodes a fixed speech-like signal with
the agent's own OpusConfig (32 kbit/s, FEC, 10 % expected loss) at each
complexity, decodes it and compares it with the input: SNR, segmental SNR and
frequency-weighted segmental SNR (the one that follows listeners; see the
C++ file), all in the speech band.

CPU: instructions executed inside opus_encode per 20 ms frame, counted by
callgrind (valgrind). Instruction counts do not move with the load of a
shared machine the way wall time does, and this machine's virtual CPU has no
hardware counters for `perf stat`. (The JSON output keeps the wall time
per frame too; on a shared machine it is noise.)

Runs on the board too (valgrind exists for arm64 and armhf): the counts are
then the board's own.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def log(*a):
    print("opus_complexity:", *a, file=sys.stderr, flush=True)


def instructions_per_frame(exe, rate, complexity, seconds):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "callgrind.out")
        r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                            "--collect-atstart=no", "--toggle-collect=opus_encode",
                            exe, "encode", str(rate), str(complexity), str(seconds)],
                           capture_output=True, text=True, check=True)
        frames = json.loads(r.stdout)["frames"]
        with open(out) as f:
            for line in f:
                if line.startswith("totals:"):
                    return int(line.split()[1]) / frames
    raise RuntimeError("callgrind wrote no totals")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--rates", default="", help="comma-separated PCM rates; default: every board's")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of tables")
    a = ap.parse_args()
    exe = os.path.join(a.build, "bench", "opus_complexity")
    boards = json.loads(subprocess.run([exe, "boards"], capture_output=True, text=True, check=True).stdout)
    rates = [int(r) for r in a.rates.split(",")] if a.rates else sorted({b["sample_rate"] for b in boards})

    results = []
    for rate in rates:
        log(f"{rate} Hz: quality")
        q = json.loads(subprocess.run([exe, "quality", str(rate), str(a.seconds)], capture_output=True, text=True,
                                      check=True).stdout)
        for row in q["rows"]:
            log(f"{rate} Hz: complexity {row['complexity']}: counting instructions (callgrind)")
            row["instructions_per_frame"] = instructions_per_frame(exe, rate, row["complexity"], a.seconds)
        q["boards"] = {b["name"]: b["opus_complexity"] for b in boards if b["sample_rate"] == rate}
        results.append(q)

    if a.json:
        print(json.dumps(results, indent=1))
        return
    for q in results:
        chosen = {}
        for name, c in q["boards"].items():
            chosen.setdefault(c, []).append(name)
        print(f"\nOpus at {q['rate']} Hz PCM, {q['bitrate'] // 1000} kbit/s, FEC "
              f"{'on' if q['fec'] else 'off'} ({q['expected_loss_percent']} % loss expected), "
              f"{q['seconds']:.0f} s of speech-like signal; quality in the speech band (< 7.7 kHz)")
        print("| complexity | fwSegSNR dB | segSNR dB | SNR dB | bytes/frame | mode | M instr/frame | boards |")
        print("|---:|---:|---:|---:|---:|---|---:|---|")
        for r in q["rows"]:
            mode = "+".join(m for m in ("SILK", "hybrid", "CELT") if r[m.lower()])
            print(f"| {r['complexity']} | {r['fwsegsnr_db']:.2f} | {r['segsnr_db']:.2f} | {r['snr_db']:.2f} | "
                  f"{r['bytes_per_frame']:.1f} | {mode} {r['bandwidth']} | "
                  f"{r['instructions_per_frame'] / 1e6:.3f} | {', '.join(chosen.get(r['complexity'], []))} |")


if __name__ == "__main__":
    main()
