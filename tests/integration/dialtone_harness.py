"""Test harness: runs the real dialtoned and talks to it as a person would.

Used by every integration test. Runs under Debian's /usr/bin/python3 (numpy).
"""
import json
import os
import select
import signal
import socket
import struct
import subprocess
import tempfile
import time

import numpy as np

BUILD_DIR = os.environ.get("DIALTONE_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))


def binary(name):
    path = os.path.join(BUILD_DIR, "firmware", name)
    if not os.path.exists(path):
        raise RuntimeError(f"{path} not built (set DIALTONE_BUILD_DIR)")
    return path


def write_wav(path, samples, rate):
    data = np.asarray(samples, dtype="<i2").tobytes()
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16))
        f.write(b"data" + struct.pack("<I", len(data)) + data)


def tone(freqs, seconds, rate, level=8000):
    t = np.arange(int(seconds * rate)) / rate
    x = sum(np.sin(2 * np.pi * f * t) for f in freqs) * level / max(1, len(freqs))
    return x.astype(np.int16)


def read_wav(path):
    """Reads a mono 16-bit WAV that may still be growing (header sizes ignored)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError(f"{path} is not a WAV file")
    pos, rate, data = 12, None, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            rate = struct.unpack("<I", raw[pos + 12:pos + 16])[0]
        if cid == b"data":
            data = raw[pos + 8:]
            break
        pos += 8 + size + (size & 1)
    n = len(data) // 2
    return np.frombuffer(data[:n * 2], dtype="<i2").astype(np.float64), rate


def tone_ratio(x, freq, rate):
    """Share of the block's energy at `freq` (Goertzel, as tests/common/tone_detect.hpp)."""
    if len(x) == 0:
        return 0.0
    w = 2 * np.pi * freq / rate
    n = np.arange(len(x))
    re, im = np.sum(x * np.cos(w * n)), np.sum(x * np.sin(w * n))
    energy = np.sum(x * x)
    return 0.0 if energy <= 0 else 2 * (re * re + im * im) / (len(x) * energy)


def rms(x):
    return float(np.sqrt(np.mean(x * x))) if len(x) else 0.0


class Agent:
    """A running dialtoned with a temporary state directory."""

    def __init__(self, board="sim", extra=None, capture=None, config_override=None):
        self.dir = tempfile.mkdtemp(prefix="dialtone-it-")
        self.state_dir = os.path.join(self.dir, "state")
        self.playback = os.path.join(self.dir, "out.wav")
        self.capture = capture or os.path.join(self.dir, "in.wav")
        cfg = {
            "board": board,
            "state_dir": self.state_dir,
            "audio": {"backend": "file", "capture": self.capture, "playback": self.playback},
            "web": {"listen": "127.0.0.1:0"},
            "ice": {"host_addresses": ["127.0.0.1"]},
        }
        if extra:
            cfg.update(extra)
        self.config = config_override if config_override is not None else cfg
        self.config_path = os.path.join(self.dir, "config.json")
        with open(self.config_path, "w") as f:
            f.write(self.config if isinstance(self.config, str) else json.dumps(self.config))
        self.proc = None
        self.log_path = os.path.join(self.dir, "agent.log")

    def start(self, wait=True):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary("dialtoned"), "--config", self.config_path],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if wait:
            sock = os.path.join(self.state_dir, "control.sock")
            deadline = time.time() + 10
            while time.time() < deadline:
                if os.path.exists(sock):
                    try:
                        self.ctl = Control(sock)
                        return self
                    except OSError:
                        pass
                if self.proc.poll() is not None:
                    raise RuntimeError("dialtoned exited early:\n" + self.log_text())
                time.sleep(0.05)
            raise RuntimeError("control socket never appeared:\n" + self.log_text())
        return self

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def playback_tail(self, seconds):
        x, rate = read_wav(self.playback)
        return x[-int(seconds * rate):], rate

    def wait_played_seconds(self, seconds, timeout=10):
        """Waits until the playback WAV has grown by `seconds` of audio."""
        x, rate = read_wav(self.playback)
        target = len(x) + int(seconds * rate)
        deadline = time.time() + timeout
        while time.time() < deadline:
            time.sleep(0.05)
            x, rate = read_wav(self.playback)
            if len(x) >= target:
                return
        raise AssertionError("playback WAV stopped growing")


class Control:
    """A control-socket connection: one JSON line per request."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.pending_events = []  # events that arrived while waiting for a reply

    def send_raw(self, data):
        self.sock.sendall(data)

    def line(self, timeout=5):
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise TimeoutError("no line from the control socket")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("control socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def request(self, obj):
        self.send_raw((json.dumps(obj) + "\n").encode())
        while True:
            msg = self.line()
            if "event" not in msg:
                return msg
            self.pending_events.append(msg)

    def wait_event(self, pred, timeout=10):
        """The first event (already received or still to come) that matches;
        earlier ones are consumed."""
        while self.pending_events:
            msg = self.pending_events.pop(0)
            if pred(msg):
                return msg
        deadline = time.time() + timeout
        while True:
            msg = self.line(max(0.01, deadline - time.time()))
            if "event" in msg and pred(msg):
                return msg
