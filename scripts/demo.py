"""The README's first command: a newcomer watches a telephone work.

The real dialtoned runs on the built-in simulated board (microphone and
earpiece are WAV files) against the built-in YNA network simulator, whose far
end is an independent WebRTC stack (aiortc). The demo links the line through
the device's own web page, lifts the handset, dials, talks, holds, sends
DTMF, hangs up, then takes an incoming call, a second caller waiting (flash
answers and swaps, hanging up rings the held call back), narrating each step
and what the earpiece plays (found by frequency analysis, not assumed).

Then the SIP line: Kamailio (registrar and proxy with digest authentication)
and baresip (another SIP stack) start on loopback, the agent restarts with a
`sip` key beside `yna`, registers, and the handset calls baresip through
Kamailio; what each side hears is found the same way.

Runs with Debian's /usr/bin/python3 inside a private network namespace.
"""
import json
import os
import shutil
import sys
import time

root = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
sys.path.insert(0, os.path.join(root, "tests", "integration"))
sys.path.insert(0, os.path.join(root, "tests", "sipnet"))
os.environ.setdefault("DIALTONE_BUILD_DIR", os.path.join(root, "build"))
import numpy as np  # noqa: E402
from dialtone_harness import read_wav, tone, tone_ratio, write_wav  # noqa: E402
from sipnet import Baresip, Kamailio  # noqa: E402
from yna_it import YnaSetup  # noqa: E402

MIC_HZ = 600  # what the "person" says into the microphone
FAR_HZ = 1000  # what each far end plays


def say(msg):
    print(f"\n== {msg}", flush=True)


def earpiece(y, seconds=0.8):
    y.agent.wait_played_seconds(seconds)
    x, rate = y.agent.playback_tail(seconds)
    names = {350: "350", 440: "440", 480: "480", 620: "620", 700: "700 (second caller)", 950: "950",
             1000: "1000 (far end)"}
    found = [f"{names[f]} Hz" for f in names if tone_ratio(x, f, rate) > 0.1]
    return ", ".join(found) or "silence"


def top_frequencies(x, rate, block_s=0.1):
    """The strongest frequency of each 100 ms block, the most frequent first:
    [(hz, blocks), ...], as the YNA simulator reports what its far end hears."""
    n = int(block_s * rate)
    peaks = {}
    for i in range(0, len(x) - n + 1, n):
        spectrum = np.abs(np.fft.rfft(x[i:i + n] * np.hanning(n)))
        if spectrum.max() > 0:
            hz = int(round(np.argmax(spectrum) * rate / n / 10) * 10)
            peaks[hz] = peaks.get(hz, 0) + 1
    return sorted(peaks.items(), key=lambda p: -p[1])[:3]


def restart_with(y, earlier_runs, **keys):
    """Restarts dialtoned with keys added to its configuration. The new run's
    earpiece and log go to new files (the agent truncates its own), the old
    ones into earlier_runs; the YNA line comes back linked from the tokens in
    its state directory."""
    y.agent.stop()
    earlier_runs.append((y.agent.playback, y.agent.log_path))
    run = len(earlier_runs) + 1
    y.agent.playback = os.path.join(y.agent.dir, f"out-{run}.wav")
    y.agent.log_path = os.path.join(y.agent.dir, f"agent-{run}.log")
    y.agent.config["audio"]["playback"] = y.agent.playback
    y.agent.config.update(keys)
    with open(y.agent.config_path, "w") as f:
        json.dump(y.agent.config, f)
    y.start_agent()
    y.agent.ctl.request({"cmd": "subscribe"})


def wait_line(ctl, name, state, timeout=15):
    deadline = time.time() + timeout
    while True:
        line = next(x for x in ctl.request({"cmd": "status"})["lines"] if x["line"] == name)
        if line["state"] == state or time.time() > deadline:
            return line
        time.sleep(0.05)


