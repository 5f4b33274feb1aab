"""Child processes of the SIP test network: free loopback ports, one working
directory per part, a log file per process, and the log shown when a test
using the part fails.

A part is a context manager; leaving it with an exception prints the tail of
its log (and keeps its directory) so a failure explains itself. Set
SIPNET_KEEP=1 to keep every directory.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

LOOPBACK = "127.0.0.1"
LOG_TAIL_BYTES = 12000


def free_port(udp: bool = True, tcp: bool = True, count: int = 1) -> int:
    """A loopback port P such that P..P+count-1 are free for the given
    protocols when asked (a race with other processes is possible but the
    tests run alone in their namespace)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM) as s:
            s.bind((LOOPBACK, 0))
            base = s.getsockname()[1]
        if base + count > 65535:
            continue
        if all(_port_free(base + i, udp, tcp) for i in range(count)):
            return base
    raise RuntimeError("no free loopback port")


def _port_free(port: int, udp: bool, tcp: bool) -> bool:
    kinds = ([socket.SOCK_DGRAM] if udp else []) + ([socket.SOCK_STREAM] if tcp else [])
    for kind in kinds:
        with socket.socket(socket.AF_INET, kind) as s:
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((LOOPBACK, port))
            except OSError:
                return False
    return True


def free_port_range(size: int) -> tuple[int, int]:
    """A run of `size` UDP ports, none bound now (for a media relay's range)."""
    for _ in range(200):
        lo = free_port(udp=True, tcp=False)
        if lo + size > 65535:
            continue
        if all(_port_free(lo + i, True, False) for i in range(size)):
            return lo, lo + size - 1
    raise RuntimeError("no free loopback port range")


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    """Polls `predicate` until it returns a true value (returned) or raises
    TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


class Part:
    """One process of the network with its own directory and log file."""

    name = "part"

    def __init__(self, workdir: str | None = None):
        self._own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix=f"sipnet-{self.name}-")
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, f"{self.name}.log")
        self.proc: subprocess.Popen | None = None
        self._log = None
        self.failed = False

    # -- process ---------------------------------------------------------
    def spawn(self, argv: list[str], env: dict | None = None, stdin=subprocess.DEVNULL):
        self._log = open(self.log_path, "ab")
        self._log.write(("$ " + " ".join(argv) + "\n").encode())
        self._log.flush()
        # A session of its own: stop() signals the whole group the part made
        # (Kamailio's children), and a Ctrl-C of the test does not reach it twice.
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, stdin=stdin,
                                     cwd=self.dir, env=env, start_new_session=True)
        return self.proc

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with status {self.proc.returncode}:\n{self.log_tail()}")

    def stop(self, timeout: float = 5.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode

    # -- logs ------------------------------------------------------------
    def log_text(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, nbytes: int = LOG_TAIL_BYTES) -> str:
        text = self.log_text()
        return text if len(text) <= nbytes else "...\n" + text[-nbytes:]

    def dump_log(self, stream=None):
        stream = stream or sys.stderr
        stream.write(f"\n===== {self.name} log ({self.log_path}) =====\n{self.log_tail()}\n")
        stream.flush()

    # -- context manager -------------------------------------------------
    def start(self):
        raise NotImplementedError

    def close(self, failed: bool = False):
        self.stop()
        self.failed = self.failed or failed
        if failed:
            self.dump_log()
        if self._own_dir and not self.failed and not os.environ.get("SIPNET_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close(failed=True)
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(failed=exc_type is not None)
        return False
