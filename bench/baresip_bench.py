#!/usr/bin/python3
"""The same call figures for Debian's baresip: two instances on 127.0.0.1
calling each other directly (sip:b@127.0.0.1:PORT, no registrar), Opus
48 kHz 20 ms, DTLS-SRTP (dtls_srtp module) and ICE (ice module) where the
modules exist, ausine as the microphone (ausine only does 48 kHz stereo), no
audio player (baresip decodes on packet arrival; the player would only copy).
Caller A is what we compare with dialtoned; the callee B answers at once
(answermode=auto). Runs inside a private network namespace. Prints JSON.

  baresip_bench.py --preload SO [--window 30] [--calls 10] [--idle 60]
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from procstat import Proc, cpu_by_object, heap_window  # noqa: E402

MODDIR = "/usr/lib/baresip/modules"
WANTED = ["opus", "ausine", "dtls_srtp", "ice", "account", "menu", "ctrl_tcp"]


def log(*a):
    print("baresip_bench:", *a, file=sys.stderr, flush=True)


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Baresip:
    def __init__(self, root, name, modules, mediaenc, medianat, env=None):
        self.name = name
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.sip_port = free_port(socket.SOCK_DGRAM)
        self.ctl_port = free_port()
        self.uri = f"sip:{name}@127.0.0.1:{self.sip_port}"
        params = ";regint=0;audio_codecs=opus;answermode=auto"
        if mediaenc:
            params += f";mediaenc={mediaenc}"
        if medianat:
            params += f";medianat={medianat}"
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write(f"<sip:{name}@127.0.0.1:{self.sip_port}>{params}\n")
        conf = [
            "poll_method epoll",
            f"sip_listen 127.0.0.1:{self.sip_port}",
            "net_interface 127.0.0.1",
            "audio_source ausine,1000",
            "ausrc_srate 48000",
            "ausrc_channels 2",
            "audio_player none,none",
            "audio_alert none,none",
            "rtp_stats no",
            "opus_bitrate 32000",
            "opus_stereo no",
            "opus_sprop_stereo no",
            f"module_path {MODDIR}",
            f"ctrl_tcp_listen 127.0.0.1:{self.ctl_port}",
        ]
        conf += [f"module {m}.so" for m in modules if m not in ("account", "menu", "ctrl_tcp")]
        conf += [f"module_app {m}.so" for m in modules if m in ("account", "menu", "ctrl_tcp")]
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("\n".join(conf) + "\n")
        self.log_path = os.path.join(self.dir, "baresip.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["baresip", "-f", self.dir], stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        self.sock = None
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.ctl_port), timeout=1)
                break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"baresip {name} exited:\n" + self.log_text())
                time.sleep(0.1)
        if self.sock is None:
            raise RuntimeError(f"baresip {name}: no ctrl_tcp socket\n" + self.log_text())
        self.buf = b""
        self.events = []

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def _read_one(self, timeout):
        """One netstring message (ctrl_tcp frames JSON as len:data,)."""
        deadline = time.time() + timeout
        while True:
            if b":" in self.buf:
                n, rest = self.buf.split(b":", 1)
                size = int(n)
                if len(rest) >= size + 1:
                    msg, self.buf = rest[:size], rest[size + 1:]
                    return json.loads(msg)
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(f"baresip {self.name}: nothing on ctrl_tcp")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("ctrl_tcp closed")
            self.buf += chunk

    def command(self, cmd, params=""):
        data = json.dumps({"command": cmd, "params": params, "token": "t"}).encode()
        self.sock.sendall(str(len(data)).encode() + b":" + data + b",")
        while True:
            m = self._read_one(10)
            if m.get("response"):
                return m
            self.events.append((time.monotonic(), m))

    def wait_event(self, types, timeout=20):
        for i, (t, m) in enumerate(self.events):
            if m.get("type") in types:
                del self.events[: i + 1]
                return t, m
        deadline = time.time() + timeout
        while True:
            m = self._read_one(max(0.01, deadline - time.time()))
            t = time.monotonic()
            if m.get("type") in types:
                return t, m
            self.events.append((t, m))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preload", required=True)
    ap.add_argument("--window", type=float, default=30)
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--idle", type=float, default=60, help="seconds of the idle CPU window (as agent_bench.py)")
    a = ap.parse_args()
    out = {"version": subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "baresip-core"],
                                     capture_output=True, text=True).stdout}
    have = [m for m in WANTED if os.path.exists(os.path.join(MODDIR, m + ".so"))]
    missing = [m for m in WANTED if m not in have]
    out["modules_missing"] = missing
    mediaenc = "dtls_srtp" if "dtls_srtp" in have else ("srtp-mand" if os.path.exists(
        os.path.join(MODDIR, "srtp.so")) else None)
    if mediaenc == "srtp-mand":
        have.append("srtp")
    # baresip 1.0.0's ice module skips loopback interfaces, so in a
    # loopback-only namespace it gathers nothing and the call fails
    # ("ice: set default cands failed"): ICE stays off, media goes host to host.
    medianat = None
    if "ice" in have:
        have.remove("ice")
        out["ice_note"] = "ice module present but gathers no candidates on loopback: ICE off"
    out["mediaenc"], out["medianat"] = mediaenc, medianat
    if "opus" not in have or "ctrl_tcp" not in have or "menu" not in have:
        out["error"] = f"baresip modules missing: {missing}"
        print(json.dumps(out))
        return
    root = tempfile.mkdtemp(prefix="bench-baresip-")
    heap_file = os.path.join(root, "heap.txt")
    env = dict(os.environ, LD_PRELOAD=a.preload, ALLOC_PRELOAD_OUT=heap_file)
    b = Baresip(root, "b", have, mediaenc, medianat)
    acaller = Baresip(root, "a", have, mediaenc, medianat, env=env)
    try:
        run(a, out, acaller, b, mediaenc, heap_file)
    except Exception as e:  # report what was measured and why the rest is missing
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        for p in (acaller, b):
            p.stop()
        out["log_tail_a"] = acaller.log_text()[-1500:]
    print(json.dumps(out))


def run(a, out, acaller, b, mediaenc, heap_file):
    if True:
        time.sleep(1)
        pa, pb = Proc(acaller.proc.pid), Proc(b.proc.pid)
        c0, t0 = pa.cpu_s(), time.monotonic()
        time.sleep(a.idle)
        out["idle_cpu_pct"] = 100 * (pa.cpu_s() - c0) / (time.monotonic() - t0)
        out["idle_rss_kb"] = pa.status()["VmRSS"]
        establish = ["CALL_ESTABLISHED"]
        secure = ["CALL_MENC"] if mediaenc else establish

        def one_call():
            m0 = time.monotonic()
            r = acaller.command("dial", b.uri)
            if not r.get("ok", True):
                raise RuntimeError(f"dial refused: {r}")
            t_est, _ = acaller.wait_event(establish)
            try:
                t_sec, ev = acaller.wait_event(secure, timeout=10)
            except TimeoutError:
                t_sec = None
            return (t_est - m0) * 1000, (t_sec - m0) * 1000 if t_sec else None

        est, sec = one_call()
        log(f"first call: established {est:.0f} ms, secure {sec} ms")
        time.sleep(5)
        w = heap_window(pa, heap_file, a.window)
        out.update({"call_" + k: v for k, v in w.items()})
        out["call_rss_by_object_kb"] = {o: m["rss"] for o, m in pa.rss_by_object().items()}
        out["call_cpu_by_object_pct"] = cpu_by_object(pa.pid, 10, acaller.dir)
        c1 = pb.cpu_s()
        out["callee_rss_kb"] = pb.status()["VmRSS"]
        out["callee_peak_rss_kb"] = pb.status()["VmHWM"]
        out["objects"] = pa.mapped_objects()
        log(f"call: {w['cpu_pct']:.2f}% CPU, RSS {w['rss_steady_kb']} kB, HWM {w['rss_peak_kb']} kB, "
            f"heap exe {w.get('heap_ours_per_s', 0):.1f}/s libs {w.get('heap_libs_per_s', 0):.1f}/s")
        del c1
        acaller.command("hangup")
        acaller.wait_event(["CALL_CLOSED"])
        time.sleep(1)
        est_l, sec_l = [], []
        for _ in range(a.calls):
            est, sec = one_call()
            est_l.append(est)
            if sec is not None:
                sec_l.append(sec)
            acaller.command("hangup")
            acaller.wait_event(["CALL_CLOSED"])
            time.sleep(0.3)
        out["setup_established_ms"] = [round(x, 1) for x in est_l]
        out["setup_secure_ms"] = [round(x, 1) for x in sec_l]
        out["setup_median_ms"] = statistics.median(est_l)
        out["setup_secure_median_ms"] = statistics.median(sec_l) if sec_l else None
        out["peak_rss_kb"] = pa.status()["VmHWM"]
        log(f"setup: established median {out['setup_median_ms']:.0f} ms, secure {out['setup_secure_median_ms']}")


if __name__ == "__main__":
    main()
