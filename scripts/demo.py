"""The README's first command: a newcomer watches a telephone work.

The real dialtoned runs on the built-in simulated board (microphone and
earpiece are WAV files) against the built-in YNA network simulator, whose far
end is an independent WebRTC stack (aiortc). The demo links the line through
the device's own web page, lifts the handset, dials, talks, holds, sends
DTMF, hangs up, then takes an incoming call, a second caller waiting (flash
answers and swaps, hanging up rings the held call back), narrating each step
and what the earpiece plays (found by frequency analysis, not assumed).

Runs with Debian's /usr/bin/python3 inside a private network namespace.
"""
import os
import shutil
import sys
import time

root = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
sys.path.insert(0, os.path.join(root, "tests", "integration"))
os.environ.setdefault("DIALTONE_BUILD_DIR", os.path.join(root, "build"))
from dialtone_harness import read_wav, tone, tone_ratio, write_wav  # noqa: E402
from yna_it import YnaSetup  # noqa: E402

MIC_HZ = 600  # what the "person" says into the microphone


def say(msg):
    print(f"\n== {msg}", flush=True)


def earpiece(y, seconds=0.8):
    y.agent.wait_played_seconds(seconds)
    x, rate = y.agent.playback_tail(seconds)
    names = {350: "350", 440: "440", 480: "480", 620: "620", 700: "700 (second caller)", 950: "950",
             1000: "1000 (far end)"}
    found = [f"{names[f]} Hz" for f in names if tone_ratio(x, f, rate) > 0.1]
    return ", ".join(found) or "silence"


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
        report = y.violations()
        say(f"The simulator checked every request, PoP token and frame: "
            f"{len(report['violations'])} violations, {len(report.get('lint', []))} lint notes")
        for v in report["violations"] + report.get("lint", []):
            print("  ", v)
    finally:
        y.close()
        shutil.copy(y.agent.playback, os.path.join(out_dir, "playback.wav"))
        shutil.copy(y.agent.log_path, os.path.join(out_dir, "agent.log"))
    x, rate = read_wav(os.path.join(out_dir, "playback.wav"))
    say(f"Earpiece audio: out/playback.wav ({len(x) / rate:.1f} s at {rate} Hz); agent log: out/agent.log")


if __name__ == "__main__":
    main()
