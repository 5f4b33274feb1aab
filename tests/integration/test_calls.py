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
        if os.environ.get("DT_DEBUG"): self.y.agent.config["log_level"] = "debug"; open(self.y.agent.config_path, "w").write(__import__("json").dumps(self.y.agent.config))
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

    def far_heard(self, call_id, hz, min_blocks=5, since_ms=0):
        tops = self.y.admin("GET", f"/call/{call_id}/audio?since_ms={since_ms}").get("top_frequencies") or []
        return sum(t["blocks"] for t in tops if abs(t["hz"] - hz) <= 20) >= min_blocks

    def assert_two_way_audio_since(self, call_id, since_ms, what):
        """Both directions, counting only what the far end heard after since_ms."""
        x, rate = self.earpiece(1.0)
        self.assertGreater(tone_ratio(x, FAR_HZ, rate), 0.3, f"{what}: far end's {FAR_HZ} Hz not in the earpiece")
        self.assertTrue(self.far_heard(call_id, MIC_HZ, since_ms=since_ms),
                        f"{what}: far end did not hear {MIC_HZ} Hz")

    def test_outgoing_call_two_way_audio_then_hangup(self):
        r = self.ctl.request({"cmd": "dial", "to": "14255550199"})
        self.assertTrue(r["ok"], r)
        ev = self.call_state("connected")
        self.assertEqual(ev["direction"], "out")
        call_id = ev["call_id"]
        time.sleep(2.0)
        self.assert_two_way_audio(call_id)
        self.assertIn("Outgoing call to <b>+1 (425) 555-0199</b>: connected", self.y.page())  # the local status page (the dial plan made it E.164)
        st = self.ctl.request({"cmd": "status"})
        self.assertEqual(st["calls"][0]["state"], "connected")
        self.assertEqual(st["calls"][0]["call_id"], call_id)
        self.assertTrue(self.ctl.request({"cmd": "hangup"})["ok"])
        self.call_state("ended")
        self.y.assert_no_violations()

    def connected_outgoing(self, number="14255550199"):
        self.assertTrue(self.ctl.request({"cmd": "dial", "to": number})["ok"])
        ev = self.call_state("connected")
        time.sleep(1.5)
        return ev["call_id"]

    def wait_request(self, call_id, path_part, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            paths = [q["path"] for q in self.y.admin("GET", f"/call/{call_id}")["requests"]]
            if any(path_part in p for p in paths):
                return
            time.sleep(0.1)
        self.fail(f"the device never sent {path_part}")

    def far_rms_since(self, call_id, since_ms):
        # No packets at all (the device stops sending while held) is silence too.
        rms = self.y.admin("GET", f"/call/{call_id}/audio?since_ms={since_ms + 1}")["rms_20ms"]
        return max((r for _, r in rms), default=0.0)

    def far_now_ms(self, call_id):
        rms = self.y.admin("GET", f"/call/{call_id}/audio")["rms_20ms"]
        return rms[-1][0] if rms else 0

    def test_incoming_call_rings_with_caller_id_then_answer_and_remote_hangup(self):
        r = self.y.admin("POST", "/call/incoming",
                         {"from": "+14255550123", "verificationStatus": "TN-Validation-Passed"})
        call_id = r["callId"]
        ev = self.call_state("ringing")
        self.assertEqual(ev["direction"], "in")
        self.assertEqual(ev["call_id"], call_id)
        self.assertIn("14255550123", ev["peer"])
        self.assertEqual(ev["verification"], "TN-Validation-Passed")
        # The simulated board has no bell: the ring cadence plays in the earpiece.
        x, rate = self.earpiece(1.0)
        self.assertGreater(tone_ratio(x, 440, rate), 0.15, "ring tone missing")
        paths = [q["path"] for q in self.y.admin("GET", f"/call/{call_id}")["requests"]]
        self.assertTrue(any("/inProgress/" in p for p in paths), paths)
        self.assertTrue(any("/ringing/" in p for p in paths), paths)

        self.assertTrue(self.ctl.request({"cmd": "hook", "state": "off"})["ok"])  # answering is lifting
        self.call_state("connected")
        time.sleep(2.0)
        self.assert_two_way_audio(call_id)
        self.y.admin("POST", f"/call/{call_id}/terminate")
        ev = self.call_state("ended")
        self.assertEqual(ev["reason"], "remote_hangup")
        self.y.assert_no_violations()

    def test_decline_ends_with_reason_declined(self):
        call_id = self.y.admin("POST", "/call/incoming", {"from": "+14255550123"})["callId"]
        self.call_state("ringing")
        self.assertTrue(self.ctl.request({"cmd": "decline"})["ok"])
        self.call_state("ended")
        deadline = time.time() + 5
        ends = []
        while time.time() < deadline and not ends:
            time.sleep(0.1)
            ends = [q for q in self.y.admin("GET", f"/call/{call_id}")["requests"] if q["method"] == "DELETE"]
        self.assertEqual(len(ends), 1, ends)
        self.assertEqual(ends[0]["reason"], "Declined")
        self.y.assert_no_violations()

    def test_caller_cancel_stops_the_ringing(self):
        call_id = self.y.admin("POST", "/call/incoming", {"from": "+14255550123"})["callId"]
        self.call_state("ringing")
        self.y.admin("POST", f"/call/{call_id}/cancel")
        self.call_state("ended")
        self.y.agent.wait_played_seconds(0.3)
        x, _ = self.earpiece(0.5)
        self.assertLess(rms(x), 50, "ringing should have stopped")

    def test_busy_number_plays_busy_tone(self):
        self.assertTrue(self.ctl.request({"cmd": "dial", "to": "14255550196"})["ok"])
        ev = self.call_state("ended")
        self.assertEqual(ev["reason"], "busy")
        x, rate = self.earpiece(1.0)
        self.assertGreater(tone_ratio(x, 480, rate), 0.1, "busy tone 480 Hz missing")
        self.assertGreater(tone_ratio(x, 620, rate), 0.1, "busy tone 620 Hz missing")

    def test_unreachable_number_plays_reorder(self):
        self.assertTrue(self.ctl.request({"cmd": "dial", "to": "14255550193"})["ok"])
        self.assertEqual(self.call_state("ended")["reason"], "not_reachable")
        x, rate = self.earpiece(1.0)
        self.assertGreater(tone_ratio(x, 620, rate), 0.1, "reorder missing")

    def test_ringback_while_the_far_end_rings(self):
        self.assertTrue(self.ctl.request({"cmd": "dial", "to": "14255550191"})["ok"])
        ev = self.call_state("ringing")
        x, rate = self.earpiece(1.0)
        self.assertGreater(tone_ratio(x, 440, rate) + tone_ratio(x, 480, rate), 0.3, "ringback missing")
        self.y.admin("POST", f"/call/{ev['call_id']}/answer")
        self.call_state("connected")

    def test_early_media_replaces_ringback(self):
        self.assertTrue(self.ctl.request({"cmd": "dial", "to": "14255550197"})["ok"])
        self.call_state("early")
        self.call_state("connected", timeout=20)

    def test_local_hold_silences_the_far_end_then_resume(self):
        call_id = self.connected_outgoing()
        self.assertTrue(self.ctl.request({"cmd": "hold"})["ok"])
        self.call_state("held")
        time.sleep(0.5)
        t = self.far_now_ms(call_id)
        time.sleep(1.5)
        self.assertLess(self.far_rms_since(call_id, t), 0.01, "far end still hears the microphone while held")
        self.assertTrue(self.ctl.request({"cmd": "resume"})["ok"])
        self.call_state("connected")
        t = self.far_now_ms(call_id)
        time.sleep(2.0)
        self.assert_two_way_audio_since(call_id, t, "after resume")
        self.y.assert_no_violations()

    def test_remote_hold_and_resume(self):
        call_id = self.connected_outgoing()
        self.y.admin("POST", f"/call/{call_id}/hold")
        self.call_state("remote_held")
        self.wait_request(call_id, "/acceptHold/")  # the network has our answer
        time.sleep(0.5)
        t = self.far_now_ms(call_id)
        time.sleep(1.5)
        # Held by the far end: we answered recvonly, so we hear it and send nothing.
        x, rate = self.earpiece(1.0)
        self.assertGreater(tone_ratio(x, FAR_HZ, rate), 0.3, "the far end's audio stopped while it holds us")
        self.assertLess(self.far_rms_since(call_id, t), 0.01, "the device still sends while held by the far end")
        self.y.admin("POST", f"/call/{call_id}/resume")
        self.call_state("connected")
        t = self.far_now_ms(call_id)
        time.sleep(2.0)
        self.assert_two_way_audio_since(call_id, t, "after the network's resume")
        paths = [q["path"] for q in self.y.admin("GET", f"/call/{call_id}")["requests"]]
        self.assertTrue(any("/acceptHold/" in p for p in paths), paths)
        self.assertTrue(any("/acceptResume/" in p for p in paths), paths)
        self.y.assert_no_violations()

    def test_network_renegotiation_is_answered(self):
        call_id = self.connected_outgoing()
        self.y.admin("POST", f"/call/{call_id}/renegotiate")
        self.wait_request(call_id, "/renegotiate/")
        t = self.far_now_ms(call_id)
        time.sleep(2.0)
        self.assert_two_way_audio_since(call_id, t, "after the network's re-offer")

    def test_dtmf_digits_reach_the_far_end(self):
        call_id = self.connected_outgoing()
        self.assertTrue(self.ctl.request({"cmd": "dtmf", "digits": "12#"})["ok"])
        self.assertTrue(self.ctl.request({"cmd": "key", "key": "9"})["ok"])  # the keypad in a call
        deadline = time.time() + 5
        digits = ""
        while time.time() < deadline and digits != "12#9":
            time.sleep(0.2)
            digits = self.far_audio(call_id).get("dtmf_digits", "")
        self.assertEqual(digits, "12#9")

    def test_call_survives_a_channel_reconnect(self):
        call_id = self.connected_outgoing()
        before = len(self.y.state()["channel"]["connections"])
        self.y.fault("close_1012")
        deadline = time.time() + 10
        while time.time() < deadline and len(self.y.state()["channel"]["connections"]) <= before:
            time.sleep(0.2)
        self.assertGreater(len(self.y.state()["channel"]["connections"]), before, "channel never reconnected")
        time.sleep(1.0)
        x, rate = self.earpiece(1.0)
        self.assertGreater(tone_ratio(x, FAR_HZ, rate), 0.3, "audio stopped over the reconnect")
        self.y.admin("POST", f"/call/{call_id}/terminate")  # arrives over the new channel
        self.call_state("ended")

    def test_network_misbehaviour_is_survived(self):
        call_id = self.connected_outgoing()
        # A status for a call we do not have, and a late Ringing: ignored.
        self.y.admin("POST", "/notify", {"notifications": [{"sessionStatusNotification": {
            "status": "Terminated", "callObjectRef": "https://127.0.0.1/calls/v1/sessions/nosuchcall"}}]})
        self.y.admin("POST", f"/call/{call_id}/status", {"status": "Ringing", "responseCode": 180})
        # A 500 on a call-progress post is retried.
        self.y.fault("http_500_once")
        self.assertTrue(self.ctl.request({"cmd": "hold"})["ok"])
        self.call_state("held")
        st = self.ctl.request({"cmd": "status"})
        self.assertEqual(st["calls"][0]["state"], "held")
        self.assertTrue(self.ctl.request({"cmd": "hangup"})["ok"])
        self.call_state("ended")


if __name__ == "__main__":
    unittest.main(verbosity=2)
