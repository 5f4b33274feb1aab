"""The README's first command: the agent on the simulated board, driven like
a person would drive a desk phone, narrated step by step.

Runs with Debian's /usr/bin/python3 inside a private network namespace.
"""
import os
import shutil
import sys
import time

root = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
sys.path.insert(0, os.path.join(root, "tests", "integration"))
os.environ.setdefault("DIALTONE_BUILD_DIR", os.path.join(root, "build"))
from dialtone_harness import Agent, read_wav, tone_ratio  # noqa: E402


def say(msg):
    print(f"\n== {msg}", flush=True)


def describe(agent, seconds=0.4):
    x, rate = agent.playback_tail(seconds)
    found = [f for f in (350, 440, 480, 620, 950, 1400, 1800) if tone_ratio(x, f, rate) > 0.1]
    return ", ".join(f"{f} Hz" for f in found) or "silence"


def main():
    out_dir = os.path.join(root, "out")
    os.makedirs(out_dir, exist_ok=True)
    agent = Agent().start()
    ctl = agent.ctl
    try:
        say("dialtoned is running on the simulated board")
        print(ctl.request({"cmd": "status"}))
        say("Lifting the handset")
        ctl.request({"cmd": "hook", "state": "off"})
        agent.wait_played_seconds(0.8)
        print("earpiece:", describe(agent), "(North American dial tone is 350 + 440 Hz)")
        say("Dialling 14255550199 #")
        for k in "14255550199#":
            ctl.request({"cmd": "key", "key": k})
        agent.wait_played_seconds(1.0)
        print("earpiece:", describe(agent), "(intercept tones: no line is linked yet)")
        agent.wait_played_seconds(1.5)
        print("earpiece:", describe(agent), "(reorder is 480 + 620 Hz)")
        print(ctl.request({"cmd": "status"}))
        say("Replacing the handset")
        ctl.request({"cmd": "hook", "state": "on"})
        agent.wait_played_seconds(0.5)
        print("earpiece:", describe(agent))
    finally:
        agent.stop()
        shutil.copy(agent.playback, os.path.join(out_dir, "playback.wav"))
        shutil.copy(agent.log_path, os.path.join(out_dir, "agent.log"))
    x, rate = read_wav(os.path.join(out_dir, "playback.wav"))
    say(f"Earpiece audio: out/playback.wav ({len(x) / rate:.1f} s at {rate} Hz); agent log: out/agent.log")


if __name__ == "__main__":
    main()
