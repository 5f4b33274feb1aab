"""Click-to-call rings the SIP line (services.md section 2, sip-line.md).

The real dialtoned has a SIP line registered at Kamailio (digest
authentication, rtpengine relaying the media as jambonz's SBC does) and
jambonz and Kazoo keys pointing at tests/sim/services_sim.py. The simulator's
createCall really rings: its side of the call is a baresip registered at the
same Kamailio as the account's number, which dials the device's user at the
realm through Kamailio. The phone rings showing that number, the handset
answers, and the audio is checked both ways by tone detection: baresip's
1000 Hz (the destination, once jambonz's application has dialled it) in the
earpiece, the microphone's 600 Hz at baresip.

Twice: through the owner's page form (answered by lifting the handset, ended
by hanging up), and through the control socket's `click_to_call` (answered
with `answer`, ended by the far end).
"""
import os
import re
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "sipnet"))

from dialtone_harness import Agent, tone, tone_ratio, write_wav  # noqa: E402
from sipnet import Baresip, Kamailio, RtpEngine, free_port, wait_until  # noqa: E402
from test_services import ServicesSim  # noqa: E402
from yna_it import http  # noqa: E402

warnings.simplefilter("ignore", ResourceWarning)

MIC_HZ = 600     # the device's microphone
FAR_HZ = 1000    # jambonz's side of the call
NUMBER = "+14155550100"  # the simulator's Kazoo number: click-to-call's "from"
DEVICE_USER, DEVICE_PW = "101", "pw-101"
JAMBONZ_PW = "pw-jambonz"


class JambonzSide(Baresip):
    """baresip with its httpd UI on, which the simulator's createCall drives
    (ctrl_tcp takes one connection only, and the test holds it for events)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.http_port = free_port(udp=False)
        self.http_url = f"http://127.0.0.1:{self.http_port}"

    def _write_config(self):
        super()._write_config()
        with open(os.path.join(self.dir, "config"), "a") as f:
            f.write(f"module_app httpd.so\nhttp_listen 127.0.0.1:{self.http_port}\n")


def check(cond, msg=""):
    if not cond:
        raise AssertionError(msg)


def sip_line(ctl):
    return next((x for x in ctl.request({"cmd": "status"}).get("lines", []) if x["line"] == "sip"), None)


def call_event(ctl, state, timeout=15):
    return ctl.wait_event(lambda e: e["event"] == "call" and e["state"] == state, timeout)


def earpiece_hears(agent, hz, timeout=10):
    """Whether the last second of the earpiece carries `hz`, waiting for it."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        agent.wait_played_seconds(0.5)
        x, rate = agent.playback_tail(1.0)
        if tone_ratio(x, hz, rate) >= 0.3:
            return True
    return False


def wait_rung(services, count):
    """The simulator's `count`-th ring, once the user agent has taken it."""
    def rung():
        r = services.admin("GET", "/state")["rung"]
        return r if len(r) >= count and r[count - 1]["ok"] is not None else None
    r = wait_until(rung, 10, f"ring {count} ordered by createCall")[count - 1]
    check(r["ok"], f"the SIP user agent refused the dial: {r}")
    return r


def ringing_then_talk(ctl, agent, far, answer):
    """The device rings with jambonz's caller; `answer` answers it; audio both ways."""
    ring = call_event(ctl, "ringing")
    check(ring["direction"] == "in" and ring["line"] == "sip", ring)
    check(ring["peer"] == NUMBER, f"caller shown: {ring}")
    check(ctl.request({"cmd": "status"})["handset"]["phase"] == "ringing", "the phone rings")
    answer()
    connected = call_event(ctl, "connected")
    check(connected["call_id"] == ring["call_id"], (ring, connected))
    far.wait_event("CALL_ESTABLISHED")
    check(earpiece_hears(agent, FAR_HZ), f"no {FAR_HZ} Hz in the earpiece")
    far.wait_heard(MIC_HZ)  # AssertionError naming what it heard instead
    return ring


