#!/usr/bin/python3
"""The notification channel against the simulator's faults (yna-wire.md
section 5): each fault leads back to a registered line with an open channel
within the contract's times (ping 1 s, pong timeout 1 s here); duplicates are
acknowledged and acted on once; a 401 refreshes and repeats; the violations
list stays empty."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from yna_it import YnaSetup  # noqa: E402


class ChannelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.y = YnaSetup()
        try:
            cls.y.start_agent()
            cls.y.link()
            cls.y.wait_line("registered")
        except Exception:
            cls.y.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.y.close()

    def tearDown(self):
        self.y.assert_no_violations()

    def channel(self):
        return self.y.state()["channel"]

    def wait_new_open(self, opened_before, timeout=15):
        """Waits for a connection newer than the ones counted before, still open."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            ch = self.channel()
            conns = ch["connections"]
            if len(conns) > opened_before and ch["open"] == 1 and conns[-1]["closed_ms"] is None:
                return ch
            time.sleep(0.05)
        raise AssertionError(f"no new channel connection: {self.channel()}\n" + self.y.agent.log_text()[-3000:])

    def fault_then_recover(self, *names):
        before = len(self.channel()["connections"])
        res = None
        for n in names:
            res = self.y.fault(n)
        ch = self.wait_new_open(before)
        self.y.wait_line("registered")
        return res, ch

    def test_close_1012_and_1001(self):
        for name in ("close_1012", "close_1001"):
            _, ch = self.fault_then_recover(name)
            closed = [c for c in ch["connections"] if c["closed_by"] == "network"]
            self.assertTrue(closed, name)

    def test_no_pong(self):
        _, ch = self.fault_then_recover("no_pong")
        self.assertGreaterEqual(ch["connections"][-2]["pings"], 1)

    def test_upgrade_410_gets_a_new_channel_url(self):
        status_before = self.y.state()["counters"]["registrations"]
        self.fault_then_recover("upgrade_410", "close_1012")
        self.assertGreater(self.y.state()["counters"]["registrations"], status_before)
        refused = self.y.events("channel_refused") + self.y.events("fault_applied")
        self.assertTrue(any(e.get("name") == "upgrade_410" or e.get("status") == 410 for e in refused))

    def test_big_frame_is_refused_and_the_channel_reconnects(self):
        n = self.y.agent.log_text().count("closing with 1009")
        self.fault_then_recover("big_frame")
        self.assertEqual(self.y.agent.log_text().count("closing with 1009"), n + 1)

    def test_big_frame_close_code_1009_reaches_the_network(self):
        _, ch = self.fault_then_recover("big_frame")
        codes = [c["close_code"] for c in ch["connections"]]
        self.assertIn(1009, codes)

    def test_malformed_frames_are_survived_and_the_ackable_one_acked(self):
        before = len(self.channel()["connections"])
        res = self.y.fault("malformed_frame")
        nid = res["ackable_notificationId"]
        deadline = time.time() + 10
        acked = False
        while time.time() < deadline and not acked:
            acked = any(n["notificationId"] == nid and n["acked"] for n in self.channel()["notifications"])
            time.sleep(0.05)
        self.assertTrue(acked)
        self.assertEqual(len(self.channel()["connections"]), before, "the channel stayed up")
        self.assertEqual(self.y.line()["state"], "registered")

    def test_duplicate_notification_acked_twice_acted_on_once(self):
        y = self.y
        y.fault("duplicate_notification")
        nid = y.admin("POST", "/notify", {"notifications": [{"sessionStatusNotification": {
            "status": "Ringing", "callObjectRef": y.info["url"] + "/calls/dup-test-call"}}]})["notificationIds"][0]
        deadline = time.time() + 10
        rec = None
        while time.time() < deadline:
            rec = next(n for n in self.channel()["notifications"] if n["notificationId"] == nid)
            if len(rec["acks"]) >= 2:
                break
            time.sleep(0.05)
        self.assertEqual(len(rec["sends"]), 2)
        self.assertEqual(len(rec["acks"]), 2, "every copy is acknowledged")
        time.sleep(0.3)
        log = y.agent.log_text()
        self.assertEqual(log.count(f"status Ringing ({nid}) for call dup-test-call"), 1, "acted on once")
        self.assertEqual(log.count(f"notification {nid} again"), 1)

    def test_expired_token_refreshes_and_repeats(self):
        y = self.y
        refresh_before = y.state()["counters"]["refresh_grants"]
        old = y.stored_tokens()
        # The network invalidates the access token; the reconnect's upgrade and
        # the status request then get 401: refresh once, repeat.
        self.fault_then_recover("expire_token", "close_1012")
        self.assertGreater(y.state()["counters"]["refresh_grants"], refresh_before)
        new = y.stored_tokens()
        self.assertNotEqual(new["access_token"], old["access_token"])
        self.assertNotEqual(new["refresh_token"], old["refresh_token"], "the rotated refresh token was stored")
        expected_401 = y.events("expected_401")
        self.assertTrue(expected_401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
