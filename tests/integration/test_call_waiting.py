#!/usr/bin/python3
"""Two calls at once and the dial plan, end to end: the real dialtoned on the
simulated board against the YNA simulator, whose far ends are aiortc. Audio
is checked by tone detection: the microphone WAV carries 600 Hz, the first
far end plays 1000 Hz, the second 700 Hz, and the board's call-waiting tone
is 440 Hz (US plan)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dialtone_harness import tone, tone_ratio, write_wav  # noqa: E402
from yna_it import YnaSetup  # noqa: E402

MIC_HZ = 600
FIRST_HZ = 1000
SECOND_HZ = 700
WAITING_HZ = 440


def max_window_ratio(x, freq, rate, window_s=0.1):
    n = int(window_s * rate)
    return max((tone_ratio(x[i:i + n], freq, rate) for i in range(0, max(1, len(x) - n), n // 2)), default=0.0)


class TwoCalls(unittest.TestCase):
    call_waiting = True

    def setUp(self):
        self.y = YnaSetup(ping_s=5, pong_s=5)
        self.addCleanup(self.y.close)
        if not self.call_waiting:
            self.y.agent.config["call_waiting"] = False
            with open(self.y.agent.config_path, "w") as f:
                import json
                f.write(json.dumps(self.y.agent.config))
        write_wav(self.y.agent.capture, tone([MIC_HZ], 2.0, 16000, level=6000), 16000)
        self.y.start_agent()
        self.y.link()
        self.y.wait_line("registered")
        self.ctl = self.y.agent.ctl
        self.ctl.request({"cmd": "subscribe"})

    def call_event(self, pred, timeout=15):
        return self.ctl.wait_event(lambda e: e["event"] == "call" and pred(e), timeout)

    def call_states(self, *wanted, timeout=15):
        """Waits for every (call_id, state) pair, in whatever order they come."""
        left = set(wanted)
        deadline = time.time() + timeout
        while left:
            ev = self.call_event(lambda e: (e["call_id"], e["state"]) in left, max(0.1, deadline - time.time()))
            left.discard((ev["call_id"], ev["state"]))

    def earpiece(self, seconds=1.0):
        self.y.agent.wait_played_seconds(seconds)
        return self.y.agent.playback_tail(seconds)

    def far_heard(self, call_id, hz, min_blocks=5, since_ms=0):
        tops = self.y.admin("GET", f"/call/{call_id}/audio?since_ms={since_ms}").get("top_frequencies") or []
        return sum(t["blocks"] for t in tops if abs(t["hz"] - hz) <= 20) >= min_blocks

    def far_now_ms(self, call_id):
        rms = self.y.admin("GET", f"/call/{call_id}/audio")["rms_20ms"]
        return rms[-1][0] if rms else 0

    def assert_hears(self, hz, what):
        time.sleep(1.0)
        x, rate = self.earpiece(1.0)
        self.assertGreater(tone_ratio(x, hz, rate), 0.3, f"{what}: {hz} Hz not in the earpiece")

    def first_call(self):
        self.assertTrue(self.ctl.request({"cmd": "dial", "to": "14255550199"})["ok"])
        ev = self.call_event(lambda e: e["state"] == "connected")
        return ev["id"], ev["call_id"]

    def second_call(self):
        return self.y.admin("POST", "/call/incoming", {"from": "+14255550177", "name": "Bea"})["callId"]


class CallWaiting(TwoCalls):
    def test_waiting_flash_swap_and_recall(self):
        first_id, first = self.first_call()
        self.assert_hears(FIRST_HZ, "first call")
        x, rate = self.earpiece(1.0)
        self.assertLess(max_window_ratio(x, WAITING_HZ, rate), 0.03, "a waiting tone before any caller waits")

        second = self.second_call()
        ev = self.call_event(lambda e: e["state"] == "waiting")
        self.assertEqual(ev["call_id"], second)
        self.assertEqual(ev["peer_name"], "Bea")
        self.assertEqual(ev["direction"], "in")
        # The US plan's call-waiting tone is one 300 ms burst, then 9.7 s of
        # silence: look at the audio around the event, not after it.
        self.y.agent.wait_played_seconds(0.6)
        x, rate = self.y.agent.playback_tail(1.5)
        self.assertGreater(max_window_ratio(x, WAITING_HZ, rate), 0.08, "no call-waiting tone in the earpiece")
        st = self.ctl.request({"cmd": "status"})
        self.assertEqual(sorted(c["state"] for c in st["calls"]), ["connected", "waiting"])
        self.assertIn("Bea", self.y.page())

        # Flash: the first call is held, the waiting one answered.
        self.assertTrue(self.ctl.request({"cmd": "key", "key": "flash"})["ok"])
        self.call_states((first, "held"), (second, "connected"))
        # The simulator's far end plays its default tone once answered; make
        # the second caller's its own.
        self.y.admin("POST", f"/call/{second}/tone", {"hz": SECOND_HZ})
        self.assert_hears(SECOND_HZ, "after flash")
        self.assertTrue(self.far_heard(second, MIC_HZ), "the second caller does not hear the microphone")

        # Flash again: back to the first.
        self.assertTrue(self.ctl.request({"cmd": "key", "key": "flash"})["ok"])
        self.call_states((second, "held"), (first, "connected"))
        t = self.far_now_ms(first)
        self.assert_hears(FIRST_HZ, "after the second flash")
        time.sleep(0.5)
        self.assertTrue(self.far_heard(first, MIC_HZ, since_ms=t), "the first caller does not hear us after the swap")

        # Hanging up with the second call on hold rings the phone back.
        self.assertTrue(self.ctl.request({"cmd": "hook", "state": "on"})["ok"])
        self.call_event(lambda e: e["call_id"] == first and e["state"] == "ended")
        deadline = time.time() + 5
        while time.time() < deadline and self.ctl.request({"cmd": "status"})["handset"]["phase"] != "ringing":
            time.sleep(0.1)
        self.assertEqual(self.ctl.request({"cmd": "status"})["handset"]["phase"], "ringing", "no recall")
        self.assertTrue(self.ctl.request({"cmd": "hook", "state": "off"})["ok"])
        self.call_event(lambda e: e["call_id"] == second and e["state"] == "connected")
        self.assert_hears(SECOND_HZ, "after the recall")
        self.assertTrue(self.ctl.request({"cmd": "hangup"})["ok"])
        self.call_event(lambda e: e["call_id"] == second and e["state"] == "ended")
        self.y.assert_no_violations()

    def test_a_waiting_caller_who_gives_up_stops_the_tone(self):
        _, first = self.first_call()
        second = self.second_call()
        self.call_event(lambda e: e["state"] == "waiting")
        self.y.admin("POST", f"/call/{second}/cancel")
        ev = self.call_event(lambda e: e["call_id"] == second and e["state"] == "ended")
        self.assertIn("cancelled", ev["reason"])
        st = self.ctl.request({"cmd": "status"})
        self.assertEqual([c["call_id"] for c in st["calls"]], [first])
        self.assertNotEqual(st["handset"]["tone"], "call_waiting")
        self.assert_hears(FIRST_HZ, "the first call goes on")


class Unlink(TwoCalls):
    def test_unlinking_from_the_page_during_a_call_ends_it(self):
        _, first = self.first_call()
        st, _, _ = self.y.post("/unlink")
        self.assertEqual(st, 303)
        ev = self.call_event(lambda e: e["call_id"] == first and e["state"] == "ended")
        self.assertEqual(ev["reason"], "local_hangup")
        ends = [q for q in self.y.admin("GET", f"/call/{first}")["requests"] if q["method"] == "DELETE"]
        self.assertEqual([q["reason"] for q in ends], ["Terminated"])
        self.y.wait_line("unlinked")

    def test_a_failed_call_says_why_on_the_page(self):
        self.assertTrue(self.ctl.request({"cmd": "dial", "to": "14255550193"})["ok"])  # NotReachable
        ev = self.call_event(lambda e: e["state"] == "ended")
        self.assertIn("not_reachable", ev["reason"])
        self.assertIn("failed: not_reachable", self.y.page())


class CallWaitingOff(TwoCalls):
    call_waiting = False

    def test_second_caller_gets_busy(self):
        _, first = self.first_call()
        second = self.y.admin("POST", "/call/incoming", {"from": "+14255550177"})["callId"]
        deadline = time.time() + 10
        ends = []
        while time.time() < deadline and not ends:
            time.sleep(0.1)
            ends = [q for q in self.y.admin("GET", f"/call/{second}")["requests"] if q["method"] == "DELETE"]
        self.assertEqual(len(ends), 1, "the second call was not ended")
        self.assertEqual(ends[0]["reason"], "Busy")
        st = self.ctl.request({"cmd": "status"})
        self.assertEqual([c["call_id"] for c in st["calls"]], [first])
        self.assertEqual(st["calls"][0]["state"], "connected")


class DialPlan(TwoCalls):
    def keys(self, digits):
        for d in digits:
            self.assertTrue(self.ctl.request({"cmd": "key", "key": d})["ok"])

    def test_911_goes_out_at_once_as_dialled(self):
        self.assertTrue(self.ctl.request({"cmd": "hook", "state": "off"})["ok"])
        t0 = time.time()
        self.keys("911")
        ev = self.call_event(lambda e: e["state"] == "dialing", timeout=3)
        # The inter-digit timeout is 4 s: anything under 2 s is "at once".
        self.assertLess(time.time() - t0, 2.0)
        self.assertEqual(ev["peer"], "911")
        ev = self.call_event(lambda e: e["state"] == "connected")
        start = self.y.admin("GET", f"/call/{ev['call_id']}")
        self.assertEqual(start["start_request"]["to"], "911")
        self.assertEqual(start["start_request"]["from"], "14255550100")
        self.y.assert_no_violations()

    def test_a_national_number_is_sent_at_once_as_a_bare_msisdn(self):
        self.assertTrue(self.ctl.request({"cmd": "hook", "state": "off"})["ok"])
        self.keys("4255550199")
        ev = self.call_event(lambda e: e["state"] == "connected", timeout=5)
        self.assertEqual(ev["peer"], "+14255550199")
        start = self.y.admin("GET", f"/call/{ev['call_id']}")
        self.assertEqual(start["start_request"]["to"], "14255550199")

    def test_911_with_the_line_down_plays_reorder_and_says_why(self):
        self.assertTrue(self.ctl.request({"cmd": "unlink"})["ok"])
        self.y.wait_line("unlinked")
        self.assertTrue(self.ctl.request({"cmd": "hook", "state": "off"})["ok"])
        self.keys("911")
        ev = self.call_event(lambda e: e["state"] == "ended", timeout=3)
        self.assertEqual(ev["peer"], "911")
        self.assertIn("line unavailable", ev["reason"])
        self.assertTrue(ev.get("emergency"))
        deadline = time.time() + 3
        while time.time() < deadline and self.ctl.request({"cmd": "status"})["handset"]["tone"] != "reorder":
            time.sleep(0.1)
        self.assertEqual(self.ctl.request({"cmd": "status"})["handset"]["tone"], "reorder")


if __name__ == "__main__":
    unittest.main(verbosity=2)