def main():
    with RtpEngine(record=False) as rtp, \
            Kamailio(users={DEVICE_USER: DEVICE_PW, NUMBER: JAMBONZ_PW}, rtpengine=rtp) as k, \
            JambonzSide(NUMBER, JAMBONZ_PW, k, tone_hz=FAR_HZ) as far:
        k.wait_registered(NUMBER)
        services = ServicesSim(["--sip-ua", far.http_url])
        web_port = free_port(udp=False)
        origin = f"http://127.0.0.1:{web_port}"
        sip = {"registrar": f"sip:{k.domain}", "username": DEVICE_USER, "password": DEVICE_PW,
               "outbound_proxy": k.outbound_proxy("udp")}
        agent = Agent(extra={"web": {"listen": f"127.0.0.1:{web_port}"}, "sip": sip, **services.fragment})
        write_wav(agent.capture, tone([MIC_HZ], 2.0, 16000, level=6000), 16000)
        try:
            agent.start()
            ctl = agent.ctl
            ctl.request({"cmd": "subscribe"})
            wait_until(lambda: (sip_line(ctl) or {}).get("state") == "registered", 15, "the SIP line registered")
            k.wait_registered(DEVICE_USER)

            # 1. The owner types a number on the page: jambonz rings this phone.
            _, _, page = http("GET", origin + "/")
            m = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
            check(m and 'id="call-form"' in page, "the page offers click-to-call")
            st, _, _ = http("POST", origin + "/call", data={"csrf": m.group(1), "to": "(206) 555-0142"},
                            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": origin})
            check(st == 303, st)
            ring = wait_rung(services, 1)
            created = services.admin("GET", "/state")["created_calls"]
            check(created[-1] == {"application_sid": services.fragment["jambonz"]["click_to_call_app"],
                                  "from": NUMBER, "to": {"type": "user", "name": f"{DEVICE_USER}@{k.domain}"},
                                  "tag": {"destination": "+12065550142"}}, created)
            check(ring["uri"] == k.aor(DEVICE_USER), ring)
            incoming = ringing_then_talk(ctl, agent, far, lambda: ctl.request({"cmd": "hook", "state": "off"}))
            _, _, page = http("GET", origin + "/")
            check('<li data-state="connected">Incoming call from <b>+1 (415) 555-0100</b>' in page,
                  "the page's current call")
            check("this phone rings now" in page, "the page's click-to-call progress")
            ctl.request({"cmd": "hook", "state": "on"})
            ended = call_event(ctl, "ended")
            check(ended["call_id"] == incoming["call_id"] and ended["reason"] == "local_hangup", ended)
            far.wait_event("CALL_CLOSED")
            print(f"page click-to-call: {ring['uri']} rang, answered off-hook, {FAR_HZ}/{MIC_HZ} Hz both ways")

            # 2. The same through the control socket, answered with `answer`;
            # jambonz's side hangs up.
            r = ctl.request({"cmd": "click_to_call", "to": "+12065550142"})
            check(r.get("ok") and r.get("sid"), r)
            ring = wait_rung(services, 2)
            check(ring["sid"] == r["sid"], (ring, r))
            incoming = ringing_then_talk(ctl, agent, far, lambda: check(ctl.request({"cmd": "answer"})["ok"]))
            far.hangup()
            ended = call_event(ctl, "ended")
            check(ended["call_id"] == incoming["call_id"] and ended["reason"] != "local_hangup", ended)
            check(sip_line(ctl)["state"] == "registered", "the line stays registered")
            print(f"click_to_call: {ring['uri']} rang, answered with answer, {FAR_HZ}/{MIC_HZ} Hz both ways, "
                  f"ended by the far end ({ended['reason']})")
            print("click_to_call_sip: ok")
        except BaseException:
            sys.stderr.write(f"--- dialtoned log ---\n{agent.log_text()[-12000:]}\n" if agent.proc else "")
            raise
        finally:
            agent.stop()
            services.stop()


if __name__ == "__main__":
    main()
