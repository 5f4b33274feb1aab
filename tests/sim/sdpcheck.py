"""Lint of the device's SDP against yna-wire.md section 7.

Findings go to the simulator's lint list (they do not make a request fail:
aiortc decides whether the SDP is usable). Tests can assert the lint list is
empty to hold the device to its own contract.
"""

from __future__ import annotations

import re

EXPECTED_CODECS = [("opus", "48000", "2", 111), ("PCMU", "8000", None, 0),
                   ("PCMA", "8000", None, 8), ("telephone-event", "48000", None, 126),
                   ("telephone-event", "8000", None, 101)]
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")


def lint(sdp: str, kind: str, direction: str | None = None) -> list[str]:
    """kind: "offer" | "answer". direction: the a= direction the media section must have."""
    out: list[str] = []
    if "\r\n" not in sdp:
        out.append("lines are not CRLF-terminated")
    lines = [l for l in re.split(r"\r?\n", sdp) if l]
    media = [l for l in lines if l.startswith("m=")]
    if len(media) != 1 or not media[0].startswith("m=audio "):
        out.append(f"expected exactly one m=audio section, got {media}")
        return out
    attrs = [l[2:] for l in lines if l.startswith("a=")]

    def has(prefix: str) -> bool:
        return any(a == prefix or a.startswith(prefix) for a in attrs)

    for need in ("group:BUNDLE 0", "mid:0", "rtcp-mux", "ice-ufrag:", "ice-pwd:",
                 "fingerprint:sha-256 "):
        if not has(need):
            out.append(f"a={need.strip()} missing")
    setups = [a.split(":", 1)[1] for a in attrs if a.startswith("setup:")]
    want_setup = "actpass" if kind == "offer" else "active"
    if setups != [want_setup]:
        out.append(f"a=setup {setups} (expected {want_setup} in an {kind})")
    if not any(re.match(r"ssrc:\d+ cname:", a) for a in attrs):
        out.append("no a=ssrc with a cname")
    if not any(a.startswith("candidate:") for a in attrs):
        out.append("no a=candidate lines (candidates must be gathered before sending)")
    dirs = [a for a in attrs if a in DIRECTIONS]
    if direction is not None and (dirs or ["sendrecv"])[-1] != direction:
        out.append(f"direction {dirs or ['(none: sendrecv)']} where {direction} is expected")
    rtpmaps = {}
    for a in attrs:
        m = re.match(r"rtpmap:(\d+) ([^/\s]+)/(\d+)(?:/(\d+))?", a)
        if m:
            rtpmaps[int(m.group(1))] = (m.group(2), m.group(3), m.group(4))
    pts = [int(p) for p in media[0].split()[3:] if p.isdigit()]
    if kind == "offer":
        names = [(rtpmaps.get(p, ("?",))[0].lower(), rtpmaps.get(p, (None, None))[1]) for p in pts]
        want = [(n.lower(), r) for n, r, _, _ in EXPECTED_CODECS]
        if names != want:
            out.append(f"codec list {names} differs from {want}")
        for name, rate, ch, pt in EXPECTED_CODECS:
            got = rtpmaps.get(pt)
            if got is None or got[0].lower() != name.lower() or got[1] != rate:
                out.append(f"payload type {pt} is not {name}/{rate}")
        fmtp111 = [a for a in attrs if a.startswith("fmtp:111 ")]
        if not fmtp111 or "minptime=10" not in fmtp111[0] or "useinbandfec=1" not in fmtp111[0]:
            out.append(f"opus fmtp should carry minptime=10;useinbandfec=1, got {fmtp111}")
    else:
        if not pts:
            out.append("answer has no payload types")
    if any(a.startswith("crypto:") for a in attrs):
        out.append("a=crypto (SDES) present; DTLS-SRTP only")
    return out
