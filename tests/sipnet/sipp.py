"""SIPp (Debian's sip-tester 3.6.1) running one scenario of scenarios/.

Debian builds SIPp without TLS (transports u1, un, t1, tn only): TLS corner
cases go through Kamailio's TLS listener in front of SIPp.

    r = run_sipp("uas_register_md5.xml", local_port=5070,
                 keys={"password": "pw", "realm": "sipnet.test"}, max_calls=1)
    assert r.status == 0, r.explain()

or, to drive a device while SIPp runs:

    with Sipp("uas_busy_486.xml", local_port=5070, max_calls=2) as s:
        ... start the device, dial ...
        r = s.wait(timeout=30)
"""
from __future__ import annotations

import csv
import os
import re
import socket
import subprocess
from dataclasses import dataclass, field

from procs import LOOPBACK, Part, free_port, wait_until

SIPP = "/usr/bin/sipp"
HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "scenarios")
TRANSPORT_MODES = {"udp": "u1", "tcp": "t1"}

# Keywords every scenario may use (-key), overridden per run.
DEFAULT_KEYS = {
    "domain": "sipnet.test",      # the registrar host a UAC registers to
    "realm": "sipnet.test",       # realm of the challenges SIPp sends
    "user": "dev",                # user name the device authenticates as
    "password": "secret",         # its password (verifyauth)
    "expires": "600",             # expiry SIPp grants (or asks for as a UAC)
}
# Global variables (-set) a scenario declares with <Global variables="...">:
# given to the scenarios that declare them, overridden per run.
DEFAULT_VARIABLES = {
    "min_expires": "120",         # Min-Expires of the 423 scenario
    "ring_ms": "300",             # ringing before an answer or a CANCEL
    "call_ms": "2000",            # talk time before SIPp acts again
    "retransmit_ms": "500",       # wait before a deliberate retransmission
}

# Exit statuses (SIPp's documentation)
EXIT_ALL_OK, EXIT_SOME_FAILED, EXIT_INTERNAL_CMD, EXIT_NO_CALLS = 0, 1, 97, 99


def scenario_path(name: str) -> str:
    path = name if os.path.isabs(name) else os.path.join(SCENARIOS, name)
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    return path


def declared_globals(path: str) -> set[str]:
    with open(path) as f:
        text = f.read()
    out = set()
    for m in re.finditer(r'<Global\s+variables="([^"]*)"', text):
        out |= {v.strip() for v in m.group(1).split(",") if v.strip()}
    return out


@dataclass
class SippResult:
    status: int
    successful: int = 0
    failed: int = 0
    stats: dict = field(default_factory=dict)   # last row of SIPp's statistics CSV
    messages: str = ""                          # every message sent and received
    logs: str = ""                              # the scenario's <log> actions
    errors: str = ""                            # unexpected messages and failures
    output: str = ""                            # SIPp's own output
    timed_out: bool = False                     # stopped by wait(), not finished

    @property
    def ok(self) -> bool:
        """Every call of the run succeeded (SIPp finished by itself, status 0)."""
        return self.status == EXIT_ALL_OK and self.failed == 0 and self.successful > 0 \
            and not self.timed_out

    def logged(self, key: str) -> list[str]:
        """Values of `<log message="KEY value"/>` lines, in order."""
        return [line[len(key) + 1:].rstrip("\r") for line in self.logs.splitlines()
                if line.startswith(key + " ")]

    def explain(self) -> str:
        return (f"SIPp exit status {self.status}, {self.successful} successful, {self.failed} failed"
                f"{' (stopped: did not finish in time)' if self.timed_out else ''}\n"
                f"--- errors ---\n{self.errors[-4000:]}\n--- output ---\n{self.output[-3000:]}\n"
                f"--- messages (tail) ---\n{self.messages[-6000:]}")


