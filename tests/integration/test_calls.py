#!/usr/bin/python3
"""Calls over YNA end to end (yna-wire.md section 6): the real dialtoned on
the simulated board, linked to the simulator, whose far end is aiortc (an
independent WebRTC stack). Audio is checked by tone detection both ways: the
device's microphone WAV carries 600 Hz, the far end plays 1000 Hz."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dialtone_harness import rms, tone, tone_ratio, write_wav  # noqa: E402
from yna_it import YnaSetup  # noqa: E402

MIC_HZ = 600
FAR_HZ = 1000


class CallTest(unittest.TestCase):
    def setUp(self):
        self.y = YnaSetup(ping_s=5, pong_s=5)
        self.addCleanup(self.y.close)
        write_wav(self.y.agent.capture, tone([MIC_HZ], 2.0, 16000, level=6000), 16000)
        self.y.start_agent()
        self.y.link()
        self.y.wait_line("registered")
        self.ctl = self.y.agent.ctl
        self.ctl.request({"cmd": "subscribe"})

    def call_state(self, state, timeout=15):
        return self.ctl.wait_event(lambda e: e["event"] == "call" and e["state"] == state, timeout)

    def far_audio(self, call_id):
        return self.y.admin("GET", f"/call/{call_id}/audio")

    def earpiece(self, seconds=1.0):
        self.y.agent.wait_played_seconds(seconds)
        return self.y.agent.playback_tail(seconds)

    def assert_two_way_audio(self, call_id):
        x, rate = self.earpiece(1.0)
        self.assertGreater(tone_ratio(x, FAR_HZ, rate), 0.3, "far end's 1000 Hz not in the earpiece")
        self.assertTrue(self.far_heard(call_id, MIC_HZ), f"far end did not hear {MIC_HZ} Hz")

    def far_heard(self, call_id, hz, min_blocks=5):
        tops = self.far_audio(call_id).get("top_frequencies") or []
        return sum(t["blocks"] for t in tops if abs(t["hz"] - hz) <= 20) >= min_blocks

    def test_outgoing_call_two_way_audio_then_hangup(self):
        r = self.ctl.request({"cmd": "dial", "to": "14255550199"})
        self.assertTrue(r["ok"], r)
        ev = self.call_state("connected")
        self.assertEqual(ev["direction"], "out")
        call_id = ev["call_id"]
        time.sleep(2.0)
        self.assert_two_way_audio(call_id)
        self.assertTrue(self.ctl.request({"cmd": "hangup"})["ok"])
        self.call_state("ended")
        self.y.assert_no_violations()


if __name__ == "__main__":
    unittest.main(verbosity=2)