def sip_part(y, earlier_runs):
    """The SIP line against Kamailio and baresip, all on loopback."""
    say("The SIP line: starting Kamailio (registrar and proxy, digest authentication) and baresip"
        " (another SIP stack) on loopback")
    with Kamailio(users={"101": "pw-101", "202": "pw-202"}) as k, \
            Baresip("202", "pw-202", k, tone_hz=FAR_HZ) as far:
        k.wait_registered("202")
        print(f"   Kamailio serves {k.domain} at {k.outbound_proxy('udp')}: users 101 (this phone)"
              f" and 202 (baresip, registered, plays {FAR_HZ} Hz)")
        sip = {"registrar": f"sip:{k.domain}", "username": "101", "password": "pw-101",
               "outbound_proxy": k.outbound_proxy("udp")}
        say("Restarting dialtoned with a sip key beside yna; outgoing_line makes the handset dial on it")
        print("   \"sip\":", json.dumps(dict(sip, password="...")) + ', "outgoing_line": "sip"')
        restart_with(y, earlier_runs, sip=sip, outgoing_line="sip")
        ctl = y.agent.ctl
        print("   the sip line:", wait_line(ctl, "sip", "registered"))
        contact = k.wait_registered("101")[0]
        print(f"   Kamailio's location table: {k.aor('101')} -> {contact['Address']} (expires {contact['Expires']} s)")
        wait_line(ctl, "yna", "registered")  # back from its stored tokens
        print("   status lines:", {line["line"]: line["state"] for line in ctl.request({"cmd": "status"})["lines"]})

        say("Lifting the handset and dialling 2 0 2 # (a number the plan does not know goes as dialled on #)")
        ctl.request({"cmd": "hook", "state": "off"})
        for key in "202#":
            ctl.request({"cmd": "key", "key": key})
        wait_call(ctl, "ringing")
        incoming = far.wait_event("CALL_INCOMING")
        print(f"   baresip rings: {incoming['type']} from {incoming['param']}")
        print("   earpiece:", earpiece(y), "(North American ringback is 440 + 480 Hz)")
        say(f"baresip answers (it plays {FAR_HZ} Hz)")
        far.accept()
        wait_call(ctl, "connected")
        time.sleep(2.0)
        print("   earpiece:", earpiece(y))
        x, rate = far.heard(2.0)
        print(f"   baresip hears (Hz, 100 ms blocks): {top_frequencies(x, rate)} -- our microphone plays {MIC_HZ} Hz")

        say("Replacing the handset: the phone sends BYE")
        ctl.request({"cmd": "hook", "state": "on"})
        wait_call(ctl, "ended")
        closed = far.wait_event("CALL_CLOSED")
        print(f"   baresip: {closed['type']} ({closed['param']}: libre's words for the BYE it received)")

        say("Stopping dialtoned (SIGTERM): it unregisters before it exits")
        y.agent.stop()
        k.wait_unregistered("101")
        print(f"   Kamailio's location table: {k.aor('101')} -> no contact")


def show_events(ctl):
    while ctl.pending_events:
        ev = ctl.pending_events.pop(0)
        print("   event:", ev, flush=True)


def wait_call(ctl, state, timeout=20):
    ev = ctl.wait_event(lambda e: e["event"] == "call" and e["state"] == state, timeout)
    print("   event:", ev, flush=True)
    return ev


def wait_calls(ctl, *wanted, timeout=20):
    """Waits for each (state, call_id or None for any call) in whatever order they come."""
    def match(e, w):
        return e["event"] == "call" and e["state"] == w[0] and w[1] in (None, e["call_id"])
    left = list(wanted)
    deadline = time.time() + timeout
    while left:
        ev = ctl.wait_event(lambda e: any(match(e, w) for w in left), max(0.1, deadline - time.time()))
        print("   event:", ev, flush=True)
        left.remove(next(w for w in left if match(ev, w)))


