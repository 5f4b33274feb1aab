"""rtpengine (Debian's rtpengine-daemon) as the network's media relay, in
userspace mode (no kernel module: --table=-1), controlled over the ng
protocol on loopback by Kamailio's rtpengine module."""
from __future__ import annotations

import os
import socket

from procs import LOOPBACK, Part, free_port, free_port_range, wait_until
from rtp_capture import Recordings

RTPENGINE = "/usr/bin/rtpengine"


def bencode(v) -> bytes:
    if isinstance(v, dict):
        return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    return b"%d:%s" % (len(v), v)


def bdecode(data: bytes):
    def parse(i):
        c = data[i:i + 1]
        if c == b"i":
            j = data.index(b"e", i)
            return int(data[i + 1:j]), j + 1
        if c in (b"l", b"d"):
            i += 1
            items = []
            while data[i:i + 1] != b"e":
                v, i = parse(i)
                items.append(v)
            if c == b"l":
                return items, i + 1
            return {items[k].decode(): items[k + 1] for k in range(0, len(items), 2)}, i + 1
        j = data.index(b":", i)
        n = int(data[i:j])
        return data[j + 1:j + 1 + n], j + 1 + n
    return parse(0)[0]


class RtpEngine(Part):
    """    with RtpEngine() as rtp:
            Kamailio(..., rtpengine=rtp)     # uses rtp.ng_address
            rtp.ng("list")                   # the calls it relays
    """

    name = "rtpengine"

    def __init__(self, ports: int = 200, log_level: int = 6, record: bool = True,
                 workdir: str | None = None):
        super().__init__(workdir)
        self.record = record
        self.recording_dir = os.path.join(self.dir, "recordings")
        self.recordings = Recordings(self.recording_dir)
        self.ng_port = free_port(tcp=False)
        self.port_min, self.port_max = free_port_range(ports)
        self.log_level = log_level
        self.ng_address = f"{LOOPBACK}:{self.ng_port}"

    def start(self):
        os.makedirs(self.recording_dir, exist_ok=True)
        self.spawn([RTPENGINE, "--config-file=none", "--foreground", "--log-stderr",
                    "--table=-1", f"--interface={LOOPBACK}", f"--listen-ng={self.ng_address}",
                    f"--port-min={self.port_min}", f"--port-max={self.port_max}",
                    f"--log-level={self.log_level}", "--num-threads=2",
                    f"--pidfile={os.path.join(self.dir, 'rtpengine.pid')}"]
                   + ([f"--recording-dir={self.recording_dir}", "--recording-method=pcap",
                       "--recording-format=raw"] if self.record else []))
        wait_until(self._ready, 15, "rtpengine to answer ng ping")
        return self

    def _ready(self):
        self.check_alive()
        try:
            return self.ng("ping").get("result") == b"pong"
        except OSError:
            return False

    def ng(self, command: str, timeout: float = 2.0, **args) -> dict:
        """One ng-protocol command; the reply dictionary (byte strings as returned)."""
        cookie = os.urandom(6).hex().encode()
        msg = dict(args, command=command)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(cookie + b" " + bencode(msg), (LOOPBACK, self.ng_port))
            data, _ = s.recvfrom(65535)
        got_cookie, _, body = data.partition(b" ")
        if got_cookie != cookie:
            raise RuntimeError("rtpengine answered another request")
        return bdecode(body)

    def audio_from(self, ports, since: float | None = None, until: float | None = None):
        """(samples, rate) of the G.711 audio the relay received from a port
        or (low, high) port range, e.g. a Baresip's `rtp_ports`, in a time
        window (time.time() values). Needs record=True."""
        if not self.record:
            raise RuntimeError("rtpengine runs without recording")
        return self.recordings.audio_from(ports, since, until)

    def calls(self) -> list[str]:
        reply = self.ng("list")
        return [c.decode() for c in reply.get("calls", [])]
