"""baresip (Debian, libre's SIP stack) as an independent SIP far end.

Its configuration directory is its own; audio comes from a WAV file (the
aufile module, which in Debian's 1.0.0 is a source only) and what it hears
and sends is recorded by the sndfile filter (`dump-*-dec.wav` /
`dump-*-enc.wav` in its directory). No audio player module is loaded: baresip
then runs the receive path without a device. It is driven through the
ctrl_tcp module (netstring JSON commands, events back).
"""
from __future__ import annotations

import glob
import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time

from procs import LOOPBACK, Part, free_port, free_port_range, wait_until
import tones

BARESIP = "/usr/bin/baresip"
RTP_PORTS = 16
MEDIA_ENC = ("none", "srtp", "srtp-mand", "srtp-mandf", "dtls_srtp")


class Event(dict):
    """One ctrl_tcp event, e.g. {"type": "CALL_ESTABLISHED", "id": ..., "param": ...}."""

    @property
    def type(self) -> str:
        return self.get("type", "")


class Baresip(Part):
    """    with Baresip("alice", "pw-a", kamailio, tone_hz=700) as a:
            a.wait_registered()
            call = a.dial("sip:bob@sipnet.test")   # returns after the command is accepted
            a.wait_event("CALL_ESTABLISHED")
            a.send_dtmf("123#"); a.hold(); a.resume(); a.hangup()
            x, rate = a.heard()                    # what it received, as samples
    """

    name = "baresip"

    def __init__(self, user: str, password: str | None = None, registrar=None, *,
                 transport: str = "udp", domain: str | None = None, outbound: str | None = None,
                 tone_hz: float | list = 700.0, tone_rate: int = 8000, tone_seconds: float = 60.0,
                 media_enc: str = "none", answer_mode: str = "manual", codecs=("pcmu", "pcma"),
                 register: bool = True, regint: int = 600, ca_file: str | None = None,
                 sip_trace: bool = True, workdir: str | None = None):
        self.name = f"baresip-{user}"
        super().__init__(workdir)
        if media_enc not in MEDIA_ENC:
            raise ValueError(f"media_enc must be one of {MEDIA_ENC}")
        self.user = user
        self.password = password
        self.transport = transport
        if registrar is not None:  # a Kamailio
            domain = domain or registrar.domain
            outbound = outbound or registrar.outbound_proxy(transport)
            ca_file = ca_file or registrar.ca_file
        self.domain = domain or LOOPBACK
        self.outbound = outbound
        self.ca_file = ca_file
        self.media_enc = media_enc
        self.answer_mode = answer_mode
        self.codecs = tuple(codecs)
        self.register = register
        self.regint = regint
        self.sip_trace = sip_trace
        self.tone_hz = tone_hz if isinstance(tone_hz, (list, tuple)) else [tone_hz]
        self.tone_rate = tone_rate
        self.tone_seconds = tone_seconds
        # SIP on port, TLS on port+1 (baresip 1.0 moves TLS one up to avoid the TCP port).
        self.sip_port = free_port(count=2)
        self.ctrl_port = free_port(udp=False)
        # Its own RTP ports, so that what a relay sent it can be told apart.
        self.rtp_ports = free_port_range(RTP_PORTS)
        self.tone_file = os.path.join(self.dir, "tone.wav")
        self.record_dir = os.path.join(self.dir, "rec")
        self.events: "queue.Queue[Event]" = queue.Queue()
        self.history: list[Event] = []
        self._responses: "queue.Queue[dict]" = queue.Queue()
        self._sock = None
        self._reader = None
        self._token = 0
        self._lock = threading.Lock()

    # -- addresses -------------------------------------------------------
    @property
    def aor(self) -> str:
        return f"sip:{self.user}@{self.domain}"

    @property
    def contact(self) -> str:
        """Where it listens, for calls sent to it directly (not through Kamailio)."""
        port = self.sip_port + 1 if self.transport == "tls" else self.sip_port
        return f"sip:{self.user}@{LOOPBACK}:{port};transport={self.transport}"

    # -- configuration ---------------------------------------------------
    def _write_config(self):
        os.makedirs(self.record_dir, exist_ok=True)
        tones.write_tone_wav(self.tone_file, self.tone_hz, self.tone_seconds, self.tone_rate)
        mods = ["g711.so", "aufile.so", "sndfile.so"]
        if "opus" in self.codecs:
            mods.append("opus.so")
        if "g722" in self.codecs:
            mods.append("g722.so")
        if self.media_enc.startswith("srtp"):
            mods.append("srtp.so")
        if self.media_enc == "dtls_srtp":
            mods.append("dtls_srtp.so")
        lines = [
            "poll_method epoll",
            f"sip_listen {LOOPBACK}:{self.sip_port}",
            "call_local_timeout 120",
            "call_max_calls 4",
            f"audio_source aufile,{self.tone_file}",
            "audio_alert none",
            "rtp_tos 0",
            f"rtp_ports {self.rtp_ports[0]}-{self.rtp_ports[1]}",
            "rtcp_mux no",
            "jitter_buffer_delay 1-10",
            "rtp_stats yes",
            # Debian 1.0.0 skips loopback when it looks for its own address;
            # naming the address is the way to run on loopback only.
            f"net_interface {LOOPBACK}",
            "dns_server 127.0.0.1:53",
            "module_path /usr/lib/baresip/modules",
            *[f"module {m}" for m in mods],
            "module_app account.so",
            "module_app menu.so",
            "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen {LOOPBACK}:{self.ctrl_port}",
            f"snd_path {self.record_dir}",
        ]
        if self.ca_file:
            lines.append(f"sip_cafile {self.ca_file}")
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("\n".join(lines) + "\n")
        uri = f"<sip:{self.user}@{self.domain};transport={self.transport}>"
        params = [f"answermode={self.answer_mode}", f"audio_codecs={','.join(self.codecs)}",
                  f"regint={self.regint if self.register else 0}"]
        if self.password is not None:
            params.append(f"auth_pass={self.password}")
        if self.outbound:
            params.append(f'outbound="{self.outbound}"')
        if self.media_enc != "none":
            params.append(f"mediaenc={self.media_enc}")
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write(uri + ";" + ";".join(params) + "\n")
        with open(os.path.join(self.dir, "contacts"), "w") as f:
            f.write("")

    # -- running ---------------------------------------------------------
    def start(self):
        self._write_config()
        argv = [BARESIP, "-f", self.dir]
        if self.sip_trace:
            argv.append("-s")
        self.spawn(argv)
        self._sock = wait_until(self._connect, 10, "baresip's ctrl_tcp socket")
        self._reader = threading.Thread(target=self._read_loop, daemon=True, name=self.name)
        self._reader.start()
        return self

    def _connect(self):
        self.check_alive()
        try:
            return socket.create_connection((LOOPBACK, self.ctrl_port), timeout=1)
        except OSError:
            return None

    def stop(self, timeout: float = 2.0):
        if self._sock is not None:
            try:
                self.command("quit", timeout=1)
            except (OSError, TimeoutError, RuntimeError):
                pass
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
        if self.proc is not None and self.proc.poll() is None:
            try:
                # quit unregisters first; with a registrar gone already (a SIPp
                # scenario that ended) it would wait for an answer for seconds.
                self.proc.wait(1)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        return super().stop(timeout)

    # -- ctrl_tcp ----------------------------------------------------------
    def _read_loop(self):
        buf = b""
        sock = self._sock
        sock.settimeout(None)
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while True:
                colon = buf.find(b":")
                if colon < 0:
                    break
                n = int(buf[:colon])
                if len(buf) < colon + 1 + n + 1:
                    break
                payload, buf = buf[colon + 1:colon + 1 + n], buf[colon + 1 + n + 1:]
                try:
                    msg = json.loads(payload)
                except ValueError:
                    continue
                if msg.get("event"):
                    ev = Event(msg)
                    self.history.append(ev)
                    self.events.put(ev)
                elif msg.get("response"):
                    self._responses.put(msg)

    def command(self, name: str, params: str = "", timeout: float = 5.0) -> dict:
        """Runs one command (menu long command name); its response, or RuntimeError if not ok."""
        with self._lock:
            self._token += 1
            token = str(self._token)
            msg = json.dumps({"command": name, "params": params, "token": token}).encode()
            self._sock.sendall(b"%d:%s," % (len(msg), msg))
            deadline = time.monotonic() + timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"baresip did not answer {name}")
                try:
                    r = self._responses.get(timeout=left)
                except queue.Empty:
                    continue
                if r.get("token") == token:
                    break
        if not r.get("ok", False):
            raise RuntimeError(f"baresip {name} {params}: {r.get('data')}")
        return r

    def wait_event(self, type_: str | tuple, timeout: float = 10.0, where=None) -> Event:
        """The next event of a type (or one of the types), skipping others.
        Raises AssertionError on timeout, naming what was seen instead."""
        types = (type_,) if isinstance(type_, str) else tuple(type_)
        deadline = time.monotonic() + timeout
        skipped = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.name}: no {'/'.join(types)} event in {timeout:g} s; "
                                     f"saw {[e.type + ' ' + str(e.get('param', '')) for e in skipped]}")
            try:
                ev = self.events.get(timeout=min(left, 0.5))
            except queue.Empty:
                self.check_alive()
                continue
            if ev.type in types and (where is None or where(ev)):
                return ev
            skipped.append(ev)

    def drain_events(self) -> list[Event]:
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    # -- actions -----------------------------------------------------------
    def wait_registered(self, timeout: float = 10.0) -> Event:
        ev = self.wait_event(("REGISTER_OK", "REGISTER_FAIL"), timeout)
        if ev.type != "REGISTER_OK":
            raise AssertionError(f"{self.name}: registration failed: {ev.get('param')}")
        return ev

    def dial(self, uri: str) -> dict:
        return self.command("dial", uri)

    def accept(self) -> dict:
        return self.command("accept")

    def hangup(self) -> dict:
        return self.command("hangup")

    def hold(self) -> dict:
        return self.command("hold")

    def resume(self) -> dict:
        return self.command("resume")

    def send_dtmf(self, digits: str) -> dict:
        """RFC 4733 telephone-events in the RTP stream (baresip's `sndcode`)."""
        return self.command("sndcode", digits)

    def received_digits(self, count: int, timeout: float = 10.0) -> str:
        """Waits for `count` CALL_DTMF_START events; the digits in order."""
        got = ""
        while len(got) < count:
            got += str(self.wait_event("CALL_DTMF_START", timeout).get("param", "?"))
        return got

    # -- audio -------------------------------------------------------------
    def recordings(self, kind: str = "dec") -> list[str]:
        """Recorded WAV files, oldest first: `dec` what it heard, `enc` what it sent."""
        return sorted(glob.glob(os.path.join(self.record_dir, f"*-{kind}.wav")), key=os.path.getmtime)

    def heard(self, last_seconds: float | None = None):
        """(samples, rate) of everything heard (all recordings joined), or the last seconds."""
        return tones.join_recordings(self.recordings("dec"), last_seconds)

    def wait_heard(self, hz: float, seconds: float = 1.0, timeout: float = 10.0, min_ratio: float = 0.3):
        """Waits until the last `seconds` of what it heard carry `hz`; AssertionError if never."""
        def found():
            self.check_alive()
            x, rate = self.heard(seconds)
            return rate and len(x) >= int(seconds * rate * 0.9) and tones.tone_ratio(x, hz, rate) >= min_ratio
        try:
            wait_until(found, timeout, f"{hz} Hz heard by {self.name}", interval=0.2)
        except TimeoutError:
            x, rate = self.heard(seconds)
            dom = tones.dominant_hz(x, rate) if rate else None
            raise AssertionError(f"{self.name} did not hear {hz} Hz in {timeout:g} s "
                                 f"(last {seconds:g} s: {len(x)} samples, dominant {dom} Hz)") from None