def main():
    out_dir = os.path.join(root, "out")
    os.makedirs(out_dir, exist_ok=True)
    say("Starting the YNA network simulator and dialtoned on the simulated board")
    y = YnaSetup(ping_s=10, pong_s=5)
    earlier_runs = []  # (earpiece WAV, log) of each earlier run of the agent
    write_wav(y.agent.capture, tone([MIC_HZ], 2.0, 16000, level=6000), 16000)
    try:
        y.start_agent()
        ctl = y.agent.ctl
        ctl.request({"cmd": "subscribe"})
        print("   status:", ctl.request({"cmd": "status"})["line"])

        say(f"Linking the line on the local web page {y.origin}/ (Link -> sign in -> callback)")
        y.link()
        line = y.wait_line("registered")
        print(f"   line registered: {line}")

        say("Lifting the handset")
        ctl.request({"cmd": "hook", "state": "off"})
        print("   earpiece:", earpiece(y), "(North American dial tone is 350 + 440 Hz)")

        say("Dialling 1 425 555 0199 (the US dial plan sends a complete number at once, no # needed;"
            " the simulator's far end answers and plays 1000 Hz)")
        for k in "14255550199":
            ctl.request({"cmd": "key", "key": k})
        ev = wait_call(ctl, "connected")
        call_id = ev["call_id"]
        time.sleep(2.0)
        print("   earpiece:", earpiece(y))
        heard = y.admin("GET", f"/call/{call_id}/audio")["top_frequencies"][:3]
        print(f"   the far end hears (Hz, 100 ms blocks): {[(t['hz'], t['blocks']) for t in heard]}"
              f" -- our microphone plays {MIC_HZ} Hz")

        say("Pressing 4 2 on the keypad during the call (RFC 4733 DTMF)")
        ctl.request({"cmd": "key", "key": "4"})
        ctl.request({"cmd": "key", "key": "2"})
        time.sleep(1.0)
        print("   the far end received digits:", y.admin("GET", f"/call/{call_id}/audio")["dtmf_digits"])

        say("Hold, then resume")
        ctl.request({"cmd": "hold"})
        wait_call(ctl, "held")
        ctl.request({"cmd": "resume"})
        wait_call(ctl, "connected")
        time.sleep(1.0)
        print("   earpiece:", earpiece(y))

        say("Replacing the handset (hang up)")
        ctl.request({"cmd": "hook", "state": "on"})
        wait_call(ctl, "ended")

        say("An incoming call from +1 425 555 0123")
        y.admin("POST", "/call/incoming", {"from": "+14255550123", "verificationStatus": "TN-Validation-Passed"})
        wait_call(ctl, "ringing")
        print("   earpiece:", earpiece(y, 1.0), "(the simulated board has no bell: the ring plays here)")
        say("Lifting the handset to answer")
        ctl.request({"cmd": "hook", "state": "off"})
        wait_call(ctl, "connected")
        time.sleep(1.5)
        print("   earpiece:", earpiece(y))

        say("A second caller, Bea, while we talk: call waiting")
        second = y.admin("POST", "/call/incoming", {"from": "+14255550177", "name": "Bea"})["callId"]
        wait_call(ctl, "waiting")
        y.agent.wait_played_seconds(0.5)
        x, rate = y.agent.playback_tail(1.2)
        burst = max(tone_ratio(x[i:i + rate // 10], 440, rate) for i in range(0, len(x) - rate // 10, rate // 20))
        print(f"   earpiece: a 440 Hz call-waiting burst over the call (strongest 100 ms: {burst:.2f} of the energy)")
        say("Flash: the first caller is held, Bea is answered")
        ctl.request({"cmd": "key", "key": "flash"})
        wait_calls(ctl, ("held", None), ("connected", second))
        y.admin("POST", f"/call/{second}/tone", {"hz": 700})
        time.sleep(1.5)
        print("   earpiece:", earpiece(y))
        say("Flash again: back to the first caller")
        ctl.request({"cmd": "key", "key": "flash"})
        wait_calls(ctl, ("held", second), ("connected", None))
        time.sleep(1.5)
        print("   earpiece:", earpiece(y))
        say("Hanging up with Bea on hold: the phone rings her back; lifting the handset resumes her")
        ctl.request({"cmd": "hook", "state": "on"})
        wait_call(ctl, "ended")
        time.sleep(0.5)
        print("   handset:", ctl.request({"cmd": "status"})["handset"])
        ctl.request({"cmd": "hook", "state": "off"})
        ctl.wait_event(lambda e: e["event"] == "call" and e["call_id"] == second and e["state"] == "connected", 20)
        time.sleep(1.5)
        print("   earpiece:", earpiece(y))
        ctl.request({"cmd": "hook", "state": "on"})
        wait_call(ctl, "ended")

        say("Dialling 911: an emergency number goes out at once, as dialled")
        ctl.request({"cmd": "hook", "state": "off"})
        for k in "911":
            ctl.request({"cmd": "key", "key": k})
        wait_call(ctl, "dialing", 5)
        ev = wait_call(ctl, "connected")
        start = y.admin("GET", f"/call/{ev['call_id']}")["start_request"]
        print(f"   /start carried to={start['to']!r} from={start['from']!r} (no guessed country code)")
        ctl.request({"cmd": "hook", "state": "on"})
        wait_call(ctl, "ended")
        show_events(ctl)

        sip_part(y, earlier_runs)
        report = y.violations()
        say(f"The simulator checked every request, PoP token and frame: "
            f"{len(report['violations'])} violations, {len(report.get('lint', []))} lint notes")
        for v in report["violations"] + report.get("lint", []):
            print("  ", v)
    finally:
        y.close()
        join_runs(earlier_runs + [(y.agent.playback, y.agent.log_path)], out_dir)
    x, rate = read_wav(os.path.join(out_dir, "playback.wav"))
    say(f"Earpiece audio: out/playback.wav ({len(x) / rate:.1f} s at {rate} Hz); agent log: out/agent.log")


def join_runs(runs, out_dir):
    """Each run's earpiece and log, one after the other, into out/."""
    audio, rate = [], None
    with open(os.path.join(out_dir, "agent.log"), "wb") as log:
        for i, (playback, log_path) in enumerate(runs):
            if os.path.exists(playback):
                x, rate = read_wav(playback)
                audio.append(x)
            if os.path.exists(log_path):
                if i:
                    log.write(b"---- dialtoned restarted ----\n")
                with open(log_path, "rb") as f:
                    shutil.copyfileobj(f, log)
    if audio:
        write_wav(os.path.join(out_dir, "playback.wav"), np.concatenate(audio), rate)


if __name__ == "__main__":
    main()