class Sipp(Part):
    """One SIPp process. `target` is host:port for a UAC (None for a UAS);
    `keys` become [keyword]s (-key), `variables` [$variable]s (-set)."""

    name = "sipp"

    def __init__(self, scenario: str, target: str | None = None, *, local_port: int | None = None,
                 transport: str = "udp", service: str = "service", keys: dict | None = None,
                 variables: dict | None = None, max_calls: int = 1, timeout_s: float = 60,
                 auth: tuple | None = None, media_port: int | None = None, rtp_echo: bool = False,
                 extra_args=(), workdir: str | None = None):
        self.name = "sipp-" + os.path.splitext(os.path.basename(scenario))[0]
        super().__init__(workdir)
        if transport not in TRANSPORT_MODES:
            raise ValueError(f"SIPp transport must be one of {tuple(TRANSPORT_MODES)} (no TLS in Debian's build)")
        self.scenario = scenario_path(scenario)
        self.target = target
        self.transport = transport
        self.local_port = local_port or free_port()
        self.service = service
        self.keys = dict(DEFAULT_KEYS, **{k: str(v) for k, v in (keys or {}).items()})
        declared = declared_globals(self.scenario)
        unknown = set(variables or {}) - declared
        if unknown:
            raise ValueError(f"{scenario} declares no global variable {sorted(unknown)}")
        self.variables = {k: v for k, v in DEFAULT_VARIABLES.items() if k in declared}
        self.variables.update({k: str(v) for k, v in (variables or {}).items()})
        self.max_calls = max_calls
        self.timeout_s = timeout_s
        self.auth = auth
        # [media_port] of the scenarios' SDP: where SIPp echoes RTP with
        # rtp_echo, else a port nobody listens on (the device's RTP is dropped).
        self.media_port = media_port or free_port(tcp=False, count=2)
        self.rtp_echo = rtp_echo
        self.extra_args = list(extra_args)
        self.files = {k: os.path.join(self.dir, f"{k}.{ext}") for k, ext in
                      (("stats", "csv"), ("messages", "log"), ("logs", "log"), ("errors", "log"))}
        self.result: SippResult | None = None

    def argv(self) -> list[str]:
        a = [SIPP, "-sf", self.scenario, "-i", LOOPBACK, "-p", str(self.local_port),
             "-t", TRANSPORT_MODES[self.transport], "-s", self.service, "-m", str(self.max_calls),
             # -nr: no retransmissions by SIPp and no detection of the peer's
             # (on loopback nothing is lost, and the retransmission scenarios
             # must see every copy the device sends).
             "-nr", "-nostdin", "-timeout", f"{self.timeout_s:g}s", "-timeout_error",
             "-trace_stat", "-stf", self.files["stats"], "-fd", "1",
             "-trace_msg", "-message_file", self.files["messages"],
             "-trace_logs", "-log_file", self.files["logs"],
             "-trace_err", "-error_file", self.files["errors"],
             "-mi", LOOPBACK, "-mp", str(self.media_port), "-bind_local"]
        if self.rtp_echo:
            a.append("-rtp_echo")
        if self.auth:
            a += ["-au", self.auth[0], "-ap", self.auth[1]]
        for k, v in self.keys.items():
            a += ["-key", k, str(v)]
        for k, v in self.variables.items():
            a += ["-set", k, str(v)]
        a += self.extra_args
        if self.target:
            a.append(self.target)
        return a

    def start(self):
        self.spawn(self.argv())
        wait_until(self._bound, 10, f"SIPp to listen on {self.local_port}")
        if self.proc.poll() not in (None, EXIT_ALL_OK, EXIT_SOME_FAILED):
            raise RuntimeError(f"SIPp exited with status {self.proc.returncode}:\n{self.log_tail()}")
        return self

    def _bound(self):
        if self.proc.poll() is not None:
            return True  # exited already (a fast UAC, or an error): wait() tells
        kind = socket.SOCK_DGRAM if self.transport == "udp" else socket.SOCK_STREAM
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind((LOOPBACK, self.local_port))
            except OSError:
                return True
        return False

    def wait(self, timeout: float | None = None) -> SippResult:
        """Waits for SIPp to exit (it stops itself after max_calls or its timeout)."""
        timed_out = False
        try:
            self.proc.wait(timeout if timeout is not None else self.timeout_s + 10)
        except subprocess.TimeoutExpired:
            timed_out = True
            self.stop()
        self.result = self._collect(self.proc.returncode)
        self.result.timed_out = timed_out
        if not self.result.ok:
            self.failed = True
        return self.result

    def _collect(self, status: int) -> SippResult:
        def read(key):
            try:
                with open(self.files[key], "rb") as f:
                    return f.read().decode(errors="replace")
            except FileNotFoundError:
                return ""
        r = SippResult(status=status, messages=read("messages"), logs=read("logs"),
                       errors=read("errors"), output=self.log_text())
        rows = list(csv.reader(read("stats").splitlines(), delimiter=";"))
        if len(rows) >= 2:
            r.stats = dict(zip(rows[0], rows[-1]))
            r.successful = int(r.stats.get("SuccessfulCall(C)", 0) or 0)
            r.failed = int(r.stats.get("FailedCall(C)", 0) or 0)
        return r

    def close(self, failed: bool = False):
        if self.proc is not None and self.result is None and self.proc.poll() is not None:
            self.result = self._collect(self.proc.returncode)
        super().close(failed)


def run_sipp(scenario: str, target: str | None = None, **kw) -> SippResult:
    """Runs a scenario to its end; the result (never raises on a failed call)."""
    s = Sipp(scenario, target, **kw)
    try:
        s.start()
        return s.wait()
    finally:
        s.close()  # the result carries the traces (SippResult.explain)


def received(messages: str, first_line: str) -> list[str]:
    """Messages of a SIPp message trace that SIPp received, whose first line
    starts with `first_line` (e.g. "ACK", "SIP/2.0 200")."""
    out = []
    for block in re.split(r"^-{10,} .*$", messages, flags=re.M):
        desc, _, msg = block.lstrip("\n").partition("\n")
        if "message received" not in desc:
            continue
        msg = msg.lstrip("\r\n")
        if msg.startswith(first_line):
            out.append(msg)
    return out
