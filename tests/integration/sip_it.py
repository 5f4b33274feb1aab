"""Helpers for the SIP-line integration tests: the real dialtoned with a
`sip` line (sip-line.md section 1) pointed at the SIP test network of
tests/sipnet (Kamailio, rtpengine, baresip, SIPp), and waits on what it
reports through the control socket.

Runs under /usr/bin/python3 inside a private network namespace (in-netns.sh).
"""
import os
import re
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "sipnet"))

from dialtone_harness import Agent, read_wav, rms, tone, tone_ratio, write_wav  # noqa: E402,F401
import sipnet  # noqa: E402,F401

# The shared harness leaves its log file and control socket to the GC.
warnings.simplefilter("ignore", ResourceWarning)

MIC_HZ = 600   # what the device's microphone WAV carries
FAR_HZ = 1000  # what baresip sends
# The simulated board's North American tone plan (board/tone_plans.hpp).
RINGBACK_HZ = (440, 480)
BUSY_HZ = (480, 620)  # busy and reorder differ in cadence only


def sip_config(*, registrar, username, password, outbound_proxy=None, transport="udp", **more):
    cfg = {"registrar": registrar, "username": username, "password": password, "transport": transport}
    if outbound_proxy:
        cfg["outbound_proxy"] = outbound_proxy
    cfg.update(more)
    return cfg


def kamailio_sip(k, user, password, transport="udp", **more):
    """The device's `sip` config for a user of a sipnet Kamailio."""
    if transport == "tls":
        more.setdefault("ca_file", k.ca_file)
    return sip_config(registrar=f"sip:{k.domain}", username=user, password=password,
                      outbound_proxy=k.outbound_proxy(transport), transport=transport, **more)


class SipDevice:
    """A dialtoned with a SIP line (not started until start())."""

    def __init__(self, sip, mic_hz=MIC_HZ, log_level="debug"):
        self.agent = Agent(extra={"sip": sip, "log_level": log_level})
        write_wav(self.agent.capture, tone([mic_hz], 2.0, 16000, level=6000), 16000)
        self.ctl = None

    def start(self, subscribe=True):
        self.agent.start()
        self.ctl = self.agent.ctl
        if subscribe:
            self.ctl.request({"cmd": "subscribe"})
        return self

    def stop(self):
        return self.agent.stop()

    def close(self, failed=False):
        self.agent.stop()
        if failed:
            sys.stderr.write(f"--- dialtoned log ({self.agent.log_path}) ---\n{self.agent.log_text()[-20000:]}\n")

    def request(self, obj):
        return self.ctl.request(obj)

    def command(self, cmd, **args):
        r = self.ctl.request(dict({"cmd": cmd}, **args))
        if not r.get("ok"):
            raise AssertionError(f"{cmd} refused: {r}")
        return r

    def status(self):
        return self.ctl.request({"cmd": "status"})

    def sip_line(self):
        """The `sip` entry of status `lines`."""
        lines = [x for x in self.status().get("lines", []) if x.get("line") == "sip"]
        return lines[0] if lines else None

    def line_event(self, state, timeout=15):
        return self.ctl.wait_event(lambda e: e["event"] == "line" and e.get("line") == "sip"
                                   and e["state"] == state, timeout)

    def wait_line(self, state, timeout=15):
        """The sip line in `state`: now (it may have got there before this
        connection subscribed: over loopback a challenged REGISTER takes a
        millisecond), or from the next `line` event that says so."""
        line = self.sip_line()
        if line and line["state"] == state:
            return line
        return self.line_event(state, timeout)

    def call_event(self, state, timeout=15):
        return self.ctl.wait_event(lambda e: e["event"] == "call" and e["state"] == state, timeout)

    def events_until(self, pred, timeout=15):
        """Every event up to and including the first that matches."""
        seen = []

        def keep(e):
            seen.append(e)
            return pred(e)
        self.ctl.wait_event(keep, timeout)
        return seen

    def earpiece(self, seconds=1.0):
        """The last `seconds` the earpiece played, once that much more was played."""
        self.agent.wait_played_seconds(seconds)
        return self.agent.playback_tail(seconds)

    def hears(self, hz, seconds=1.0, min_ratio=0.3):
        x, rate = self.earpiece(seconds)
        return tone_ratio(x, hz, rate) >= min_ratio

    def wait_hears(self, hz, timeout=10, seconds=1.0, min_ratio=0.3):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.hears(hz, seconds, min_ratio):
                return True
        return False

    def log(self):
        return self.agent.log_text()

    def logged(self, pattern):
        return re.findall(pattern, self.log(), flags=re.M)


def device_rtp_port(rtp, far, since=None):
    """The RTP port the relay heard the device from since `since`: the
    busiest source port of its recordings outside the far end's own range
    (baresip's rtp_ports)."""
    lo, hi = far.rtp_ports
    ports = {}
    for p in rtp.recordings.packets_from((1, 65535), since):
        if not lo <= p.src_port <= hi:
            ports[p.src_port] = ports.get(p.src_port, 0) + 1
    if not ports:
        raise AssertionError("rtpengine recorded nothing from the device")
    return max(ports, key=ports.get)
