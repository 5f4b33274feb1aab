"""The SIP network the SIP-line tests run against (sip-line.md section 6):
every part on 127.0.0.1, started by the test, its log shown if the test
fails. Run the tests inside a private network namespace
(scripts/in-netns.sh), with Debian's /usr/bin/python3.

    from sipnet import Baresip, Kamailio, RtpEngine, User, run_sipp, tones

    with RtpEngine() as rtp, \\
         Kamailio(users={"dev": User("pw-dev", media="sdes"), "far": "pw-far"},
                  transports=("udp", "tls"), rtpengine=rtp) as k, \\
         Baresip("far", "pw-far", k, tone_hz=1000) as far:
        k.wait_registered("far")
        # device config: registrar sip:<k.domain>, outbound_proxy
        # k.outbound_proxy("tls"), ca_file k.ca_file, user "dev"/"pw-dev"
        far.dial(k.aor("dev"))
        ...
        far.wait_heard(600)                 # what the device's microphone sends
        x, rate = rtp.audio_from(device_rtp_port, since=t_resume)

Parts (one module each):
  Kamailio   registrar + proxy, digest auth (passwords in its config),
             usrloc in memory, record-route, UDP/TCP/TLS, min expiry (423),
             refused users (403), rtpengine on every call   (kamailio.py)
  RtpEngine  userspace media relay; SDES / DTLS-SRTP bridged to plain RTP
             per callee (User.media); pcap recordings of what it received
                                                            (rtpengine.py)
  Baresip    an independent far end: registers, calls, answers, hold,
             DTMF, WAV tone in, what it hears recorded     (baresip.py)
  Sipp       a scenario of scenarios/ with keywords/variables,
             exit status, statistics and traces             (sipp.py)
  sipclient  a small SIP client: OPTIONS, REGISTER with MD5/SHA-256 digest
             over UDP/TCP/TLS, digest verification          (sipclient.py)
  tones      WAV tone, tone detection (the project's Goertzel)  (tones.py)
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sipclient  # noqa: E402,F401
import tones  # noqa: E402,F401
from baresip import Baresip  # noqa: E402,F401
from kamailio import Kamailio, User  # noqa: E402,F401
from procs import LOOPBACK, free_port, wait_until  # noqa: E402,F401
from rtpengine import RtpEngine  # noqa: E402,F401
from sipp import SCENARIOS, Sipp, SippResult, received, run_sipp  # noqa: E402,F401

__all__ = ["Baresip", "Kamailio", "User", "RtpEngine", "Sipp", "SippResult", "run_sipp", "received",
           "SCENARIOS", "sipclient", "tones", "LOOPBACK", "free_port", "wait_until"]
